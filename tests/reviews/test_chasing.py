"""Unanswered links are chased: reminders on the trust's schedule, the author told when one expires, new links on request."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.documents.models import Document, Link
from app.extensions import db
from app.reviews.reminders import Schedule, schedule_for, send_reminders
from app.trusts.models import Trust

from ..flows.test_contract_spine import csrf
from .helpers import (
    SUPERVISEE,
    SUPERVISOR,
    age_links,
    agree,
    create_contract,
    events,
    path_of,
    queued,
    set_trust_profile,
    state,
)

AUTHOR = ("Pat Lee", "pat.lee@example.org")


def sent_and_delivered(app: Any, runner: Any, wait: Any, *extra: str) -> int:
    document_id = create_contract(runner, *extra)
    assert wait(lambda: len(events(app, document_id, "email_delivered")) == 2)
    assert state(app, document_id) == "awaiting_agreement"
    return document_id


def remind(app: Any, now: datetime) -> dict[str, int]:
    with app.app_context():
        return send_reminders(now)


def link_of(app: Any, email: str) -> Link:
    with app.app_context():
        link = db.session.scalar(select(Link).where(Link.party.has(email=email), Link.purpose == "agree").order_by(Link.id))
        db.session.expunge(link)
        return link


def test_the_schedule_counts_reminder_times_before_expiry():
    sent = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    expires = sent + timedelta(days=14)
    schedule = Schedule(first_after_days=3, every_days=4)
    assert schedule.due(sent, expires, sent + timedelta(days=3) - timedelta(seconds=1)) == 0
    assert schedule.due(sent, expires, sent + timedelta(days=3)) == 1
    assert schedule.due(sent, expires, sent + timedelta(days=6, hours=23)) == 1
    assert schedule.due(sent, expires, sent + timedelta(days=7)) == 2
    assert schedule.due(sent, expires, sent + timedelta(days=11)) == 3
    # Day 15 would be the fourth, but the link expires on day 14.
    assert schedule.due(sent, expires, sent + timedelta(days=30)) == 3
    assert Schedule(3, 4).due(sent, sent + timedelta(days=3), sent + timedelta(days=5)) == 0


def test_a_trust_sets_its_own_schedule_in_its_profile():
    assert schedule_for(Trust(profile={"defaults": {}})) == Schedule(3, 4)
    assert schedule_for(Trust(profile={"reminders": {"first_after_days": 1, "every_days": 2}})) == Schedule(1, 2)
    assert schedule_for(Trust(profile={"reminders": {"every_days": 0}})) == Schedule(3, 4)


def test_unanswered_links_are_reminded_on_schedule_and_the_author_is_told_when_one_expires(
    app, runner, client, mailbox, trusts, wait
):
    document_id = sent_and_delivered(app, runner, wait, "--author", f"{AUTHOR[0]} <{AUTHOR[1]}>")
    original = link_of(app, SUPERVISEE[1])

    # Not before three days have passed.
    assert remind(app, age_links(app, document_id, days=2.9)) == {"reminders": 0, "expiry notices": 0}

    # After three days: one reminder to each party, carrying a fresh token for the same link.
    assert remind(app, age_links(app, document_id, days=3.01)) == {"reminders": 2, "expiry notices": 0}
    reminder = mailbox.to(SUPERVISEE[1], "Reminder: please read and agree")[0]
    body = reminder.get_body().get_content()
    assert "11 more days" in body and AUTHOR[0] in body
    assert "changed since" not in body and "Why it was revised" not in body  # version 1: nothing to list
    url = mailbox.link(reminder)
    assert client.get(path_of(url)).status_code == 200
    with app.app_context():
        ids = list(db.session.scalars(select(Link.id).where(Link.party.has(email=SUPERVISEE[1]))))
        assert ids == [original.id]  # no new link row: the reminder resends the same link
        link = db.session.get(Link, original.id)
        assert link.reminders_sent == 1 and link.last_reminded_at is not None
    assert len(events(app, document_id, "reminder_sent")) == 2

    # Running again, or again before day seven, sends nothing new.
    assert runner.invoke(args=["reminders", "send"]).output.strip() == "0 reminders, 0 expiry notices"
    assert remind(app, age_links(app, document_id, days=6.9))["reminders"] == 0
    assert len(queued(app, "reminder")) == 2

    # Day seven: the second reminder. The supervisee agrees through it; the supervisor is still chased.
    assert remind(app, age_links(app, document_id, days=7.01))["reminders"] == 2
    second = mailbox.to(SUPERVISEE[1], "Reminder: please read and agree", count=2)[1]
    assert "7 more days" in second.get_body().get_content()
    assert agree(client, mailbox.link(second), SUPERVISEE[0]).status_code == 303
    assert remind(app, age_links(app, document_id, days=11.01))["reminders"] == 1
    assert len(mailbox.to(SUPERVISOR[1], "Reminder: please read and agree", count=3)) == 3

    # Expired: no more reminders; the author is told once, naming who and what.
    now = age_links(app, document_id, days=14.5)
    assert remind(app, now) == {"reminders": 0, "expiry notices": 1}
    notice = mailbox.to(AUTHOR[1], "Link expired unused")[0]
    text = notice.get_body().get_content()
    assert SUPERVISOR[0] in text and f"CS-{document_id:06d}" in text
    assert f"flask documents resend {document_id} --party {SUPERVISOR[1]}" in text
    assert remind(app, now) == {"reminders": 0, "expiry notices": 0}
    assert runner.invoke(args=["reminders", "send"]).output.strip() == "0 reminders, 0 expiry notices"
    assert len(queued(app, "link_expired")) == 1
    assert len(events(app, document_id, "link_expired")) == 1
    assert state(app, document_id) == "awaiting_agreement"


def test_a_reminder_is_sent_once_when_runs_were_missed_or_overlap(app, runner, mailbox, trusts, wait):
    document_id = sent_and_delivered(app, runner, wait)
    now = age_links(app, document_id, days=8)  # two reminder times passed with no run

    results: list[dict[str, int]] = []

    def run() -> None:
        with app.app_context():
            results.append(send_reminders(now))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["reminders"] for r in results) == 2  # one for each party, whichever run sent it
    assert len(queued(app, "reminder")) == 2
    with app.app_context():
        assert [link.reminders_sent for link in db.session.scalars(select(Link))] == [2, 2]
    assert remind(app, now + timedelta(days=2))["reminders"] == 0  # the next is due on day 11
    assert remind(app, now + timedelta(days=3, minutes=1))["reminders"] == 2


def changes_in(email: Any) -> str:
    """Return what an email says between naming the version and offering the link: what changed, if anything."""
    text = "\n".join(email.get_body().get_content().splitlines())  # SMTP delivers CRLF line ends
    match = re.search(r", version \d+\n(.*?)\nOpen your personal link", text, re.S)
    assert match, "the email names no version before its link"
    return match.group(1)


def test_a_reminder_of_a_revised_contract_lists_what_changed_since_the_party_last_saw_it(app, runner, client, mailbox,
                                                                                         trusts, wait):
    document_id = sent_and_delivered(app, runner, wait)
    result = runner.invoke(args=["documents", "revise", str(document_id), "--set", "venue=the school library",
                                 "--note", "As asked"])
    assert result.exit_code == 0, result.output
    agree_email = mailbox.to(SUPERVISEE[1], "Please read and agree", count=2)[1]
    # The supervisor opens version 2; the supervisee has not opened it.
    opened = path_of(mailbox.link(mailbox.to(SUPERVISOR[1], "Please read and agree", count=2)[1]))
    page = client.get(opened)
    assert client.post(opened + "/viewed", headers={"X-CSRFToken": csrf(page.text)}).status_code == 204

    assert remind(app, age_links(app, document_id, days=3.01))["reminders"] == 2
    reminder = mailbox.to(SUPERVISEE[1], "Reminder: please read and agree")[0]
    listed = changes_in(reminder)
    assert "Why it was revised: As asked" in listed and "What changed since version 1:" in listed
    assert re.search(r"Venue\s+was: SEM Office or other appropriate venue.*\s+now: the school library", listed)
    assert listed == changes_in(agree_email)  # the same lines as the email that asked them to agree it

    # Who has seen version 2 is reminded of it without the list.
    seen = mailbox.to(SUPERVISOR[1], "Reminder: please read and agree")[0]
    assert changes_in(seen) == "" and "the school library" not in seen.get_body().get_content()


def test_a_trust_schedule_from_its_profile_is_followed(app, runner, mailbox, trusts, wait):
    set_trust_profile(app, "reminders", {"first_after_days": 1, "every_days": 2})
    document_id = sent_and_delivered(app, runner, wait)
    assert remind(app, age_links(app, document_id, days=1.01))["reminders"] == 2
    assert remind(app, age_links(app, document_id, days=2.9))["reminders"] == 0
    assert remind(app, age_links(app, document_id, days=3.01))["reminders"] == 2


def test_an_unanswered_audit_is_chased_and_can_be_sent_again(app, runner, client, mailbox, trusts, wait):
    result = runner.invoke(args=["questionnaire", "send", "--trust", "heart-of-mercia", "--supervisee", f"{SUPERVISEE[0]} <{SUPERVISEE[1]}>"])
    assert result.exit_code == 0, result.output
    document_id = int(result.output.strip().splitlines()[-1])
    first = mailbox.link(mailbox.to(SUPERVISEE[1], "Please answer")[0])
    assert remind(app, age_links(app, document_id, days=3.5, purpose="answer"))["reminders"] == 1
    reminder = mailbox.to(SUPERVISEE[1], "Reminder: please answer")[0]
    assert mailbox.link(reminder).split("/a/")[0] == first.split("/a/")[0]
    assert client.get(path_of(mailbox.link(reminder))).status_code == 200
    resent = runner.invoke(args=["documents", "resend", str(document_id), "--party", SUPERVISEE[1]])
    assert resent.exit_code == 0, resent.output
    again = mailbox.link(mailbox.to(SUPERVISEE[1], "Please answer", count=2)[1])
    assert client.get(path_of(again)).status_code == 200
    replaced = client.get(path_of(first))
    assert replaced.status_code == 410 and "A newer link has been sent" in replaced.text


def test_a_new_link_replaces_the_old_one(app, runner, client, mailbox, trusts, wait):
    document_id = sent_and_delivered(app, runner, wait)
    old_url = mailbox.link(mailbox.to(SUPERVISEE[1], "Please read and agree")[0])
    age_links(app, document_id, days=15, email=SUPERVISEE[1])
    expired = client.get(path_of(old_url))
    assert expired.status_code == 410 and "This link has expired" in expired.text

    result = runner.invoke(args=["documents", "resend", str(document_id), "--party", SUPERVISEE[1].upper()])
    assert result.exit_code == 0, result.output
    assert f"new link sent to {SUPERVISEE[0]}" in result.output
    new_url = mailbox.link(mailbox.to(SUPERVISEE[1], "Please read and agree", count=2)[1])
    assert new_url != old_url
    replaced = client.get(path_of(old_url))
    assert replaced.status_code == 410 and "A newer link has been sent" in replaced.text
    resent = events(app, document_id, "link_resent")
    assert len(resent) == 1 and resent[0].actor == "command line"
    with app.app_context():
        old, new = db.session.scalars(select(Link).where(Link.party.has(email=SUPERVISEE[1])).order_by(Link.id))
        assert old.revoked_at is not None and new.revoked_at is None
        assert new.expires_at - new.created_at == timedelta(days=14)
    # A revoked link is not chased, and its expiry is nobody's news.
    assert remind(app, datetime.now(UTC))["expiry notices"] == 0

    assert agree(client, new_url, SUPERVISEE[0]).status_code == 303
    refused = runner.invoke(args=["documents", "resend", str(document_id), "--party", SUPERVISEE[1]])
    assert refused.exit_code != 0 and "has already answered" in refused.output
    stranger = runner.invoke(args=["documents", "resend", str(document_id), "--party", "who@example.org"])
    assert stranger.exit_code != 0 and "is not a party" in stranger.output

    assert agree(client, mailbox.link(mailbox.to(SUPERVISOR[1], "Please read and agree")[0]), SUPERVISOR[0]).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    closed = runner.invoke(args=["documents", "resend", str(document_id), "--party", SUPERVISOR[1]])
    assert closed.exit_code != 0 and "not waiting for anyone" in closed.output
    with app.app_context():
        assert db.session.get(Document, document_id).state == "sealed"

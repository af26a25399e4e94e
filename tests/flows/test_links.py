"""Personal links: opening one changes nothing; a bad one gets a clear page, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.audit import tallies
from app.audit.models import AuditEvent
from app.db import utcnow
from app.documents.models import Answer, Link
from app.extensions import db

from .test_contract_spine import agree, create, create_and_send, csrf, events, path_of, state


def _rejections(app: Any) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "link_rejected"))
        return [r.details["reason"] for r in rows]


def test_opening_a_link_changes_nothing(app, runner, client, mailbox, trusts, wait):
    document_id = create_and_send(app, runner, wait)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    assert wait(lambda: state(app, document_id) == "awaiting_agreement")
    before = len(events(app, document_id))
    for _ in range(3):  # a mail filter opening the link, the person opening it twice
        assert client.get(path_of(url)).status_code == 200
        assert client.head(path_of(url)).status_code == 200
    assert len(events(app, document_id)) == before
    with app.app_context():
        assert db.session.scalar(select(Link.first_viewed_at).where(Link.party.has(email="sam@example.org"))) is None


@pytest.mark.parametrize(
    "mangle, reason, heading",
    [
        (lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"), "invalid", "This link is not valid"),
        (lambda t: "garbage", "invalid", "This link is not valid"),
        (lambda t: "x" * 3000, "invalid", "This link is not valid"),
    ],
)
def test_tampered_links_are_refused(app, runner, client, mailbox, trusts, mangle, reason, heading):
    create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    token = url.rsplit("/", 1)[1]
    page = client.get(f"/s/{mangle(token)}")
    assert page.status_code == 404
    assert heading in page.text
    # A token that names no link is noise: counted for the client, not written to the audit log.
    assert _rejections(app) == []
    with app.app_context():
        assert [(t.reason, t.count) for t in tallies()] == [(reason, 1)]


def test_an_unknown_link_is_refused(app, runner, client, mailbox, trusts):
    from signing.tokens import LinkTokens

    create(runner)
    forged = LinkTokens([app.config["SECRET_KEY"]]).issue("agree", 999, "nonce")
    page = client.get(f"/s/{forged}")
    assert page.status_code == 404 and "not recognised" in page.text
    assert _rejections(app) == []
    with app.app_context():
        assert [(t.reason, t.count) for t in tallies()] == [("unknown", 1)]


def test_an_expired_link_names_whom_to_contact(app, runner, client, mailbox, trusts):
    create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    with app.app_context():
        db.session.execute(update(Link).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    page = client.get(path_of(url))
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert "Alex Morgan" in page.text and "alex.morgan@example.org" in page.text
    post = client.post(path_of(url) + "/agree", data={"confirm": "yes", "full_name": "Sam"})
    assert post.status_code == 400 and "This form has expired" in post.text  # no CSRF token: refused first


def test_a_link_agrees_only_once(app, runner, client, mailbox, trusts):
    document_id = create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    page = client.get(path_of(url))
    assert agree(client, url, "Sam O'Brien <Head> & Co").status_code == 303
    again = client.post(
        path_of(url) + "/agree",
        data={"csrf_token": csrf(page.text), "confirm": "yes", "full_name": "Sam O'Brien <Head> & Co"},
    )
    assert again.status_code == 409 and "already been used" in again.text
    with app.app_context():
        assert len(list(db.session.scalars(select(Answer)))) == 1
    assert len(events(app, document_id, "agreed")) == 1
    assert "used" in _rejections(app)


def test_agreeing_needs_the_tick_and_a_csrf_token(app, runner, client, mailbox, trusts):
    document_id = create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    page = client.get(path_of(url))
    no_tick = client.post(path_of(url) + "/agree", data={"csrf_token": csrf(page.text), "full_name": "Sam O'Brien <Head> & Co"})
    assert no_tick.status_code == 400 and "Tick the box" in no_tick.text
    no_csrf = client.post(path_of(url) + "/agree", data={"confirm": "yes", "full_name": "Sam O'Brien <Head> & Co"})
    assert no_csrf.status_code == 400 and "This form has expired" in no_csrf.text
    assert events(app, document_id, "agreed") == []


def test_a_change_request_revision_supersedes_old_links_and_agreements(app, runner, client, mailbox, trusts, wait):
    document_id = create(runner)
    old_supervisor = mailbox.link(mailbox.to("alex.morgan@example.org", "Please read")[0])
    old_supervisee = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    assert agree(client, old_supervisor, "Alex Morgan").status_code == 303

    page = client.get(path_of(old_supervisee))
    empty = client.post(path_of(old_supervisee) + "/changes", data={"csrf_token": csrf(page.text), "reason": "  "})
    assert empty.status_code == 400 and "Say what needs to change" in empty.text
    asked = client.post(
        path_of(old_supervisee) + "/changes",
        data={"csrf_token": csrf(page.text), "reason": "We meet in the library, not the SEM Office."},
    )
    assert asked.status_code == 303
    assert state(app, document_id) == "changes_requested"
    author_mail = mailbox.to("alex.morgan@example.org", "Changes requested")[0]
    assert "We meet in the library" in author_mail.get_body().get_content()

    result = runner.invoke(args=["documents", "revise", str(document_id), "--set", "venue=the school library", "--note", "Venue corrected"])
    assert result.exit_code == 0, result.output
    new_supervisor = mailbox.link(mailbox.to("alex.morgan@example.org", "Please read", count=2)[-1])
    new_supervisee = mailbox.link(mailbox.to("sam@example.org", "Please read", count=2)[-1])
    assert wait(lambda: state(app, document_id) == "awaiting_agreement")

    stale = client.get(path_of(old_supervisee))
    assert stale.status_code == 410 and "has been revised" in stale.text
    # The supervisor's earlier agreement was to version 1: it no longer counts.
    assert agree(client, new_supervisee, "Sam O'Brien <Head> & Co").status_code == 303
    assert state(app, document_id) == "awaiting_agreement"
    assert agree(client, new_supervisor, "Alex Morgan").status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    types = [e.type for e in events(app, document_id)]
    assert "changes_requested" in types and "revised" in types


def test_bad_revision_input_changes_nothing(app, runner, client, mailbox, trusts, wait):
    document_id = create_and_send(app, runner, wait)
    result = runner.invoke(args=["documents", "revise", str(document_id), "--set", "colour=blue"])
    assert result.exit_code != 0 and "unknown field 'colour'" in result.output
    result = runner.invoke(args=["documents", "revise", str(document_id), "--set", "agreed_date=tomorrow"])
    assert result.exit_code != 0 and "not a date" in result.output
    shown = runner.invoke(args=["documents", "show", str(document_id)]).output
    assert "v2" not in shown


def test_bad_create_input_is_refused_clearly(app, runner, trusts):
    cases = [
        (["--supervisor", "no email here"], "is not of the form"),
        (["--set", "review_date=2020-01-01", "--set", "agreed_date=2026-01-01"], "must be after"),
        (["--set", "venue="], "venue: must not be empty"),
        (["--set", "novel=1"], "unknown field 'novel'"),
    ]
    for extra, message in cases:
        args = ["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "A B <a@example.org>", "--supervisee", "C D <c@example.org>", *extra]
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (extra, result.output)
    unknown = runner.invoke(args=["contract", "create", "--trust", "nowhere", "--supervisor", "A B <a@example.org>", "--supervisee", "C D <c@example.org>"])
    assert unknown.exit_code != 0 and "no trust 'nowhere'" in unknown.output
    with app.app_context():
        from app.documents.models import Document

        assert db.session.scalar(select(Document.id)) is None

"""A contract is reviewed each year: reissued pre-filled from the last, and sealing the reissue supersedes it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.documents.models import Document
from app.documents.queries import successor_of
from app.extensions import db
from app.reviews.reissue import reissue_changes

from .helpers import (
    change_trust_default,
    contract_count,
    create_contract,
    events,
    fields_of,
    seal_by_mail,
    set_review_date,
    state,
)

VENUE = "Room 4, Oakfield Primary"
NEW_FREQUENCY = "every four weeks"
RIA = ("Ria Shah", "ria@example.org")


def reissue(runner: Any, *args: str) -> Any:
    return runner.invoke(args=["reviews", "reissue", *args])


def new_id(result: Any) -> int:
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def changes(app: Any, document_id: int) -> dict[str, tuple[Any, Any]]:
    with app.app_context():
        return {name: (old, new) for name, old, new in reissue_changes(document_id)}


def test_a_contract_is_reissued_each_year_and_sealing_the_reissue_supersedes_it(
    app, runner, client, mailbox, trusts, wait, tmp_path
):
    today = date.today()
    first = create_contract(runner, "--set", f"venue={VENUE}", "--set", "supervisee_expectations=Time to reflect")
    seal_by_mail(app, client, mailbox, wait, first)

    # Sealed a moment ago, its review is a year away: not due yet.
    due = runner.invoke(args=["reviews", "due"])
    assert due.exit_code == 0 and "CS-" not in due.output
    set_review_date(app, first, today - timedelta(days=10))
    due = runner.invoke(args=["reviews", "due"]).output
    assert f"CS-{first:06d}" in due and "heart-of-mercia" in due and "overdue by 10 days" in due
    assert "Alex Morgan" in due and "Sam Patel" in due
    assert "CS-" not in runner.invoke(args=["reviews", "due", "--trust", "river-tees"]).output
    set_review_date(app, first, today + timedelta(days=30))
    assert "due in 30 days" in runner.invoke(args=["reviews", "due", "--within", "30"]).output
    assert "CS-" not in runner.invoke(args=["reviews", "due", "--within", "29"]).output

    # Reissued: the overridden venue and the other fields carry over; dated today, reviewed in a year.
    result = reissue(runner, str(first))
    second = new_id(result)
    assert f"CS-{first:06d} reissued as CS-{second:06d}" in result.output
    assert "review_date: " in result.output and "venue" not in result.output
    fields = fields_of(app, second)
    assert fields["terms"]["venue"] == VENUE
    assert fields["supervisee_expectations"] == "Time to reflect"
    assert fields["agreed_date"] == today.isoformat()
    assert date.fromisoformat(fields["review_date"]).year == today.year + 1
    assert "review_date" in changes(app, second) and "venue" not in changes(app, second)
    assert len(events(app, first, "reissued")) == 1
    assert events(app, first, "reissued")[0].details["reissue"] == second
    with app.app_context():
        assert db.session.get(Document, second).previous_document_id == first

    # Both parties get the new contract to agree; reissuing again makes nothing.
    count = contract_count(app)
    again = reissue(runner, str(first))
    assert again.exit_code != 0 and "already been reissued" in again.output
    assert contract_count(app) == count
    assert f"CS-{first:06d}" not in runner.invoke(args=["reviews", "due", "--within", "60"]).output
    unsealed = reissue(runner, str(second))
    assert unsealed.exit_code != 0 and "only a sealed contract can be reissued" in unsealed.output

    seal_by_mail(app, client, mailbox, wait, second, count=2)
    assert state(app, first) == "superseded"
    assert len(events(app, first, "superseded")) == 1
    with app.app_context():
        old, new = db.session.get(Document, first), db.session.get(Document, second)
        assert old.superseded_at is not None
        assert successor_of(old).id == second and new.previous_document_id == first
        assert successor_of(new) is None
    copies = {}
    for document_id in (first, second):
        out = tmp_path / f"{document_id}.pdf"
        result = runner.invoke(args=["documents", "download", str(document_id), str(out)])
        assert result.exit_code == 0, result.output
        copies[document_id] = out.read_bytes()
    assert copies[first].startswith(b"%PDF") and copies[second].startswith(b"%PDF")
    assert copies[first] != copies[second]

    # A year on, the trust has changed a default: the next reissue takes it, and still keeps the venue.
    change_trust_default(app, "frequency", NEW_FREQUENCY)
    set_review_date(app, second, today)
    third = new_id(reissue(runner, str(second)))
    fields = fields_of(app, third)
    assert fields["terms"]["frequency"] == NEW_FREQUENCY
    assert fields["terms"]["venue"] == VENUE
    changed = changes(app, third)
    assert changed["frequency"][1] == NEW_FREQUENCY and "venue" not in changed


def test_a_first_contracts_overrides_are_kept_and_changed_defaults_picked_up(app, runner, client, mailbox, trusts, wait):
    # The first contract records which terms its author set, so its first reissue already knows
    # an override (kept) from an old default (replaced by today's).
    first = create_contract(runner, "--set", f"venue={VENUE}")
    seal_by_mail(app, client, mailbox, wait, first)
    change_trust_default(app, "session_length", "one hour")
    second = new_id(reissue(runner, str(first)))
    terms = fields_of(app, second)["terms"]
    assert terms["venue"] == VENUE
    assert terms["session_length"] == "one hour"
    assert "session_length" in changes(app, second) and "venue" not in changes(app, second)


def test_reissuing_every_due_contract_twice_reissues_each_once(app, runner, client, mailbox, trusts, wait):
    today = date.today()
    due = create_contract(runner)
    seal_by_mail(app, client, mailbox, wait, due)
    broken = create_contract(runner, supervisee=RIA)
    seal_by_mail(app, client, mailbox, wait, broken, supervisee=RIA, supervisor_count=2)
    later = create_contract(runner, supervisee=("Jo Bloggs", "jo@example.org"))
    set_review_date(app, due, today - timedelta(days=3))
    set_review_date(app, broken, today + timedelta(days=20))
    # A field the contract kind no longer accepts in that form: this one cannot be reissued as it is.
    with app.app_context():
        version = db.session.get(Document, broken).version
        version.fields = {**version.fields, "confidentiality_discussed": "Partly"}
        db.session.commit()

    count = contract_count(app)
    run = runner.invoke(args=["reviews", "reissue", "--all-due", "--within", "60"])
    assert run.exit_code == 1, run.output
    assert "Reissuing contracts" in run.output
    assert f"CS-{due:06d} reissued as" in run.output and "review_date" in run.output
    assert f"CS-{broken:06d} failed: confidentiality_discussed: must be one of Yes, No" in run.output
    assert "reissued 1, skipped 0 already reissued, failed 1" in run.output
    assert contract_count(app) == count + 1
    with app.app_context():
        assert successor_of(db.session.get(Document, due)) is not None
        assert successor_of(db.session.get(Document, later)) is None  # not sealed: not due

    rerun = runner.invoke(args=["reviews", "reissue", "--all-due", "--within", "60"])
    assert "reissued 0, skipped 1 already reissued, failed 1" in rerun.output
    assert contract_count(app) == count + 1
    assert len(events(app, due, "reissued")) == 1
    assert runner.invoke(args=["reviews", "reissue", "--all-due", "--trust", "nowhere"]).exit_code != 0
    assert runner.invoke(args=["reviews", "reissue"]).exit_code != 0


def test_documents_show_names_the_contract_each_replaces_or_is_replaced_by(app, runner, trusts):
    first = create_contract(runner)
    second = create_contract(runner)
    with app.app_context():
        db.session.get(Document, second).previous_document_id = first
        db.session.commit()
    assert f"replaced by: CS-{second:06d}" in runner.invoke(args=["documents", "show", str(first)]).output
    assert f"replaces: CS-{first:06d}" in runner.invoke(args=["documents", "show", str(second)]).output


def test_a_reissues_email_says_it_is_this_years_review_and_lists_what_changed_by_label(
    app, runner, client, mailbox, trusts, wait
):
    first = create_contract(runner, "--set", f"venue={VENUE}")
    seal_by_mail(app, client, mailbox, wait, first)
    change_trust_default(app, "frequency", NEW_FREQUENCY)
    set_review_date(app, first, date.today())
    second = new_id(reissue(runner, str(first)))
    assert wait(lambda: len(mailbox.to("sam@example.org", "annual review")) == 1)
    message = mailbox.to("sam@example.org", "annual review")[0]
    assert "(this year's annual review)" in message["Subject"]
    body = message.get_body().get_content()
    assert "It is time for this year's annual review of your supervision contract." in body
    assert f"It replaces last year's contract, CS-{first:06d}." in body
    assert "What changed from last year's contract:" in body
    assert f"this year: {NEW_FREQUENCY}" in body
    assert f"last year: {date.today().day} {date.today():%B %Y}" in body  # a date as the forms print it
    assert "  frequency\n" not in body and "  review_date\n" not in body  # labels, not internal names
    assert VENUE not in body  # the venue carried over unchanged

    # The staff page of the reissue lists the same changes, by the same labels.
    from ..staff.test_access import sign_in

    admin = "admin@hom.example.org"
    runner.invoke(args=["users", "create", admin, "--name", "Morgan Admin", "--role", "admin", "--trust", "heart-of-mercia"])
    sign_in(client, mailbox, admin)
    page = client.get(f"/staff/documents/{second}").text
    assert f"This is this year's annual review of CS-{first:06d}." in page
    assert "<td class=\"govuk-table__cell\">Frequency</td>" in page and NEW_FREQUENCY in page
    assert ">frequency<" not in page

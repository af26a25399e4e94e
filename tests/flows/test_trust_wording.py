"""Each trust's own words for its documents reach every place the app writes them, down to the sealed PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents.models import Answer, Document
from app.extensions import db
from app.kinds import KINDS
from app.trusts.models import Trust
from app.trusts.profile_edit import change_profile
from app.trusts.wording import TEXTS, default_texts, openings_for, wording_for, wording_problems

from .test_contract_spine import agree, csrf, path_of, state

ALEX, SAM = ("Alex Morgan", "alex.morgan@example.org"), ("Sam Patel", "sam@example.org")
NAME = "Safeguarding Supervision Agreement"
STATEMENT = "We have read and accept the terms above"
OPENING = "{author} asks you, as the {role}, to read our {document} before your first session."


def own_words(app: Any, slug: str) -> None:
    """Give the trust its own name, statement, heading and opening for contracts, as its admin would."""
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        profile = dict(trust.profile)
        profile["wording"] = {**profile.get("wording", {}), "contract": {
            "name": NAME, "statement": STATEMENT, "agreed": "You have accepted the agreement",
            "openings": {"agree_request": OPENING}}}
        changed = change_profile(trust, profile, templates_dir=Path(app.config["TEMPLATES_DIR"]), actor="test")
        assert "wording.contract.statement" in changed


def contract(runner: Any, slug: str) -> int:
    result = runner.invoke(args=["contract", "create", "--trust", slug, "--supervisor", f"{ALEX[0]} <{ALEX[1]}>",
                                 "--supervisee", f"{SAM[0]} <{SAM[1]}>", "--author", f"{ALEX[0]} <{ALEX[1]}>"])
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def sealed_text(app: Any, runner: Any, document_id: int, tmp_path: Path) -> str:
    """Return the text pdftotext reads from the sealed PDF, spaces and line breaks made single spaces."""
    out = tmp_path / "sealed.pdf"
    result = runner.invoke(args=["documents", "download", str(document_id), str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def agreed_events(app: Any, document_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.document_id == document_id, AuditEvent.type == "agreed")))


def test_a_trusts_own_words_name_the_document_and_say_what_each_party_agrees(app, runner, client, mailbox, trusts,
                                                                            wait, tmp_path):
    own_words(app, "heart-of-mercia")
    document_id = contract(runner, "heart-of-mercia")
    with app.app_context():
        assert db.session.get(Document, document_id).title == f"{NAME}: {ALEX[0]} and {SAM[0]}"

    request = mailbox.to(SAM[1], "Please read and agree")[0]
    assert request["Subject"].strip() == f"Please read and agree: {NAME}: {ALEX[0]} and {SAM[0]}"
    body = request.get_body(preferencelist=("plain",)).get_content()
    assert f"{ALEX[0]} asks you, as the supervisee, to read our {NAME} before your first session." in body

    link = mailbox.link(request)
    page = client.get(path_of(link))
    assert f"<title>Read and agree — {NAME}: {ALEX[0]} and {SAM[0]}" in page.text
    assert f'<label class="govuk-label govuk-checkboxes__label" for="confirm">{STATEMENT}</label>' in page.text
    unticked = client.post(path_of(link) + "/agree", data={"csrf_token": csrf(page.text), "full_name": SAM[0]})
    assert unticked.status_code == 400 and f"Tick the box to confirm: {STATEMENT}" in unticked.text

    done = agree(client, link, SAM[0])
    assert done.status_code == 303
    assert "You have accepted the agreement" in client.get(done.headers["Location"]).text
    assert agree(client, mailbox.link(mailbox.to(ALEX[1], "Please read and agree")[0]), ALEX[0]).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")

    # What each party agreed to is kept with their agreement, in the audit log and on the evidence page.
    with app.app_context():
        assert {a.statement for a in db.session.scalars(select(Answer))} == {STATEMENT}
    assert [e.details["statement"] for e in agreed_events(app, document_id)] == [STATEMENT, STATEMENT]
    evidence = sealed_text(app, runner, document_id, tmp_path).split("Evidence of agreement", 1)[1]
    assert f"Title {NAME}: {ALEX[0]} and {SAM[0]}" in evidence
    assert evidence.count(f"Statement agreed to {STATEMENT}") == 2
    sealed = mailbox.to(SAM[1], "Sealed")[0]
    assert sealed["Subject"].strip() == f"Sealed: {NAME}: {ALEX[0]} and {SAM[0]}"


def test_a_trust_without_wording_of_its_own_uses_the_defaults(app, runner, client, mailbox, trusts, wait, tmp_path):
    document_id = contract(runner, "inspire")  # Inspire's policy names no contract
    request = mailbox.to(SAM[1], "Please read and agree")[0]
    assert request["Subject"].strip() == f"Please read and agree: Supervision contract: {ALEX[0]} and {SAM[0]}"
    body = request.get_body(preferencelist=("plain",)).get_content()
    assert f"{ALEX[0]} has prepared the following document for you to read as the supervisee:" in body
    link = mailbox.link(request)
    page = client.get(path_of(link))
    assert "I have read and agree to this supervision contract" in page.text
    done = agree(client, link, SAM[0])
    assert "You have agreed this supervision contract" in client.get(done.headers["Location"]).text
    assert agree(client, mailbox.link(mailbox.to(ALEX[1], "Please read and agree")[0]), ALEX[0]).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    evidence = sealed_text(app, runner, document_id, tmp_path).split("Evidence of agreement", 1)[1]
    assert evidence.count("Statement agreed to I have read and agree to this supervision contract") == 2

    record = runner.invoke(args=["record", "create", "--trust", "inspire", "--supervisor", f"{ALEX[0]} <{ALEX[1]}>",
                                 "--supervisee", f"{SAM[0]} <{SAM[1]}>", "--set", "session_date=2026-10-14"])
    assert record.exit_code == 0, record.output
    asked = mailbox.to(SAM[1], "Please read and agree: Supervision record")[0]
    page = client.get(path_of(mailbox.link(asked)))
    assert "I agree this is an accurate record of the session" in page.text


def test_countersigns_own_wording_passes_the_rules_a_trusts_wording_must_pass():
    for name, spec in KINDS.items():
        texts = default_texts(name)
        table = {key: texts[key] for key in TEXTS} | {"openings": {e: texts["openings"][e] for e in openings_for(spec)}}
        assert wording_problems({name: table}) == [], name


def test_an_opening_fills_in_each_placeholder_and_the_documents_name(app, trusts):
    with app.app_context():
        profile = db.session.scalar(select(Trust).where(Trust.slug == "farrington")).profile
    words = wording_for(profile, "record")
    assert words.name == "Record of Supervision"  # Appendix 2's title
    values = {"author": "Alex Morgan", "role": "supervisee", "title": "T", "reference": "CS-000007", "version": 2,
              "trust": "Farrington Academy"}
    assert words.opening("sealed", values) == ("Everyone has agreed T (CS-000007, version 2). It has been sealed "
                                               "with the electronic seal of Farrington Academy.")
    mine = wording_for({"wording": {"record": {"openings": {"reminder": "{author}: the {document} {reference} waits."}}}},
                       "record")
    assert mine.opening("reminder", values) == "Alex Morgan: the Supervision record CS-000007 waits."

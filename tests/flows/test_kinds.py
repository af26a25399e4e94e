"""Every kind goes through the same pipeline: agendas go out, records and audits are agreed and sealed."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from app.documents.actions import Action
from app.extensions import db
from signing.verify import verify_pdf

from .test_contract_spine import csrf, events, path_of, state
from .test_contract_spine import pdf_text as raw_pdf_text


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", raw_pdf_text(data))

SUPERVISOR = "Alex Morgan <alex.morgan@example.org>"
SAM = "Sam Patel <sam@example.org>"
RIA = "Ria Shah <ria@example.org>"


def create(runner: Any, group: str, *args: str) -> int:
    result = runner.invoke(args=[*group.split(), "--trust", "heart-of-mercia", *args])
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def agree_by_mail(client: Any, mailbox: Any, address: str, name: str, count: int = 1) -> None:
    url = mailbox.link(mailbox.to(address, "Please read and agree", count=count)[count - 1])
    page = client.get(path_of(url))
    assert page.status_code == 200, page.text
    response = client.post(path_of(url) + "/agree", data={"csrf_token": csrf(page.text), "confirm": "yes", "full_name": name})
    assert response.status_code == 303


def sealed_pdf(app: Any, document_id: int) -> bytes:
    from app.documents.models import Document

    with app.app_context():
        document = db.session.get(Document, document_id)
        return document.version.sealed_file.read()


def test_a_group_contract_seals_only_when_every_supervisee_agrees(app, runner, client, mailbox, trusts, wait):
    document_id = create(runner, "contract create", "--kind", "group", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--supervisee", RIA)
    agree_by_mail(client, mailbox, "alex.morgan@example.org", "Alex Morgan")
    agree_by_mail(client, mailbox, "sam@example.org", "Sam Patel")
    assert state(app, document_id) == "awaiting_agreement"
    agree_by_mail(client, mailbox, "ria@example.org", "Ria Shah")
    assert wait(lambda: state(app, document_id) == "sealed")
    text = pdf_text(sealed_pdf(app, document_id))
    for name in ("Alex Morgan", "Sam Patel", "Ria Shah"):
        assert name in text


def test_a_one_to_one_contract_refuses_two_supervisees(app, runner, trusts):
    result = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--supervisee", RIA])
    assert result.exit_code != 0 and "has one supervisee" in result.output


def test_record_actions_are_reviewed_at_the_next_session(app, runner, client, mailbox, trusts, wait, tmp_path):
    data = tmp_path / "record.json"
    data.write_text(json.dumps({
        "session_date": "2026-10-14",
        "sections": [{"title": _first_section(app), "text": "Sam felt the half term had been heavy."}],
        "cases": [{"reference": "J.S. / CPOMS 4471", "discussion": "Attendance falling", "advice": "Seek early help", "actions": "Referral"}],
        "actions": [{"what": "Make early help referral", "who": "Sam Patel", "due": "2026-10-28"}],
    }))
    first = create(runner, "record create", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--data", str(data))
    agree_by_mail(client, mailbox, "alex.morgan@example.org", "Alex Morgan")
    agree_by_mail(client, mailbox, "sam@example.org", "Sam Patel")
    assert wait(lambda: state(app, first) == "sealed")
    text = pdf_text(sealed_pdf(app, first))
    assert "J.S. / CPOMS 4471" in text and "Make early help referral" in text
    with app.app_context():
        action = db.session.scalar(select(Action))
        assert action is not None and action.done_at is None

    # The pair's next agenda lists it for review, and goes out as an attached PDF.
    agenda = create(runner, "agenda create", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--set", "session_date=2026-11-25")
    assert wait(lambda: state(app, agenda) == "issued")
    message = mailbox.to("sam@example.org", "Safeguarding Supervision Agenda")[0]  # the trust's name for it
    attachment = next(message.iter_attachments())
    assert "Make early help referral" in pdf_text(attachment.get_content())

    # The next record marks it done, and prints the agenda sent for the session in its header;
    # sealing that record closes the action, in the audit log.
    data.write_text(json.dumps({"session_date": "2026-11-25", "done_actions": [action.id]}))
    second = create(runner, "record create", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--data", str(data))
    agree_by_mail(client, mailbox, "alex.morgan@example.org", "Alex Morgan", count=2)
    agree_by_mail(client, mailbox, "sam@example.org", "Sam Patel", count=2)
    assert wait(lambda: state(app, second) == "sealed")
    second_text = pdf_text(sealed_pdf(app, second))
    assert "Make early help referral" in second_text
    assert "Review notes of previous meeting" in second_text  # from the agenda issued for the session
    with app.app_context():
        assert db.session.scalar(select(Action.done_in_document_id)) == second
    assert len(events(app, first, "action_done")) == 1


def test_a_record_refuses_a_section_the_trust_does_not_have_and_a_case_without_reference(app, runner, trusts, tmp_path):
    data = tmp_path / "bad.json"
    data.write_text(json.dumps({"session_date": "2026-10-14", "sections": [{"title": "Gossip", "text": "x"}]}))
    result = runner.invoke(args=["record", "create", "--trust", "heart-of-mercia", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--data", str(data)])
    assert result.exit_code != 0 and "'Gossip' is not a section" in result.output
    data.write_text(json.dumps({"session_date": "2026-10-14", "cases": [{"reference": "", "discussion": "x"}]}))
    result = runner.invoke(args=["record", "create", "--trust", "heart-of-mercia", "--supervisor", SUPERVISOR, "--supervisee", SAM, "--data", str(data)])
    assert result.exit_code != 0 and "anonymised case reference" in result.output


def test_an_audit_answered_online_comes_out_sealed_with_the_answers(app, runner, client, mailbox, trusts, wait):
    document_id = create(runner, "questionnaire send", "--supervisee", SAM)
    assert state(app, document_id) == "awaiting_answers"
    url = mailbox.link(mailbox.to("sam@example.org", "Please answer")[0])
    page = client.get(path_of(url))
    assert page.status_code == 200
    questions = _questions(app)

    incomplete = client.post(path_of(url), data={"csrf_token": csrf(page.text)})
    assert incomplete.status_code == 400 and "There is a problem" in incomplete.text
    assert state(app, document_id) == "awaiting_answers"

    form = {"csrf_token": csrf(page.text)}
    for number, question in enumerate(questions, start=1):
        form[f"answer-{number}"] = {"yes_no": "Yes", "number": "6"}.get(question["answer"], f"Answer number {number}")
        if question.get("comments"):
            form[f"comments-{number}"] = f"Comment {number}"
    assert client.post(path_of(url), data=form).status_code == 200
    assert client.get(path_of(url)).status_code == 409  # the answer link is used up

    agree_by_mail(client, mailbox, "sam@example.org", "Sam Patel")
    assert wait(lambda: state(app, document_id) == "sealed")
    sealed = sealed_pdf(app, document_id)
    assert verify_pdf(sealed).intact
    text = pdf_text(sealed)
    assert questions[0]["text"][:40] in text
    last_text = [k for k, q in enumerate(questions, 1) if q["answer"] == "text"]
    if last_text:
        assert f"Answer number {last_text[-1]}" in text


def _questions(app: Any) -> list[dict[str, Any]]:
    from app.trusts.models import Trust

    with app.app_context():
        return db.session.scalar(select(Trust.profile).where(Trust.slug == "heart-of-mercia"))["audit"]["questions"]


def _first_section(app: Any) -> str:
    from app.trusts.models import Trust

    with app.app_context():
        return db.session.scalar(select(Trust.profile).where(Trust.slug == "heart-of-mercia"))["record"]["sections"][0]

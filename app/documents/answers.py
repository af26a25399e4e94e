"""A party's answer: agree a version, ask for changes, or answer an audit's questions online."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..extensions import db
from ..inputs import problem
from ..jobs import Job, dispatch
from ..kinds import kind
from ..trusts.wording import wording_for
from . import notify
from .links import LinkRejected, checked, consume, party_link, resolve_link
from .models import Answer, Decision, Document, Link, LinkPurpose
from .people import Request, party_label
from .records import locked_document
from .states import State

MAX_TEXT = 5000


class AnswerInvalid(Exception):
    """An agreement or change request was incomplete; problems maps field to message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def names_match(typed: str, expected: str) -> bool:
    """Compare a typed name with a party's name, ignoring case, spacing and apostrophe style."""

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
        return " ".join(text.casefold().split())

    return bool(norm(typed)) and norm(typed) == norm(expected)


def agree(token: str, *, confirmed: bool, typed_name: str, request: Request) -> Document:
    """Record a party's agreement through their personal link; when it is the last one, seal the version after commit."""
    return _agree(resolve_link(token, LinkPurpose.AGREE), confirmed=confirmed, typed_name=typed_name, request=request)


def agree_signed_in(document_id: int, email: str, *, confirmed: bool, typed_name: str, request: Request,
                    staff_user_id: int) -> Document:
    """Record the agreement of a signed-in member of staff who is a party, as their personal link would.

    It uses up the link they were emailed, with the same checks (the link must still be answerable,
    the tick, their name typed as on the document); the audit event says it came from a staff session.
    """
    link = party_link(document_id, email)
    if link is None:
        raise LinkRejected("unknown")
    return _agree(checked(link, LinkPurpose.AGREE), confirmed=confirmed, typed_name=typed_name, request=request,
                  staff_user_id=staff_user_id)


def _agree(link: Link, *, confirmed: bool, typed_name: str, request: Request,
           staff_user_id: int | None = None) -> Document:
    """Check and record an agreement through a link; when it is the last one, seal the version after commit."""
    document = link.version.document
    statement = wording_for(document.trust.profile, document.kind).statement
    problems = {}
    if not confirmed:
        problems["confirm"] = f"Tick the box to confirm: {statement}"
    if found := problem(typed_name, multiline=False):
        problems["full_name"] = f"Your full name {found}: type it again"
    elif not typed_name.strip():
        problems["full_name"] = "Type your full name"
    elif not names_match(typed_name, link.party.name):
        problems["full_name"] = f"Type your full name as it appears on the document: {link.party.name}"
    if problems:
        raise AnswerInvalid(problems)
    with transaction():
        document, link = _answer(link, Decision.AGREED, request, typed_name=typed_name.strip()[:200],
                                 statement=statement, staff_user_id=staff_user_id)
        version = link.version
        agreed = db.session.scalar(
            select(func.count(Answer.id)).where(Answer.version_id == version.id, Answer.decision == Decision.AGREED)
        )
        agreeing = [p for p in document.parties if p.role in kind(document.kind).agreed_by]
        if agreed == len(agreeing):
            document.move_to(State.AGREED)
            dispatch(Job.SEAL_VERSION, version.id)
    return document


def request_changes(token: str, *, reason: str, share_reason: bool, request: Request) -> Document:
    """Record a party's request for changes through their personal link and tell the author."""
    return _request_changes(resolve_link(token, LinkPurpose.AGREE), reason=reason, share_reason=share_reason,
                            request=request)


def request_changes_signed_in(document_id: int, email: str, *, reason: str, share_reason: bool, request: Request,
                              staff_user_id: int) -> Document:
    """Record a signed-in party's request for changes, as their personal link would (and using it up)."""
    link = party_link(document_id, email)
    if link is None:
        raise LinkRejected("unknown")
    return _request_changes(checked(link, LinkPurpose.AGREE), reason=reason, share_reason=share_reason,
                            request=request, staff_user_id=staff_user_id)


def _request_changes(link: Link, *, reason: str, share_reason: bool, request: Request,
                     staff_user_id: int | None = None) -> Document:
    """Check and record a request for changes; the other parties see who asked (and why, if shared)."""
    if found := problem(reason, multiline=True):
        raise AnswerInvalid({"reason": f"What needs to change {found}: remove it and try again"})
    reason = reason.strip()
    if not reason:
        raise AnswerInvalid({"reason": "Say what needs to change"})
    if len(reason) > MAX_TEXT:
        raise AnswerInvalid({"reason": "Keep the reason under 5,000 characters"})
    with transaction():
        document, link = _answer(link, Decision.CHANGES_REQUESTED, request, reason=reason, reason_shared=share_reason,
                                 staff_user_id=staff_user_id)
        document.move_to(State.CHANGES_REQUESTED)
        notify.email_changes_requested(document, link.version, link.party, reason)
    return document


def _answer(
    link: Link, decision: Decision, request: Request, *, typed_name: str | None = None, reason: str | None = None,
    reason_shared: bool = False, statement: str | None = None, staff_user_id: int | None = None,
) -> tuple[Document, Link]:
    """Lock the document, use up the link, and record the party's answer and its audit event."""
    document = locked_document(link.version.document_id)
    link = consume(link, LinkPurpose.AGREE)
    db.session.add(
        Answer(
            party=link.party,
            version_id=link.version.id,
            link_id=link.id,
            decision=decision,
            typed_name=typed_name,
            reason=reason,
            reason_shared=reason_shared,
            statement=statement,
            answered_at=link.used_at,
            ip=request.ip,
            user_agent=(request.user_agent or "")[:500] or None,
        )
    )
    db.session.flush()
    details: dict[str, Any] = {"version": link.version.number}
    if typed_name:
        details["typed_name"] = typed_name
    if decision is Decision.CHANGES_REQUESTED:
        details["reason_shared"] = reason_shared
    if staff_user_id is not None:  # answered from the dashboard while signed in, not through the emailed link
        details |= {"via": "staff_session", "staff_user": staff_user_id}
    if statement:
        details["statement"] = statement
    audit.record(
        EventType(decision.value),
        document_id=document.id,
        actor=party_label(link.party.name, link.party.email),
        ip=request.ip,
        user_agent=request.user_agent,
        details=details,
    )
    return document, link


def answer_audit(token: str, *, answers: list[dict[str, str]], respondent_name: str, request: Request) -> Document:
    """Record the supervisee's answers to an audit, then make the document for them to agree."""
    link = resolve_link(token, LinkPurpose.ANSWER)
    questions = link.version.document.trust.profile.get("audit", {}).get("questions", [])
    problems = audit_answer_problems(questions, answers)
    if found := problem(respondent_name, multiline=False):
        problems["respondent_name"] = f"Your name {found}"
    elif len(respondent_name) > 200:
        problems["respondent_name"] = "Keep the name under 200 characters"
    if problems:
        raise AnswerInvalid(problems)
    with transaction():
        document = locked_document(link.version.document_id)
        link = consume(link, LinkPurpose.ANSWER)
        version = link.version
        assert link.used_at is not None
        version.fields = {
            **version.fields,
            "answers": [{"answer": a["answer"].strip(), "comments": a["comments"].strip()} for a in answers],
            "respondent_name": respondent_name.strip(),
            "answered_date": link.used_at.date().isoformat(),
        }
        document.move_to(State.PREPARING)
        audit.record(
            EventType.ANSWERED,
            document_id=document.id,
            actor=party_label(link.party.name, link.party.email),
            ip=request.ip,
            user_agent=request.user_agent,
            details={"version": version.number, "questions": len(answers)},
        )
        dispatch(Job.PREPARE_VERSION, version.id)
    return document


def audit_answer_problems(questions: list[dict[str, Any]], answers: list[dict[str, str]]) -> dict[str, str]:
    """Return, per answer field, what is wrong with the answers to an audit's questions."""
    problems: dict[str, str] = {}
    if len(answers) != len(questions):
        return {"answer-1": "Answer every question"}
    for number, (question, answer) in enumerate(zip(questions, answers, strict=True), start=1):
        value = answer.get("answer", "").strip()
        found = problem(value, multiline=True) or problem(answer.get("comments", ""), multiline=True)
        if found:
            problems[f"answer-{number}"] = f"Question {number}: your answer {found}"
            continue
        if question["answer"] == "number":
            if not value.isdigit() or len(value) > 6:
                problems[f"answer-{number}"] = f"Question {number}: give a whole number, such as 6"
        elif question["answer"] == "yes_no":
            if value not in ("Yes", "No"):
                problems[f"answer-{number}"] = f"Question {number}: choose Yes or No"
        elif not value:
            problems[f"answer-{number}"] = f"Question {number}: write an answer"
        if len(value) > MAX_TEXT or len(answer.get("comments", "")) > MAX_TEXT:
            problems[f"answer-{number}"] = f"Question {number}: keep it under 5,000 characters"
    return problems

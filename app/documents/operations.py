"""What can happen to a document. Each operation owns its transaction and logs its events."""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from .. import audit
from ..db import transaction, utcnow
from ..extensions import db
from ..jobs import dispatch
from ..mail.operations import queue_email
from ..trusts.models import Trust
from .kinds import FieldError, kind, resolve_fields, terms_of
from .models import Answer, Document, DocumentVersion, Link, Party
from .states import State

MAX_TOKEN_AGE = 91 * 24 * 3600  # outer bound; each link's own expiry is checked in the database


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Request:
    """Where an action came from, for the audit log."""

    ip: str | None = None
    user_agent: str | None = None


class LinkRejected(Exception):
    """A personal link cannot be used; reason says why, contact says whom to ask."""

    def __init__(self, reason: str, document: Document | None = None, link: Link | None = None):
        super().__init__(reason)
        self.reason = reason
        self.document = document
        self.link = link


class AnswerInvalid(Exception):
    """An agreement or change request was incomplete; problems maps field to message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class DocumentNotFound(Exception):
    pass


class NotAllowed(Exception):
    """The document is not in a state that allows this."""


EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse_person(text: str) -> Person:
    """Parse 'Name <email>'; raise FieldError when it is not that."""
    match = re.fullmatch(r"\s*(.+?)\s*<\s*([^<>\s]+)\s*>\s*", text)
    if not match or not EMAIL.match(match.group(2)):
        raise FieldError([f"{text!r} is not of the form 'Full Name <email@example.org>'"])
    return Person(match.group(1), match.group(2).lower())


def create_document(
    *,
    trust_slug: str,
    kind_name: str,
    supervisor: Person | None,
    supervisees: list[Person],
    fields: dict[str, Any],
    author: Person | None = None,
    today: date | None = None,
    created_by_id: int | None = None,
    previous_document_id: int | None = None,
) -> Document:
    """Create a document from the trust's defaults and what the author gave, and start it off."""
    from .context import long_date

    spec = kind(kind_name)
    trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
    if trust is None:
        raise FieldError([f"no trust {trust_slug!r} is installed (flask trusts load)"])
    problems = []
    if supervisor is None and not spec.answered_online:
        problems.append("supervisor: required")
    if not supervisees:
        problems.append("supervisee: at least one required")
    elif len(supervisees) > 1 and not spec.many_supervisees:
        problems.append(f"a {spec.name} has one supervisee, not {len(supervisees)}")
    emails = [p.email for p in ([supervisor] if supervisor else []) + supervisees]
    if len(set(emails)) != len(emails):
        problems.append("each person must have their own email address")
    if not (_templates_dir() / trust.template_for(spec.name)).is_file():
        problems.append(f"trust {trust_slug!r} has no form for {spec.name}")
    if spec.answered_online and not trust.profile.get("audit", {}).get("questions"):
        problems.append(f"trust {trust_slug!r} has no audit questions in its profile")
    if problems:
        raise FieldError(problems)
    resolved = resolve_fields(spec, fields, trust.profile, today or date.today())
    author = author or supervisor or supervisees[0]
    names = " and ".join(p.name for p in ([supervisor] if supervisor else []) + supervisees)
    when = f" {long_date(resolved['session_date'])}" if resolved.get("session_date") else ""
    with transaction():
        document = Document(
            trust=trust,
            kind=spec.name,
            title=f"{spec.title}{when}: {names}"[:200],
            state=(State.AWAITING_ANSWERS if spec.answered_online else State.PREPARING).value,
            author_name=author.name,
            author_email=author.email,
            current_version=1,
            pair_key=pair_key(supervisor, supervisees),
            school=resolved.get("school", ""),
            created_by_id=created_by_id,
            previous_document_id=previous_document_id,
        )
        people = ([("supervisor", supervisor)] if supervisor else []) + [("supervisee", p) for p in supervisees]
        for position, (role, person) in enumerate(people):
            document.parties.append(Party(role=role, name=person.name, email=person.email, position=position))
        version = DocumentVersion(number=1, fields=resolved, note="First version")
        document.versions.append(version)
        db.session.add(document)
        db.session.flush()
        audit.record(
            "created",
            document_id=document.id,
            actor=author.label,
            details={
                "kind": spec.name,
                "trust": trust.slug,
                "version": 1,
                "overrides": sorted(k for k in fields if k in terms_of(trust.profile)),
            },
        )
        if spec.answered_online:
            for party in document.parties:
                if party.role in spec.agreed_by:
                    _send_link(document, version, party, "answer", "answer_request")
        else:
            _prepare_after_commit(version)
    return document


def pair_key(supervisor: Person | None, supervisees: list[Person]) -> str:
    """Return who supervises whom, so a pair's records, agendas and actions belong together."""
    lead = supervisor.email if supervisor else ""
    return f"{lead}|{','.join(sorted(p.email for p in supervisees))}"


def _templates_dir() -> Path:
    return Path(current_app.config["TEMPLATES_DIR"])


def _prepare_after_commit(version: DocumentVersion) -> None:
    from .tasks import prepare_version

    dispatch(prepare_version, version.id)


def _locked_document(document_id: int) -> Document:
    """Load a document, locking its row until the transaction ends."""
    document = db.session.scalar(
        # FOR NO KEY UPDATE: audit rows that reference the document (FOR KEY SHARE) can still be
        # written meanwhile, so a job holding the audit head cannot deadlock with us.
        select(Document).where(Document.id == document_id).with_for_update(key_share=True).execution_options(
            populate_existing=True
        )
    )
    if document is None:
        raise DocumentNotFound(document_id)
    return document


def prepare(version_id: int) -> None:
    """Render and convert a version, then send each party a personal link (idempotent)."""
    from ..conversion import get_converter
    from ..rendering import render_docx
    from ..storage import DOCX, PDF, store
    from .context import form_context

    version = db.session.get(DocumentVersion, version_id)
    if version is None:
        return
    document = version.document
    if document.status is not State.PREPARING or document.current_version != version.number:
        return
    docx = render_docx(_template_path(document), form_context(document, version, final=False))
    db.session.commit()  # end the read so no lock is held while LibreOffice works
    pdf = get_converter(current_app).convert_docx_to_pdf(docx)
    with transaction():
        document = _locked_document(document.id)
        version = db.session.get(DocumentVersion, version_id, populate_existing=True)
        assert version is not None
        if document.status is not State.PREPARING or document.current_version != version.number:
            return
        version.docx_file = store(docx, DOCX)
        version.pdf_file = store(pdf, PDF)
        version.sent_at = utcnow()
        spec = kind(document.kind)
        if spec.needs_agreement:
            document.move_to(State.AWAITING_AGREEMENT)
            for party in document.parties:
                if party.role in spec.agreed_by:
                    _send_link(document, version, party, "agree", "agree_request")
        else:
            document.move_to(State.ISSUED)
            _issue(document, version)


def _template_path(document: Document) -> Path:
    return _templates_dir() / document.trust.template_for(document.kind)


def _send_link(document: Document, version: DocumentVersion, party: Party, purpose: str, template: str) -> Link:
    """Make a personal link for a party and queue the email carrying it."""
    from signing.tokens import new_nonce

    days = int(document.trust.defaults["link_expiry_days"])
    now = utcnow()
    link = Link(
        purpose=purpose,
        party=party,
        version=version,
        nonce=new_nonce(),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(link)
    db.session.flush()
    queue_email(
        template,
        to_name=party.name,
        to_email=party.email,
        document_id=document.id,
        link=link,
        context=_email_context(document, version, party, expires=link.expires_at),
    )
    audit.record(
        "sent",
        document_id=document.id,
        details={"to": party.email, "role": party.role, "version": version.number, "link": link.id, "purpose": purpose},
    )
    return link


def _issue(document: Document, version: DocumentVersion) -> None:
    """Email a document that needs no agreement (an agenda) to everyone taking part, as a PDF."""
    for party in document.parties:
        queue_email(
            "issued",
            to_name=party.name,
            to_email=party.email,
            document_id=document.id,
            attachment=(version.pdf_file, f"{document.reference}-v{version.number}.pdf"),
            context=_email_context(document, version, party),
        )
        audit.record(
            "sent",
            document_id=document.id,
            details={"to": party.email, "role": party.role, "version": version.number, "attached": True},
        )


def _email_context(document: Document, version: DocumentVersion, party: Party, **extra: Any) -> dict[str, Any]:
    from .context import long_date

    context = {
        "name": party.name,
        "role": party.role_label.lower(),
        "title": document.title,
        "reference": document.reference,
        "version": version.number,
        "trust": document.trust.name,
        "author_name": document.author_name,
        "author_email": document.author_email,
    }
    context.update({k: long_date(v) if isinstance(v, date | datetime) else v for k, v in extra.items()})
    return context


# --- personal links ---------------------------------------------------------------------------


def resolve_link(token: str, purpose: str) -> Link:
    """Return the link a token stands for, or raise LinkRejected saying why it cannot be used."""
    from signing.tokens import TokenError

    from ..links import link_tokens

    try:
        link_id, nonce = link_tokens().read(purpose, token, MAX_TOKEN_AGE)
    except TokenError as exc:
        raise LinkRejected("expired" if exc.reason == "expired" else "invalid") from None
    link = db.session.get(Link, link_id)
    if link is None or link.purpose != purpose or not hmac.compare_digest(link.nonce, nonce):
        raise LinkRejected("unknown")
    version = link.version
    document = version.document
    now = utcnow()
    if document.status is State.CANCELLED:
        raise LinkRejected("cancelled", document, link)
    if purpose == "answer":
        if link.used_at is not None:
            raise LinkRejected("used", document, link)
        if link.revoked_at is not None:
            raise LinkRejected("replaced", document, link)
        if link.expires_at <= now:
            raise LinkRejected("expired", document, link)
        if document.status is not State.AWAITING_ANSWERS:
            raise LinkRejected("closed", document, link)
    elif purpose == "agree":
        if version.superseded_at is not None or document.current_version != version.number:
            raise LinkRejected("superseded", document, link)
        if link.used_at is not None:
            raise LinkRejected("used", document, link)
        if link.revoked_at is not None:
            raise LinkRejected("replaced", document, link)
        if link.expires_at <= now:
            raise LinkRejected("expired", document, link)
        if document.status is State.CHANGES_REQUESTED:
            raise LinkRejected("changes_requested", document, link)
        if document.status is not State.AWAITING_AGREEMENT:
            raise LinkRejected("closed", document, link)
    else:
        if link.revoked_at is not None:
            raise LinkRejected("replaced", document, link)
        if link.expires_at <= now:
            raise LinkRejected("expired", document, link)
        if version.sealed_file_id is None:
            raise LinkRejected("closed", document, link)
    return link


def record_rejection(exc: LinkRejected, request: Request) -> None:
    """Log a refused link in the audit trail (no token is stored)."""
    with transaction():
        audit.record(
            "link_rejected",
            document_id=exc.document.id if exc.document else None,
            actor=_actor(exc.link.party) if exc.link else "unknown",
            ip=request.ip,
            user_agent=request.user_agent,
            details={"reason": exc.reason, "link": exc.link.id if exc.link else None},
        )


def _actor(party: Party) -> str:
    return f"{party.name} <{party.email}>"


def mark_viewed(token: str, request: Request) -> None:
    """Record the first time a party's browser displayed the document (idempotent)."""
    link = resolve_link(token, "agree")
    with transaction():
        now = utcnow()
        first = db.session.execute(
            update(Link)
            .where(Link.id == link.id, Link.first_viewed_at.is_(None))
            .values(first_viewed_at=now)
        ).rowcount
        if first:
            audit.record(
                "viewed",
                document_id=link.version.document_id,
                actor=_actor(link.party),
                ip=request.ip,
                user_agent=request.user_agent,
                details={"version": link.version.number, "link": link.id},
            )


def names_match(typed: str, expected: str) -> bool:
    """Compare a typed name with a party's name, ignoring case, spacing and apostrophe style."""

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
        return " ".join(text.casefold().split())

    return bool(norm(typed)) and norm(typed) == norm(expected)


def agree(token: str, *, confirmed: bool, typed_name: str, request: Request) -> Document:
    """Record a party's agreement; when it is the last one, seal the version."""
    link = resolve_link(token, "agree")
    problems = {}
    if not confirmed:
        problems["confirm"] = "Tick the box to confirm you agree this is an accurate record"
    if not typed_name.strip():
        problems["full_name"] = "Type your full name"
    elif not names_match(typed_name, link.party.name):
        problems["full_name"] = f"Type your full name as it appears on the document: {link.party.name}"
    if problems:
        raise AnswerInvalid(problems)
    with transaction():
        document, link = _answer(token, Answer.AGREED, request, typed_name=typed_name.strip()[:200])
        version = link.version
        agreed = db.session.scalar(
            select(db.func.count(Answer.id)).where(
                Answer.version_id == version.id, Answer.decision == Answer.AGREED
            )
        )
        agreeing = [p for p in document.parties if p.role in kind(document.kind).agreed_by]
        if agreed == len(agreeing):
            document.move_to(State.AGREED)
            from .tasks import seal_version

            dispatch(seal_version, version.id)
    return document


def _consume(token: str, purpose: str = "agree") -> Link:
    """Re-check the link inside the transaction and use up its nonce exactly once."""
    link = resolve_link(token, purpose)
    now = utcnow()
    used = db.session.execute(
        update(Link)
        .where(Link.id == link.id, Link.used_at.is_(None), Link.revoked_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if used != 1:
        raise LinkRejected("used", link.version.document, link)
    db.session.refresh(link)
    return link


def answer_audit(token: str, *, answers: list[dict[str, str]], respondent_name: str, request: Request) -> Document:
    """Record the supervisee's answers to an audit, then make the document for them to agree."""
    link = resolve_link(token, "answer")
    questions = link.version.document.trust.profile.get("audit", {}).get("questions", [])
    problems = _answer_problems(questions, answers)
    if len(respondent_name) > 200:
        problems["respondent_name"] = "Keep the name under 200 characters"
    if problems:
        raise AnswerInvalid(problems)
    with transaction():
        document = _locked_document(link.version.document_id)
        link = _consume(token, "answer")
        version = link.version
        version.fields = {
            **version.fields,
            "answers": [{"answer": a["answer"].strip(), "comments": a["comments"].strip()} for a in answers],
            "respondent_name": respondent_name.strip(),
            "answered_date": link.used_at.date().isoformat(),
        }
        document.move_to(State.PREPARING)
        audit.record(
            "answered",
            document_id=document.id,
            actor=_actor(link.party),
            ip=request.ip,
            user_agent=request.user_agent,
            details={"version": version.number, "questions": len(answers)},
        )
        _prepare_after_commit(version)
    return document


def _answer_problems(questions: list[dict[str, Any]], answers: list[dict[str, str]]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if len(answers) != len(questions):
        return {"answer-1": "Answer every question"}
    for number, (question, answer) in enumerate(zip(questions, answers, strict=True), start=1):
        value = answer.get("answer", "").strip()
        if question["answer"] == "number":
            if not value.isdigit() or len(value) > 6:
                problems[f"answer-{number}"] = f"Question {number}: give a whole number, such as 6"
        elif question["answer"] == "yes_no":
            if value not in ("Yes", "No"):
                problems[f"answer-{number}"] = f"Question {number}: choose Yes or No"
        elif not value:
            problems[f"answer-{number}"] = f"Question {number}: write an answer"
        if len(value) > 5000 or len(answer.get("comments", "")) > 5000:
            problems[f"answer-{number}"] = f"Question {number}: keep it under 5,000 characters"
    return problems


def _answer(
    token: str, decision: str, request: Request, *, typed_name: str | None = None, reason: str | None = None
) -> tuple[Document, Link]:
    """Lock the document, use up the link, and record the party's answer and its audit event."""
    link = resolve_link(token, "agree")
    document = _locked_document(link.version.document_id)
    link = _consume(token)
    db.session.add(
        Answer(
            party=link.party,
            version_id=link.version.id,
            link_id=link.id,
            decision=decision,
            typed_name=typed_name,
            reason=reason,
            answered_at=link.used_at,
            ip=request.ip,
            user_agent=(request.user_agent or "")[:500] or None,
        )
    )
    db.session.flush()
    details: dict[str, Any] = {"version": link.version.number}
    if typed_name:
        details["typed_name"] = typed_name
    audit.record(
        decision,
        document_id=document.id,
        actor=_actor(link.party),
        ip=request.ip,
        user_agent=request.user_agent,
        details=details,
    )
    return document, link


def request_changes(token: str, *, reason: str, request: Request) -> Document:
    """Record a party's request for changes and tell the author."""
    link = resolve_link(token, "agree")
    reason = reason.strip()
    if not reason:
        raise AnswerInvalid({"reason": "Say what needs to change"})
    if len(reason) > 5000:
        raise AnswerInvalid({"reason": "Keep the reason under 5,000 characters"})
    with transaction():
        document, link = _answer(token, Answer.CHANGES_REQUESTED, request, reason=reason)
        version = link.version
        document.move_to(State.CHANGES_REQUESTED)
        queue_email(
            "changes_requested",
            to_name=document.author_name,
            to_email=document.author_email,
            document_id=document.id,
            context={
                "name": document.author_name,
                "title": document.title,
                "reference": document.reference,
                "version": version.number,
                "requester": link.party.name,
                "requester_role": link.party.role_label.lower(),
                "reason": reason,
            },
        )
    return document


def revise(document_id: int, *, fields: dict[str, str], note: str, actor: str) -> Document:
    """Make a new version from the current one with changed fields, and send it to everyone."""
    with transaction():
        document = _locked_document(document_id)
        if document.status not in (State.CHANGES_REQUESTED, State.AWAITING_AGREEMENT):
            raise NotAllowed(f"a document that is {document.state} cannot be revised")
        current = document.version
        spec = kind(document.kind)
        merged = {k: v for k, v in current.fields.items() if k != "terms"}
        merged.update(current.fields["terms"])
        merged.update(fields)
        resolved = resolve_fields(spec, merged, document.trust.profile, date.today())
        now = utcnow()
        current.superseded_at = now
        db.session.execute(
            update(Link)
            .where(Link.version_id == current.id, Link.revoked_at.is_(None), Link.used_at.is_(None))
            .values(revoked_at=now)
        )
        version = DocumentVersion(number=current.number + 1, fields=resolved, note=note.strip() or None)
        document.versions.append(version)
        document.current_version = version.number
        document.move_to(State.PREPARING)
        db.session.flush()
        audit.record(
            "revised",
            document_id=document.id,
            actor=actor,
            details={"from_version": current.number, "version": version.number, "note": note.strip()[:500]},
        )
        _prepare_after_commit(version)
    return document


def cancel(document_id: int, *, reason: str, actor: str) -> Document:
    """Cancel a document that is not yet agreed; its links stop working."""
    with transaction():
        document = _locked_document(document_id)
        document.move_to(State.CANCELLED)
        audit.record("cancelled", document_id=document.id, actor=actor, details={"reason": reason[:500]})
    return document


def get_document(document_id: int) -> Document:
    """Return a document or raise DocumentNotFound."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise DocumentNotFound(document_id)
    return document

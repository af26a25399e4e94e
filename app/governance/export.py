"""A subject access export: one zip of everything the trust holds about one person."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from sqlalchemy import or_, select

from .. import audit
from ..audit import EventType
from ..audit.models import AuditEvent
from ..db import transaction, utcnow
from ..documents.models import Answer, Document, Link, Party
from ..documents.people import email_address
from ..documents.states import State
from ..extensions import db
from ..inputs import InputInvalid
from ..trusts.models import Trust


class ExportProblem(Exception):
    """The export cannot be made as asked."""


@dataclass
class Export:
    data: bytes
    documents: int
    events: int
    others: list[tuple[str, list[str]]] = field(default_factory=list)  # reference, other people named


def _documents_of(trust: Trust, email: str) -> list[Document]:
    return list(db.session.scalars(
        select(Document).join(Party).where(Document.trust_id == trust.id, Party.email == email,
                                           Document.state != State.DESTROYED).distinct().order_by(Document.id)))


def _events_of(email: str, documents: list[Document]) -> list[AuditEvent]:
    """Return the events where the person acted or was written to."""
    ids = [d.id for d in documents]
    rows = db.session.scalars(select(AuditEvent).where(or_(
        AuditEvent.actor.contains(f"<{email}>"), AuditEvent.document_id.in_(ids))).order_by(AuditEvent.seq))
    return [e for e in rows if f"<{email}>" in e.actor or e.details.get("to") == email]


def subject_access_zip(trust: Trust, person: str, *, actor: str) -> Export:
    """Build the zip (documents, earlier versions they saw, audit events, answers, index) and log it."""
    try:
        email = email_address(person, "person")
    except InputInvalid:
        raise ExportProblem(f"{person!r} is not an email address") from None
    documents = _documents_of(trust, email)
    events = _events_of(email, documents)
    files: list[dict[str, str]] = []
    others: list[tuple[str, list[str]]] = []
    answers: list[dict[str, Any]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            mine = [p for p in document.parties if p.email == email]
            named = sorted({f"{p.name} ({p.role})" for p in document.parties if p.email != email})
            if named:
                others.append((document.reference, named))
            seen = set(db.session.scalars(select(Link.version_id).where(Link.party_id.in_([p.id for p in mine]))))
            for version in document.versions:
                if version.sealed_file is not None:
                    name = f"documents/{document.reference}-v{version.number}-sealed.pdf"
                    archive.writestr(name, version.sealed_file.read())
                    files.append(_row(name, document, f"sealed record, version {version.number}"))
                elif version.pdf_file is not None and version.id in seen:
                    name = f"documents/{document.reference}-v{version.number}-as-sent.pdf"
                    archive.writestr(name, version.pdf_file.read())
                    files.append(_row(name, document, f"version {version.number} as sent to them"))
            for answer in db.session.scalars(select(Answer).where(Answer.party_id.in_([p.id for p in mine]))):
                answers.append({"document": document.reference, "version_id": answer.version_id,
                                "decision": answer.decision.value, "typed_name": answer.typed_name or "",
                                "reason": answer.reason or "", "answered_at": answer.answered_at.isoformat(),
                                "ip": answer.ip or "", "user_agent": answer.user_agent or ""})
            if document.kind == "audit" and "answers" in document.version.fields:
                name = f"answers/{document.reference}-audit-answers.json"
                archive.writestr(name, json.dumps(document.version.fields["answers"], indent=2, ensure_ascii=False))
                files.append(_row(name, document, "their answers to the trust's audit"))
        archive.writestr("answers/agreements.csv", _csv(answers, ["document", "version_id", "decision", "typed_name",
                                                                  "reason", "answered_at", "ip", "user_agent"]))
        files.append({"file": "answers/agreements.csv", "document": "", "what": "each agreement or change request"})
        archive.writestr("audit-events.csv", _csv([_event_row(e) for e in events],
                                                  ["seq", "at", "type", "document", "actor", "ip", "details"]))
        files.append({"file": "audit-events.csv", "document": "", "what": "audit events where they acted or were written to"})
        note = "\n".join(f"{ref}: also names {', '.join(names)}" for ref, names in others)
        archive.writestr("REDACT-BEFORE-SENDING.txt", (
            "These documents also name other people. Redact what is theirs before sending this export.\n\n"
            + (note or "No document names anyone else.") + "\n"))
        files.append({"file": "REDACT-BEFORE-SENDING.txt", "document": "", "what": "documents that also name others"})
        made = utcnow()
        archive.writestr("index.csv", _csv(files, ["file", "document", "what"]))
        archive.writestr("index.html", render_template("governance/export_index.html", trust=trust, email=email,
                                                       files=files, others=others, made=made))
    with transaction():
        audit.record(EventType.SUBJECT_ACCESS_EXPORTED, actor=actor,
                     details={"trust": trust.slug, "email": email, "documents": [d.id for d in documents],
                              "events": len(events)})
    return Export(buffer.getvalue(), len(documents), len(events), others)


def _row(name: str, document: Document, what: str) -> dict[str, str]:
    return {"file": name, "document": f"{document.reference} {document.title}", "what": what}


def _event_row(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": event.occurred_at.isoformat(), "type": event.type,
            "document": f"CS-{event.document_id:06d}" if event.document_id else "", "actor": event.actor,
            "ip": event.ip or "", "details": json.dumps(event.details, sort_keys=True)}


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()

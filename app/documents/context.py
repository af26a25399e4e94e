"""What a document's Word form receives, and the evidence printed on the sealed copy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..rendering import Evidence, EvidenceParty
from .models import Answer, Document, DocumentVersion, Link, Party

UNKNOWN = "—"


def long_date(value: date | datetime | str) -> str:
    """Format a date as the forms print it: 23 November 2026."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


def timestamp(value: datetime | None) -> str:
    """Format a moment for the evidence page, in UTC to the second."""
    return UNKNOWN if value is None else f"{value:%d %B %Y, %H:%M:%S} UTC"


def agreements(version: DocumentVersion) -> dict[int, Answer]:
    """Return each party's agreement to version, by party id."""
    rows = db.session.scalars(
        select(Answer).where(Answer.version_id == version.id, Answer.decision == Answer.AGREED)
    )
    return {a.party_id: a for a in rows}


def form_context(document: Document, version: DocumentVersion, *, final: bool) -> dict[str, Any]:
    """Return the template context; the final copy carries each party's agreement."""
    fields = version.fields
    agreed = agreements(version) if final else {}
    people = {p.role: {"name": p.name, "email": p.email} for p in document.parties}
    signed = {
        p.role: (
            {"name": p.name, "date": long_date(agreed[p.id].answered_at)}
            if p.id in agreed
            else {"name": "", "date": ""}
        )
        for p in document.parties
    }
    return {
        "trust": {"name": document.trust.name},
        **people,
        "agreed_date": long_date(fields["agreed_date"]),
        "review_date": long_date(fields["review_date"]),
        "terms": dict(fields["terms"]),
        "signed": signed,
        "document": {
            "title": document.title,
            "reference": f"{document.reference} v{version.number}",
        },
    }


def evidence(
    document: Document, version: DocumentVersion, *, audit_head: str, verify_url: str, sealed_at: datetime
) -> Evidence:
    """Return the evidence page's content for a fully agreed version."""
    agreed = agreements(version)
    times = _link_times(version)
    parties = [_party(p, agreed[p.id], *times.get(p.id, (None, None))) for p in document.parties]
    assert version.pdf_file is not None
    return Evidence(
        title=document.title,
        document_id=document.reference,
        version=version.number,
        trust_name=document.trust.name,
        parties=parties,
        agreed_sha256=version.pdf_file.sha256,
        audit_head=audit_head,
        verify_url=verify_url,
        sealed_at=timestamp(sealed_at),
    )


def _link_times(version: DocumentVersion) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Return, per party, when a link to version was first sent and first viewed."""
    rows = db.session.execute(
        select(Link.party_id, func.min(Link.created_at), func.min(Link.first_viewed_at))
        .where(Link.version_id == version.id, Link.purpose == "agree")
        .group_by(Link.party_id)
    )
    return {party_id: (sent, viewed) for party_id, sent, viewed in rows}


def _party(party: Party, answer: Answer, sent: datetime | None, viewed: datetime | None) -> EvidenceParty:
    return EvidenceParty(
        name=party.name,
        email=party.email,
        role=party.role_label,
        sent_at=timestamp(sent),
        first_viewed_at=timestamp(viewed),
        agreed_at=timestamp(answer.answered_at),
        ip=answer.ip or UNKNOWN,
        user_agent=answer.user_agent or UNKNOWN,
    )

"""Turn documents into the API's response bodies (the same reads the staff pages use)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..documents.models import Document
from ..documents.queries import party_statuses, timeline
from ..reviews.due import review_date
from .schemas import DocumentOut, DocumentSummary, DueContract, EventOut, PartyOut, Person, VersionOut


def body(model: BaseModel) -> dict[str, Any]:
    """Return a response model as JSON-ready data."""
    return model.model_dump(mode="json")


def summary(document: Document) -> DocumentSummary:
    """Return the short form of a document, as lists show it."""
    return DocumentSummary(
        id=document.id, reference=document.reference, kind=document.kind, title=document.title,
        state=document.state, school=document.school, current_version=document.current_version,
        created_at=document.created_at, updated_at=document.updated_at,
    )


def due(document: Document) -> DueContract:
    """Return a contract due for review with its review date."""
    when = review_date(document)
    assert when is not None  # contracts_due returns only contracts that carry one
    return DueContract(**summary(document).model_dump(), review_date=when)


def detail(document: Document) -> DocumentOut:
    """Return a document with its parties' status, versions and events."""
    parties = []
    for status in party_statuses(document):
        answer, link = status.answer, status.link
        parties.append(PartyOut(
            id=status.party.id, role=status.party.role, name=status.party.name, email=status.party.email,
            status=status.status, decision=answer.decision.value if answer else None,
            answered_at=answer.answered_at if answer else None,
            link_sent_at=link.created_at if link else None,
            link_first_viewed_at=link.first_viewed_at if link else None,
            link_expires_at=link.expires_at if link else None,
        ))
    versions = [
        VersionOut(number=v.number, note=v.note, created_at=v.created_at, sent_at=v.sent_at, sealed_at=v.sealed_at,
                   superseded_at=v.superseded_at, fields=v.fields)
        for v in document.versions
    ]
    # IP addresses and browsers stay in the audit log; the API gives what happened, when and by whom.
    events = [EventOut(seq=e.seq, type=e.type, at=e.occurred_at, actor=e.actor, details=e.details)
              for e in timeline(document.id)]
    return DocumentOut(
        **summary(document).model_dump(),
        author=Person(name=document.author_name, email=document.author_email),
        previous_document_id=document.previous_document_id,
        sealed=document.version.sealed_file_id is not None,
        parties=parties, versions=versions, events=events,
    )

"""Legal holds: place, list and release them; whether one covers a document."""

from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..documents.models import Document
from ..documents.people import email_address
from ..extensions import db
from ..inputs import InputInvalid
from ..trusts.models import Trust
from .models import Batch, BatchItem, BatchStatus, Hold


class HoldProblem(Exception):
    """A hold cannot be placed or released as asked; the message says why."""


def standing_holds(trust_id: int) -> list[Hold]:
    """Return the trust's holds not yet released, oldest first."""
    return list(db.session.scalars(
        select(Hold).where(Hold.trust_id == trust_id, Hold.released_at.is_(None)).order_by(Hold.id)
    ))


def all_holds(trust_id: int) -> list[Hold]:
    """Return every hold of the trust, newest first."""
    return list(db.session.scalars(select(Hold).where(Hold.trust_id == trust_id).order_by(Hold.id.desc())))


def _same(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def holding(document: Document, holds: list[Hold]) -> Hold | None:
    """Return the first standing hold that covers a document, or None."""
    emails = {p.email.lower() for p in document.parties}
    for hold in holds:
        if hold.released_at is not None or hold.trust_id != document.trust_id:
            continue
        if hold.document_id == document.id or (hold.person_email and hold.person_email in emails):
            return hold
        if hold.school and _same(hold.school, document.school):
            return hold
    return None


def place_hold(trust: Trust, *, document_id: int | None = None, person: str | None = None,
               school: str | None = None, reason: str, actor: str) -> Hold:
    """Place a legal hold on one document, everything naming a person, or a school's records."""
    given = [v for v in (document_id, person, school) if v not in (None, "")]
    if len(given) != 1:
        raise HoldProblem("Hold one thing: a document, a person or a school")
    if not reason.strip():
        raise HoldProblem("Say why the hold is placed (for example, the claim or inquiry it is for)")
    typed = (person or "").strip()
    try:
        person = email_address(typed, "person") if typed else None
    except InputInvalid:
        raise HoldProblem(f"{typed!r} is not an email address") from None
    with transaction():
        if document_id is not None:
            document = db.session.get(Document, document_id)
            if document is None or document.trust_id != trust.id:
                raise HoldProblem(f"{trust.name} has no document {document_id}")
        hold = Hold(trust_id=trust.id, document_id=document_id, person_email=person,
                    school=(school or "").strip() or None, reason=reason.strip(), placed_by=actor)
        db.session.add(hold)
        db.session.flush()
        audit.record(EventType.HOLD_PLACED, document_id=document_id, actor=actor,
                     details={"hold": hold.id, "trust": trust.slug, "covers": hold.covers if not person else "person",
                              "email": person, "reason": hold.reason})
        withdraw_held(trust.id, [hold], actor=actor)
    return hold


def withdraw_held(trust_id: int, holds: list[Hold], *, actor: str) -> list[BatchItem]:
    """Take out of the trust's open batches every record a standing hold covers; return those taken out."""
    items = db.session.scalars(
        select(BatchItem).join(Batch).where(Batch.trust_id == trust_id, Batch.status == BatchStatus.AWAITING_APPROVAL,
                                            BatchItem.removed_at.is_(None)))
    taken = []
    for item in items:
        document = db.session.get(Document, item.document_id)
        hold = holding(document, holds) if document is not None else None
        if hold is None:
            continue
        item.removed_at, item.removed_reason = utcnow(), f"legal hold {hold.id}: {hold.reason}"
        audit.record(EventType.BATCH_ITEM_WITHDRAWN, document_id=item.document_id, actor=actor,
                     details={"batch": item.batch_id, "hold": hold.id})
        taken.append(item)
    db.session.flush()
    return taken


def release_hold(hold_id: int, *, reason: str, actor: str, trust_id: int | None = None) -> Hold:
    """Release a standing hold, saying why."""
    if not reason.strip():
        raise HoldProblem("Say why the hold is released")
    with transaction():
        hold = db.session.scalar(select(Hold).where(Hold.id == hold_id).with_for_update())
        if hold is None or (trust_id is not None and hold.trust_id != trust_id):
            raise HoldProblem(f"no hold {hold_id}")
        if hold.released_at is not None:
            raise HoldProblem(f"hold {hold_id} was already released on {hold.released_at:%d %B %Y}")
        hold.released_at, hold.released_by, hold.release_reason = utcnow(), actor, reason.strip()
        audit.record(EventType.HOLD_RELEASED, document_id=hold.document_id, actor=actor,
                     details={"hold": hold.id, "reason": hold.release_reason})
    return hold

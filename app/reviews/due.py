"""Which sealed contracts are due for their annual review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select

from ..documents.models import Document
from ..documents.states import State
from ..extensions import db
from ..kinds import CONTRACT_KINDS


def review_date(document: Document) -> date | None:
    """Return the review date the contract's current version carries."""
    return document.review_date


def _live_reissues() -> Any:
    """Ids of contracts that already have a reissue not cancelled (a subquery)."""
    return select(Document.previous_document_id).where(
        Document.previous_document_id.is_not(None), Document.state != State.CANCELLED
    )


def contracts_due(
    trust_id: int | None, within_days: int, today: date, *, include_reissued: bool = False
) -> list[Document]:
    """Return sealed contracts whose review date falls on or before today + within_days, oldest first.

    A contract already reissued for this cycle is left out unless include_reissued.
    """
    query = contracts_due_query(trust_id, within_days, today, include_reissued=include_reissued)
    return list(db.session.scalars(select(Document).where(Document.id.in_(query))
                                   .order_by(Document.review_date, Document.id)))


def contracts_due_query(
    trust_id: int | None, within_days: int, today: date, *, include_reissued: bool = False
) -> Select:
    """Return the ids of the contracts `contracts_due` lists, as a query to narrow others by."""
    query = select(Document.id).where(
        Document.kind.in_(CONTRACT_KINDS),
        Document.state == State.SEALED,
        Document.review_date <= today + timedelta(days=within_days),
    )
    if trust_id is not None:
        query = query.where(Document.trust_id == trust_id)
    if not include_reissued:
        query = query.where(Document.id.not_in(_live_reissues()))
    return query

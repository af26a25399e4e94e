"""The destruction log: every destroyed record with its batch, approver, time and hashes."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Batch, BatchItem


def destruction_log(trust_id: int | None = None) -> list[BatchItem]:
    """Return every destroyed record, newest first (of one trust, or all)."""
    query = select(BatchItem).join(Batch).where(BatchItem.destroyed_at.is_not(None))
    if trust_id is not None:
        query = query.where(Batch.trust_id == trust_id)
    return list(db.session.scalars(query.order_by(BatchItem.destroyed_at.desc(), BatchItem.id.desc())))

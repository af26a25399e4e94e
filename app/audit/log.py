"""Append events to the audit chain and check it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .events import EventType
from .listeners import notify_listeners
from .models import GENESIS, AuditEvent, AuditHead


def _digest(
    *,
    seq: int,
    occurred_at: datetime,
    type: str,
    document_id: int | None,
    actor: str,
    ip: str | None,
    user_agent: str | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "type": type,
            "document": document_id,
            "actor": actor,
            "ip": ip,
            "ua": user_agent,
            "details": details,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    type: EventType,
    *,
    document_id: int | None = None,
    actor: str = "system",
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain inside the caller's transaction."""
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        db.session.add(head)
    # Microsecond precision survives every database, so the hash recomputes exactly.
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "occurred_at": utcnow(),
        "type": EventType(type).value,
        "document_id": document_id,
        "actor": actor,
        "ip": ip,
        "user_agent": (user_agent or None) and user_agent[:500],
        "details": json.loads(json.dumps(details or {}, default=str)),
        "prev_hash": head.hash,
    }
    event = AuditEvent(**fields, hash=_digest(**fields))
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    db.session.flush()
    notify_listeners(event)
    return event


def head_hash() -> str:
    """Return the hash at the head of the chain."""
    head = db.session.get(AuditHead, 1)
    return head.hash if head else GENESIS


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    problem: str


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Recompute the chain; return how many rows were checked and the first break, if any."""
    # Streamed in batches so a long log is checked in constant memory; closed even on an early return.
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000))
    try:
        return _walk(rows)
    finally:
        rows.close()


def _walk(rows: Iterable[AuditEvent]) -> tuple[int, ChainBreak | None]:
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in rows:
        if event.seq != expected_seq:
            return checked, ChainBreak(expected_seq, None, f"row {expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.seq, event.id, "does not follow the row before it")
        recomputed = _digest(
            seq=event.seq,
            occurred_at=event.occurred_at,
            type=event.type,
            document_id=event.document_id,
            actor=event.actor,
            ip=event.ip,
            user_agent=event.user_agent,
            details=event.details,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return checked, ChainBreak(event.seq, event.id, "was edited after it was written")
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return checked, ChainBreak(checked + 1, None, f"rows after {checked} were deleted")
    return checked, None

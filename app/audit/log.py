"""Append events to the audit chain and check it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..db import utcnow, writes_during_read
from ..extensions import db
from .events import EventType
from .listeners import notify_listeners
from .models import GENESIS, AuditEvent, AuditHead, AuditPersonal, RejectionTally
from .personal import commitment, new_salt, personal_problem, split_details


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
    personal_commitment: str | None = None,
) -> str:
    chained: dict[str, Any] = {
        "seq": seq,
        "at": occurred_at.isoformat(timespec="microseconds"),
        "type": type,
        "document": document_id,
        "actor": actor,
        "ip": ip,
        "ua": user_agent,
        "details": details,
        "prev": prev_hash,
    }
    if personal_commitment is not None:
        # Erasable events chain the commitment in place of the personal values (app/audit/personal.py).
        chained.update(actor=None, ip=None, ua=None, details=split_details(details)[0],
                       personal=personal_commitment)
    body = json.dumps(
        chained,
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
    salt = new_salt()
    fields["personal_commitment"] = commitment(
        salt, actor=actor, ip=fields["ip"], user_agent=fields["user_agent"],
        personal=split_details(fields["details"])[1],
    )
    event = AuditEvent(**fields, hash=_digest(**fields))
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    db.session.flush()
    db.session.add(AuditPersonal(event_id=event.id, salt=salt))
    db.session.flush()
    notify_listeners(event)
    return event


def audit_only_write() -> AbstractContextManager[None]:
    """Let the block append to the audit log (or count noise) during a GET or HEAD request, and write nothing else."""
    return writes_during_read(AuditEvent.__tablename__, AuditHead.__tablename__, AuditPersonal.__tablename__,
                              RejectionTally.__tablename__)


# The newest event's number (0 before any) as a column, for a stamp read in one statement with other columns.
LAST_SEQ = func.coalesce(select(AuditHead.seq).where(AuditHead.id == 1).scalar_subquery(), 0)


def last_seq() -> int:
    """Return the number of the newest event (0 before any): it changes whenever anything is recorded."""
    return db.session.scalar(select(LAST_SEQ))


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
    rows = db.session.execute(
        select(AuditEvent, AuditPersonal).outerjoin(AuditPersonal, AuditPersonal.event_id == AuditEvent.id)
        .order_by(AuditEvent.seq).execution_options(yield_per=1000)
    )
    try:
        return _walk(rows)  # type: ignore[arg-type]  # rows unpack as (event, personal)
    finally:
        rows.close()


def _walk(rows: Iterable[tuple[AuditEvent, AuditPersonal | None]]) -> tuple[int, ChainBreak | None]:
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event, personal in rows:
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
            personal_commitment=event.personal_commitment,
        )
        if recomputed != event.hash:
            return checked, ChainBreak(event.seq, event.id, "was edited after it was written")
        if event.personal_commitment is not None and (problem := personal_problem(event, personal)):
            return checked, ChainBreak(event.seq, event.id, problem)
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return checked, ChainBreak(checked + 1, None, f"rows after {checked} were deleted")
    return checked, None

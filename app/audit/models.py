"""Audit events: each row carries the hash of the row before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import db
from .append_only import protect

GENESIS = "0" * 64


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(40), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    actor: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Events written since personal details became erasable: the chain hashes this salted
    # commitment to actor, ip, user agent and the personal details instead of the values themselves.
    personal_commitment: Mapped[str | None] = mapped_column(String(64))


class AuditPersonal(db.Model):  # type: ignore[name-defined]
    """The salt behind an event's personal commitment; erasing a record drops the salt and the values."""

    __tablename__ = "audit_personal"

    # No foreign key: a deleted event must be found by verify, not hidden behind a refused delete.
    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    salt: Mapped[str | None] = mapped_column(String(64))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The seq of the event that records why the personal details were erased (a record's destruction).
    erased_by_seq: Mapped[int | None]


class AuditHead(db.Model):  # type: ignore[name-defined]
    """The single row that holds the chain's head; locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


# The head row exists from the start, so concurrent first appends lock it instead of racing to insert it.
event.listen(
    AuditHead.__table__,
    "after_create",
    DDL(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')"),
)


class AuditCheckpoint(db.Model):  # type: ignore[name-defined]
    """The chain's head at a moment, with an HMAC under a key kept outside the database."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hmac: Mapped[str] = mapped_column(String(64))


class RejectionTally(db.Model):  # type: ignore[name-defined]
    """Anonymous noise counted, not logged: one row per client, reason and hour."""

    __tablename__ = "rejection_tally"
    __table_args__ = (UniqueConstraint("hour", "ip", "reason", name="uq_rejection_tally_hour_ip_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(40))
    count: Mapped[int]


# A written audit row or checkpoint is never changed; the database refuses it too.
protect(AuditEvent.__table__, erasable=True)
protect(AuditCheckpoint.__table__)

"""Destruction batches and their items (the destruction log), and legal holds."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..trusts.models import Trust


class BatchStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    DESTROYED = "destroyed"


class Batch(db.Model):  # type: ignore[name-defined]
    """What a retention review found past its period, waiting for an admin to approve destroying it."""

    __tablename__ = "destruction_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30), default=BatchStatus.AWAITING_APPROVAL, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(320))

    trust: Mapped[Trust] = relationship()
    items: Mapped[list[BatchItem]] = relationship(back_populates="batch", order_by="BatchItem.id")

    @property
    def reference(self) -> str:
        return f"DB-{self.id:05d}"

    @property
    def live_items(self) -> list[BatchItem]:
        """Return the items still to be destroyed (not taken out by a hold)."""
        return [i for i in self.items if i.removed_at is None]


class BatchItem(db.Model):  # type: ignore[name-defined]
    """One record in a batch; once destroyed, its row is the destruction log's entry."""

    __tablename__ = "destruction_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("destruction_batch.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    school: Mapped[str] = mapped_column(String(200), default="")
    anchor: Mapped[str] = mapped_column(String(30))
    anchor_date: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(Text)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Each destroyed file: {"version": n, "file": "sealed PDF", "sha256": "..."}
    hashes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    batch: Mapped[Batch] = relationship(back_populates="items")


class Hold(db.Model):  # type: ignore[name-defined]
    """A legal hold: while it stands nothing it covers is put in a batch or destroyed."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    person_email: Mapped[str | None] = mapped_column(String(320))
    school: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_by: Mapped[str] = mapped_column(String(320))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(String(320))
    release_reason: Mapped[str | None] = mapped_column(Text)

    trust: Mapped[Trust] = relationship()

    @property
    def covers(self) -> str:
        """Say in words what the hold covers."""
        if self.document_id is not None:
            return f"document CS-{self.document_id:06d}"
        if self.person_email:
            return f"everything naming {self.person_email}"
        return f"every record of {self.school}"

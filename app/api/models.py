"""API keys: one per system a trust connects, stored as a SHA-256 hash with a short visible prefix."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..trusts.models import Trust


class Scope(StrEnum):
    """What a key may do: read documents, or change them (create, reissue, resend)."""

    READ = "read"
    WRITE = "write"


class ApiKey(db.Model):  # type: ignore[name-defined]
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Shown in lists and logs so a key can be recognised; the secret part is never stored.
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trust: Mapped[Trust] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: Scope) -> bool:
        """Return whether the key carries a scope."""
        return scope.value in self.scopes

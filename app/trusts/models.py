"""A trust, with the profile it was installed from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Trust(db.Model):  # type: ignore[name-defined]
    __tablename__ = "trust"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def defaults(self) -> dict[str, Any]:
        return dict(self.profile["defaults"])

    def template_for(self, kind: str) -> str:
        """Return the trust's form for a kind, relative to the templates folder (else the generic one)."""
        return str(self.profile.get("templates", {}).get(kind, f"forms/generic/{kind}.docx"))


class School(db.Model):  # type: ignore[name-defined]
    """A school of a trust: chosen, never typed, when a document is made; may override the trust's defaults."""

    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("trust_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Defaults this school sets over the trust's (terms, link_expiry_days, ...): key -> value.
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trust: Mapped[Trust] = relationship()

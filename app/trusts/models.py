"""A trust, with the profile it was installed from, its schools, and the versions of its Word forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..storage import StoredFile


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

    def bundled_form(self, kind: str) -> str:
        """Return the bundled form the profile names for a kind, relative to the templates folder (else the generic one).

        A form the trust installed (app/trusts/form_store.py) is used in its place.
        """
        return str(self.profile.get("templates", {}).get(kind, generic_form(kind)))


def generic_form(kind: str) -> str:
    """Return the generic form of a kind, relative to the templates folder."""
    return f"forms/generic/{kind}.docx"


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


class TrustForm(db.Model):  # type: ignore[name-defined]
    """A Word form a trust uploaded for a kind: a numbered version once installed, else an upload awaiting install.

    Its bytes are a stored file (content-addressed, kept with the trust's data), never a file in the code tree.
    """

    __tablename__ = "trust_form"
    __table_args__ = (UniqueConstraint("trust_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[int | None]  # the version number, given when it is installed
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))  # None: the command line
    uploaded_by: Mapped[str] = mapped_column(String(320))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trust: Mapped[Trust] = relationship()
    file: Mapped[StoredFile] = relationship()


class TrustFormInUse(db.Model):  # type: ignore[name-defined]
    """Which installed version of a trust's form a kind uses now; no row: the bundled form."""

    __tablename__ = "trust_form_in_use"

    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("trust_form.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    form: Mapped[TrustForm] = relationship()

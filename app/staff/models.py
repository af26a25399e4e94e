"""Staff users and their single-use sign-in links."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Column, Date, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..trusts.models import School, Trust


class Role(StrEnum):
    ADMIN = "admin"  # the trust's profile, templates, staff, and every record of the trust
    LEAD = "lead"  # a school's safeguarding lead: creates and manages their school's documents
    STAFF = "staff"  # sees only documents they are a party to


# Which schools each member of staff belongs to (a lead leads each of theirs; one may lead several).
user_school = Table(
    "user_school",
    db.metadata,
    Column("user_id", ForeignKey("staff_user.id"), primary_key=True),
    Column("school_id", ForeignKey("school.id"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    # The first of their schools' names, kept for what printed it before schools were rows; `schools` decides access.
    school: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept in each session at sign-in; raising it ends every session made before (sign-out, deactivation).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # The day they left the trust's employment: an anchor for the trust's retention rules.
    left_on: Mapped[date | None] = mapped_column(Date)

    trust: Mapped[Trust] = relationship()
    schools: Mapped[list[School]] = relationship(secondary=user_school, order_by=School.name)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


class SignInLink(db.Model):  # type: ignore[name-defined]
    """A single-use sign-in link, valid for minutes."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

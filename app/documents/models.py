"""Documents, their versions and parties, personal links and each party's answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..storage import StoredFile
from ..trusts.models import Trust, TrustForm
from .states import State, check_transition


def _stored_as_text(enum: type[StrEnum], length: int) -> Enum:
    """Store an enum by its value in a plain string column (no native type, no CHECK to migrate)."""
    return Enum(
        enum, native_enum=False, create_constraint=False, length=length,
        values_callable=lambda members: [m.value for m in members], validate_strings=True,
    )


class LinkPurpose(StrEnum):
    """What a personal link lets its holder do (each purpose signs its tokens with its own salt)."""

    AGREE = "agree"  # read a version and agree it, or ask for changes
    ANSWER = "answer"  # answer an audit's questions online
    DOWNLOAD = "download"  # download the sealed record


class Decision(StrEnum):
    """A party's answer to a version."""

    AGREED = "agreed"
    CHANGES_REQUESTED = "changes_requested"


class Document(db.Model):  # type: ignore[name-defined]
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[State] = mapped_column(_stored_as_text(State, 30), index=True)
    author_name: Mapped[str] = mapped_column(String(200))
    author_email: Mapped[str] = mapped_column(String(320))
    current_version: Mapped[int] = mapped_column(default=1)
    # Who supervises whom: records, agendas and actions of the same pair belong together.
    pair_key: Mapped[str] = mapped_column(String(1000), index=True, default="")
    school: Mapped[str] = mapped_column(String(200), index=True, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # Annual review: a reissued contract points at the one it replaces; sealing it supersedes that one.
    previous_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A contract's review date, as its current version states it: a column so "due" is one query.
    review_date: Mapped[date | None] = mapped_column(Date, index=True)
    # A record's session date, likewise: "supervision overdue" compares it in SQL.
    session_date: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Destroyed under the trust's retention policy: the facts stay on the row, so a download can say so
    # without documents knowing about the governance package that destroyed it.
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    destruction_batch: Mapped[int | None]

    trust: Mapped[Trust] = relationship()
    parties: Mapped[list[Party]] = relationship(
        back_populates="document", order_by="Party.position", cascade="all, delete-orphan"
    )
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return f"CS-{self.id:06d}"

    def take_fields(self, version: DocumentVersion) -> None:
        """Make version the current one and keep the columns its fields drive in step."""
        self.current_version = version.number
        stated = version.fields.get("review_date")
        self.review_date = date.fromisoformat(stated) if stated else None
        held = version.fields.get("session_date")
        self.session_date = date.fromisoformat(held) if held else None

    @property
    def version(self) -> DocumentVersion:
        """Return the current version."""
        return next(v for v in self.versions if v.number == self.current_version)

    def move_to(self, target: State) -> None:
        """Change state along an allowed transition."""
        check_transition(self.state, target)
        self.state = target


class Party(db.Model):  # type: ignore[name-defined]
    """Someone who must agree the document (supervisor, supervisee)."""

    __tablename__ = "party"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    position: Mapped[int]

    document: Mapped[Document] = relationship(back_populates="parties")

    @property
    def role_label(self) -> str:
        return self.role.replace("_", " ").capitalize()


class DocumentVersion(db.Model):  # type: ignore[name-defined]
    """One version of a document's content; agreements are to a version."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    number: Mapped[int]
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)  # why this version was made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    docx_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    # The same render as the PDF, as sanitised HTML: the signing page's text of the document.
    text_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seal_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_docx_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    sealed_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where each party's agreement is stamped: party id -> [{page, x, y, width, height}] (app.rendering.places).
    places: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The form it was filled in from, set when it is rendered: the trust's installed version, or (form_id
    # None) the bundled form of that SHA-256 (forms/bundled.sha256 names it).
    form_id: Mapped[int | None] = mapped_column(ForeignKey("trust_form.id"))
    form_sha256: Mapped[str | None] = mapped_column(String(64))

    document: Mapped[Document] = relationship(back_populates="versions")
    form: Mapped[TrustForm | None] = relationship()
    docx_file: Mapped[StoredFile | None] = relationship(foreign_keys=[docx_file_id])
    pdf_file: Mapped[StoredFile | None] = relationship(foreign_keys=[pdf_file_id])
    text_file: Mapped[StoredFile | None] = relationship(foreign_keys=[text_file_id])
    final_docx_file: Mapped[StoredFile | None] = relationship(foreign_keys=[final_docx_file_id])
    sealed_file: Mapped[StoredFile | None] = relationship(foreign_keys=[sealed_file_id])


class SealedCopy(db.Model):  # type: ignore[name-defined]
    """Every sealed file issued for a version: the seal, then each copy with a renewed timestamp.

    The newest is the version's sealed_file; older ones stay records we issued, so a copy
    downloaded before a renewal still verifies as ours.
    """

    __tablename__ = "sealed_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[DocumentVersion] = relationship()
    file: Mapped[StoredFile] = relationship()


class Link(db.Model):  # type: ignore[name-defined]
    """A personal link sent to one party for one version; its nonce makes it single-use."""

    __tablename__ = "link"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[LinkPurpose] = mapped_column(_stored_as_text(LinkPurpose, 20))
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Chasing: how many reminders went out, and when the author was told it expired unused.
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    party: Mapped[Party] = relationship()
    version: Mapped[DocumentVersion] = relationship()


class Answer(db.Model):  # type: ignore[name-defined]
    """A party's answer to a version: agreed, or asked for changes (with a reason)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("party_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"))
    decision: Mapped[Decision] = mapped_column(_stored_as_text(Decision, 30))
    typed_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    # The requester let the other parties read their reason (else they are told only who asked).
    reason_shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    # What the party agreed to, in the trust's words for the kind as they were when they agreed.
    statement: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))

    party: Mapped[Party] = relationship()

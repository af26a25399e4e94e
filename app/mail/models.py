"""An email waiting to be sent, being sent, sent, or given up on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class OutboundEmail(db.Model):  # type: ignore[name-defined]
    __tablename__ = "outbound_email"

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    template: Mapped[str] = mapped_column(String(60))
    to_name: Mapped[str] = mapped_column(String(200))
    to_email: Mapped[str] = mapped_column(String(320))
    # Context for the template; never a token: links are signed when the email is built.
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the email links to: a kind registered with app.mail.links (e.g. "document", "sign_in")
    # and that row's id. Mail knows neither table, so nothing here refers to them.
    link_kind: Mapped[str | None] = mapped_column(String(20))
    link_id: Mapped[int | None]
    attachment_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

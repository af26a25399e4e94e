"""Webhook endpoints a trust registered, and each event queued for one (the delivery log)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..encrypted import EncryptedText
from ..extensions import db
from ..trusts.models import Trust


class EndpointState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # failing too long, or disabled by an admin: events wait, held, until enabled
    REMOVED = "removed"  # kept for its delivery log; nothing more is queued for it


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    HELD = "held"  # its endpoint is disabled; queued again when it is enabled


class WebhookEndpoint(db.Model):  # type: ignore[name-defined]
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    # The Standard Webhooks signing secret ("whsec_" + base64). It must be read to sign, so it is
    # kept encrypted under ENCRYPTION_KEY; it is shown to the admin once, when the endpoint is added.
    secret: Mapped[str] = mapped_column(EncryptedText)
    state: Mapped[str] = mapped_column(String(20), default=EndpointState.ACTIVE)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first failure since the last success
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trust: Mapped[Trust] = relationship()


class WebhookDelivery(db.Model):  # type: ignore[name-defined]
    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), index=True)
    # The webhook-id header: the same on every retry, so a receiver can drop a repeat.
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()

"""Deliver a queued webhook after commit: claim it, POST it signed, retry with back-off on failure,
and disable an endpoint that has failed for days (its admins are emailed; its events are held)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..mail import queue_email
from ..staff.models import Role, User
from .endpoints import production
from .models import DeliveryState, EndpointState, WebhookDelivery, WebhookEndpoint
from .sending import Refused, encode, post, signed_headers

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=5)
GRACE = timedelta(minutes=2)  # let a freshly queued delivery start before the sweep treats it as lost


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a delivery for sending unless it is done, held, or another worker holds it."""
    now = utcnow()
    with transaction():
        claimed = db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                or_(WebhookDelivery.state == DeliveryState.QUEUED,
                    (WebhookDelivery.state == DeliveryState.SENDING) & (WebhookDelivery.claimed_until < now)),
            )
            .values(state=DeliveryState.SENDING, claimed_until=now + CLAIM, attempts=WebhookDelivery.attempts + 1)
        ).rowcount
    if not claimed:
        return None
    return db.session.get(WebhookDelivery, delivery_id, populate_existing=True)


def deliver(delivery_id: int) -> float | None:
    """Send one queued webhook; return seconds until the next try when it failed."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if endpoint.state != EndpointState.ACTIVE:
        with transaction():
            delivery.state, delivery.claimed_until = DeliveryState.HELD, None
        return None
    config = current_app.config
    body = encode(delivery.payload)
    status: int | None = None
    try:
        if production() and not endpoint.url.startswith("https://"):
            raise Refused("endpoints must use https://")
        headers = signed_headers(endpoint.secret, delivery.message_id, utcnow(), body)
        sent = post(endpoint.url, body, headers, allow_private=config["WEBHOOKS_ALLOW_PRIVATE"],
                    timeout=float(config["WEBHOOK_TIMEOUT"]))
        status = sent.status
        if not 200 <= sent.status < 300:
            raise Refused(f"answered {sent.status}" + (f": {sent.excerpt}" if sent.excerpt else ""))
    except Exception as exc:  # any failure: keep the delivery and retry later
        return _failed(delivery, status, exc)
    with transaction():
        now = utcnow()
        delivery.state, delivery.delivered_at, delivery.claimed_until = DeliveryState.DELIVERED, now, None
        delivery.response_code, delivery.last_error = status, None
        endpoint.failing_since, endpoint.last_success_at = None, now
    return None


def _failed(delivery: WebhookDelivery, status: int | None, exc: Exception) -> float | None:
    config = current_app.config
    error = f"{type(exc).__name__}: {exc}"[:1000]
    delay = min(float(config["WEBHOOK_RETRY_BASE_SECONDS"]) * 2 ** (delivery.attempts - 1),
                float(config["WEBHOOK_RETRY_MAX_SECONDS"]))
    now = utcnow()
    with transaction():
        # FOR NO KEY UPDATE, as records.locked_document explains: a transaction queuing a delivery
        # holds the audit head and needs a key-share lock on this row; FOR UPDATE would deadlock with it.
        endpoint = db.session.scalar(
            select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
            .with_for_update(key_share=True).execution_options(populate_existing=True))
        assert endpoint is not None
        delivery.response_code, delivery.last_error, delivery.claimed_until = status, error, None
        endpoint.failing_since = endpoint.failing_since or now
        give_up = now - endpoint.failing_since >= timedelta(days=float(config["WEBHOOK_DISABLE_AFTER_DAYS"]))
        if give_up and endpoint.state == EndpointState.ACTIVE:
            _disable(endpoint, error)
        if endpoint.state != EndpointState.ACTIVE:
            delivery.state = DeliveryState.HELD
        else:
            delivery.state, delivery.next_attempt_at = DeliveryState.QUEUED, now + timedelta(seconds=delay)
    log.warning("webhook delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, type(exc).__name__)
    return delay if delivery.state == DeliveryState.QUEUED else None


def _disable(endpoint: WebhookEndpoint, error: str) -> None:
    """Disable a failing endpoint and tell the trust's admins, in the caller's transaction."""
    endpoint.state, endpoint.disabled_at = EndpointState.DISABLED, utcnow()
    days = current_app.config["WEBHOOK_DISABLE_AFTER_DAYS"]
    admins = db.session.scalars(select(User).where(User.trust_id == endpoint.trust_id, User.role == Role.ADMIN,
                                                   User.active.is_(True)))
    for admin in admins:
        queue_email("webhook_disabled", to_name=admin.name, to_email=admin.email, context={
            "name": admin.name, "trust": endpoint.trust.name, "url": endpoint.url, "days": days,
            "since": f"{endpoint.failing_since:%d %B %Y %H:%M} UTC", "error": error[:300],
            "page": f"{current_app.config['BASE_URL']}/staff/webhooks/{endpoint.id}", "endpoint_id": endpoint.id,
        })
    audit.record(EventType.WEBHOOK_DISABLED, details={
        "trust": endpoint.trust.slug, "endpoint": endpoint.id, "url": endpoint.url, "error": error})


def due_deliveries() -> list[int]:
    """Return deliveries whose retry is due or whose job was lost (for the sweep)."""
    now = utcnow()
    return list(db.session.scalars(
        select(WebhookDelivery.id).join(WebhookEndpoint).where(
            WebhookEndpoint.state == EndpointState.ACTIVE,
            or_(
                and_(WebhookDelivery.state == DeliveryState.QUEUED,
                     or_(WebhookDelivery.next_attempt_at <= now,
                         and_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.created_at < now - GRACE))),
                and_(WebhookDelivery.state == DeliveryState.SENDING, WebhookDelivery.claimed_until < now),
            ),
        ).order_by(WebhookDelivery.id)
    ))

"""Register, remove and re-enable a trust's webhook endpoints, and which events they take."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..jobs import Job, dispatch
from ..trusts.models import Trust
from .models import DeliveryState, EndpointState, WebhookDelivery, WebhookEndpoint

# The audit events sent out, and the type each has in a webhook's payload.
EVENTS: dict[EventType, str] = {
    EventType.SENT: "document.sent",
    EventType.VIEWED: "document.viewed",
    EventType.AGREED: "document.agreed",
    EventType.CHANGES_REQUESTED: "document.changes_requested",
    EventType.REVISED: "document.revised",
    EventType.SEALED: "document.sealed",
    EventType.LINK_EXPIRED: "document.link_expired",
    EventType.REISSUED: "document.reissued",
}
EVENT_NAMES = tuple(EVENTS.values())


class EndpointProblem(Exception):
    """An endpoint cannot be added or changed as asked; the message says why."""


def production() -> bool:
    """Return whether the app is served over HTTPS, where every endpoint must be HTTPS too."""
    return str(current_app.config["BASE_URL"]).startswith("https://")


def url_problem(url: str) -> str | None:
    """Say what is wrong with an endpoint's URL, or None (addresses are checked at each delivery)."""
    if len(url) > 2000:
        return "the URL is too long (2,000 characters at most)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return "that is not a URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "give an https:// URL"
    if parts.scheme != "https" and production():
        return "endpoints must use https://"
    if parts.username or parts.password:
        return "the URL must not carry a user name or password"
    if parts.fragment:
        return "the URL must not have a #fragment"
    return None


def _events(events: list[str]) -> list[str]:
    chosen = [e.strip() for e in events if e.strip()] or list(EVENT_NAMES)
    unknown = sorted(set(chosen) - set(EVENT_NAMES))
    if unknown:
        raise EndpointProblem(f"unknown events {', '.join(unknown)} (events: {', '.join(EVENT_NAMES)})")
    return [e for e in EVENT_NAMES if e in chosen]


def add_endpoint(trust_slug: str, url: str, events: list[str], *, actor: str) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the events named (all when none); return it and its signing secret."""
    url = url.strip()
    problem = url_problem(url)
    if problem:
        raise EndpointProblem(problem)
    chosen = _events(events)
    with transaction():
        trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
        if trust is None:
            raise EndpointProblem(f"no trust {trust_slug!r} is installed")
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        endpoint = WebhookEndpoint(trust=trust, url=url, events=chosen, secret=secret, created_by=actor,
                                   state=EndpointState.ACTIVE)
        db.session.add(endpoint)
        db.session.flush()
        audit.record(EventType.WEBHOOK_ADDED, actor=actor,
                     details={"trust": trust.slug, "endpoint": endpoint.id, "url": url, "events": chosen})
    return endpoint, secret


def endpoint_of(trust_id: int | None, endpoint_id: int) -> WebhookEndpoint:
    """Return an endpoint (of the trust, when given) or raise EndpointProblem."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if trust_id is not None:
        query = query.where(WebhookEndpoint.trust_id == trust_id)
    endpoint = db.session.scalar(query.with_for_update(key_share=True))  # see delivery._failed
    if endpoint is None:
        raise EndpointProblem(f"no webhook endpoint {endpoint_id}")
    return endpoint


def remove_endpoint(trust_id: int | None, endpoint_id: int, *, actor: str) -> WebhookEndpoint:
    """Stop sending to an endpoint; its delivery log is kept."""
    with transaction():
        endpoint = endpoint_of(trust_id, endpoint_id)
        if endpoint.state != EndpointState.REMOVED:
            endpoint.state = EndpointState.REMOVED
            audit.record(EventType.WEBHOOK_REMOVED, actor=actor,
                         details={"trust": endpoint.trust.slug, "endpoint": endpoint.id, "url": endpoint.url})
    return endpoint


def enable_endpoint(trust_id: int | None, endpoint_id: int, *, actor: str) -> int:
    """Start a disabled endpoint again and send what was held for it; return how many were held."""
    with transaction():
        endpoint = endpoint_of(trust_id, endpoint_id)
        if endpoint.state != EndpointState.DISABLED:
            raise EndpointProblem(f"endpoint {endpoint.id} is {endpoint.state}, not disabled")
        endpoint.state, endpoint.failing_since, endpoint.disabled_at = EndpointState.ACTIVE, None, None
        held = list(db.session.scalars(select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state == DeliveryState.HELD)))
        if held:
            db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(held)).values(
                state=DeliveryState.QUEUED, next_attempt_at=utcnow(), claimed_until=None))
        for delivery_id in held:
            dispatch(Job.DELIVER_WEBHOOK, delivery_id)
        audit.record(EventType.WEBHOOK_ENABLED, actor=actor,
                     details={"trust": endpoint.trust.slug, "endpoint": endpoint.id, "held": len(held)})
    return len(held)


def endpoints_of(trust_id: int) -> list[WebhookEndpoint]:
    """Return a trust's endpoints that have not been removed, oldest first."""
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.trust_id == trust_id, WebhookEndpoint.state != EndpointState.REMOVED,
    ).order_by(WebhookEndpoint.id)))


def deliveries_of(endpoint_id: int, limit: int = 200) -> list[WebhookDelivery]:
    """Return an endpoint's delivery log, newest first."""
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))

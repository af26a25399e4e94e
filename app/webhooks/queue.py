"""Queue a webhook for each event an endpoint takes, in the transaction that records the event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from ..audit.models import AuditEvent
from ..documents.models import Document
from ..extensions import db
from ..jobs import Job, dispatch
from .endpoints import EVENTS
from .models import DeliveryState, EndpointState, WebhookDelivery, WebhookEndpoint


def payload(event: AuditEvent, event_type: str, document: Document) -> dict[str, Any]:
    """Return the JSON a webhook carries for an event: what happened, to which document, by whom."""
    return {
        "type": event_type,
        "timestamp": event.occurred_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "data": {
            "event": event.seq,
            "actor": event.actor,
            "details": event.details,
            "document": {
                "id": document.id, "reference": document.reference, "kind": document.kind, "title": document.title,
                "state": document.state.value, "school": document.school, "version": document.current_version,
            },
        },
    }


def on_audit_event(event: AuditEvent) -> None:
    """Queue a delivery to each of the trust's endpoints that takes this event (an audit listener)."""
    event_type = EVENTS.get(event.type)  # type: ignore[call-overload]
    if event_type is None or event.document_id is None:
        return
    document = db.session.get(Document, event.document_id)
    if document is None:
        return
    endpoints = db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.trust_id == document.trust_id,
        WebhookEndpoint.state.in_([EndpointState.ACTIVE, EndpointState.DISABLED]),
    ))
    body = payload(event, event_type, document)
    for endpoint in endpoints:
        if event_type not in endpoint.events:
            continue
        active = endpoint.state == EndpointState.ACTIVE
        delivery = WebhookDelivery(
            endpoint=endpoint, audit_event_id=event.id, message_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type, payload=body, state=DeliveryState.QUEUED if active else DeliveryState.HELD,
        )
        db.session.add(delivery)
        db.session.flush()
        if active:
            dispatch(Job.DELIVER_WEBHOOK, delivery.id)

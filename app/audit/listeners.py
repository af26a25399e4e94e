"""Listeners told of each audit event inside the transaction that records it.

Audit stays a leaf: a feature that reacts to events (webhooks) registers itself here in its
init_app, and audit never imports it. A listener's writes commit or roll back with the event.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from .models import AuditEvent

Listener = Callable[[AuditEvent], None]
_KEY = "countersign.audit_listeners"


def register_listener(app: Flask, listener: Listener) -> None:
    """Call listener with every event this app records, in the recording transaction."""
    app.extensions.setdefault(_KEY, []).append(listener)


def notify_listeners(event: AuditEvent) -> None:
    """Tell every registered listener of an event just appended."""
    for listener in current_app.extensions.get(_KEY, []):
        listener(event)

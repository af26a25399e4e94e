"""Webhooks: a trust's systems hear of each document event, signed per Standard Webhooks.

Deliveries are queued by an audit listener in the transaction that records the event, sent after
commit by a job with retries (the sweep picks up lost ones), logged per endpoint, and held when a
failing endpoint is disabled. It reads documents and staff; nothing imports it back.
"""

from flask import Flask

from ..audit import register_listener
from ..jobs import Job
from ..sweep import register_sweep
from . import staff_views, tasks  # noqa: F401  (the staff pages and the delivery job attach on import)
from .cli import webhooks_cli
from .delivery import due_deliveries
from .queue import on_audit_event

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Listen to audit events, have the sweep retry deliveries, and attach `flask webhooks`."""
    register_listener(app, on_audit_event)
    register_sweep(app, "webhooks", due_deliveries, Job.DELIVER_WEBHOOK)
    app.cli.add_command(webhooks_cli)

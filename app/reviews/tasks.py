"""Review jobs: safe to run at any time, and twice in a row sends nothing new."""

from __future__ import annotations

from celery import shared_task

from ..db import utcnow


@shared_task(name="countersign.send_reminders")
def send_reminders_task() -> None:
    """Send the reminders and expiry notices that are due (Celery beat runs this)."""
    from .operations import send_reminders

    send_reminders(utcnow())

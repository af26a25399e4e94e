"""Annual review of contracts (due, reissue) and chasing personal links (reminders, expiry notices)."""

from flask import Flask

from . import tasks  # registers the reminder and bulk-reissue jobs with Celery
from .cli import init_app as init_cli

__all__ = ["init_app", "tasks"]


def init_app(app: Flask) -> None:
    """Attach `flask reviews` and `flask reminders`."""
    init_cli(app)

"""Email: queued in the caller's transaction, built and sent after commit by a job, retried.

A leaf: it knows nothing of documents or staff. Packages that email links register how to build
their URLs with register_link in their init_app.
"""

from flask import Flask

from . import tasks  # registers the delivery job with Celery
from .backends import backend_from_config
from .links import register_link
from .operations import queue_email

__all__ = ["init_app", "queue_email", "register_link", "tasks"]


def init_app(app: Flask) -> None:
    """Refuse mail settings that could never send, at start-up rather than at the first email."""
    backend_from_config(app.config)

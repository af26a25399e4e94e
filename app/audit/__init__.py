"""The append-only, hash-chained audit log."""

from flask import Flask

from .cli import audit_cli
from .events import EventType
from .listeners import register_listener
from .log import ChainBreak, head_hash, record, verify_chain

__all__ = ["ChainBreak", "EventType", "head_hash", "init_app", "record", "register_listener", "verify_chain"]


def init_app(app: Flask) -> None:
    """Attach `flask audit`."""
    app.cli.add_command(audit_cli)

"""The append-only, hash-chained audit log."""

from flask import Flask

from .cli import audit_cli
from .events import EventType
from .log import ChainBreak, audit_only_write, head_hash, record, verify_chain

__all__ = ["ChainBreak", "EventType", "audit_only_write", "head_hash", "init_app", "record", "verify_chain"]


def init_app(app: Flask) -> None:
    """Attach `flask audit`."""
    app.cli.add_command(audit_cli)

"""The append-only, hash-chained audit log, its signed checkpoints, and the tally of anonymous noise."""

from flask import Flask

from . import tasks  # noqa: F401  (registers the checkpoint job)
from .checkpoints import CheckpointProblem, HeadMismatch, check_checkpoints, checkpoint
from .cli import audit_cli
from .events import EventType
from .listeners import register_listener
from .log import LAST_SEQ, ChainBreak, audit_only_write, head_hash, last_seq, record, verify_chain
from .tally import Noise, count, tallies
from .verify import Verification, verify

__all__ = [
    "LAST_SEQ",
    "ChainBreak",
    "audit_only_write",
    "CheckpointProblem",
    "EventType",
    "HeadMismatch",
    "Noise",
    "check_checkpoints",
    "checkpoint",
    "count",
    "head_hash",
    "init_app",
    "last_seq",
    "record",
    "register_listener",
    "tallies",
    "Verification",
    "verify",
    "verify_chain",
]


def init_app(app: Flask) -> None:
    """Attach `flask audit`."""
    app.cli.add_command(audit_cli)

"""The daily checkpoint job (beat schedules it; `flask audit checkpoint` does the same by hand)."""

from __future__ import annotations

import logging

from celery import shared_task

from ..db import transaction
from ..jobs import Job
from .checkpoints import HeadMismatch, checkpoint

log = logging.getLogger(__name__)


@shared_task(name=Job.CHECKPOINT_AUDIT.value)
def checkpoint_task() -> None:
    """Certify the chain's head; a head that no longer matches its row is logged loudly, not certified."""
    try:
        with transaction():
            checkpoint()
    except HeadMismatch:
        log.error("audit checkpoint refused: the stored head does not match the log; run `flask audit verify`")

"""Review jobs: safe to run at any time; running one twice does nothing new the second time."""

from __future__ import annotations

import logging

from celery import shared_task

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..jobs import Job
from .reissue import reissue
from .reminders import send_reminders

log = logging.getLogger(__name__)


@shared_task(name=Job.SEND_REMINDERS.value)
def send_reminders_task() -> None:
    """Send the reminders and expiry notices that are due (Celery beat runs this)."""
    send_reminders(utcnow())


@shared_task(name=Job.BULK_REISSUE.value)
def bulk_reissue(document_ids: list[int], actor: str, user_id: int | None) -> None:
    """Reissue each contract in turn; one that fails is logged and the rest go on (safe to rerun)."""
    for document_id in document_ids:
        try:
            reissue(document_id, actor=actor, created_by_id=user_id)
        except Exception as exc:  # record why, keep going: the progress page shows it against the contract
            db.session.rollback()
            log.warning("reissue of document %s failed: %s", document_id, type(exc).__name__)
            with transaction():
                audit.record(EventType.REISSUE_FAILED, document_id=document_id, actor=actor,
                             details={"error": f"{type(exc).__name__}: {exc}"[:500]})

"""Review jobs: safe to run at any time; running one twice does nothing new the second time."""

from __future__ import annotations

import logging

from celery import group, shared_task

from ..db import utcnow
from ..jobs import Job, is_eager
from .bulk import reissue_many, reissue_one
from .reminders import send_reminders

log = logging.getLogger(__name__)


@shared_task(name=Job.SEND_REMINDERS.value)
def send_reminders_task() -> None:
    """Send the reminders and expiry notices that are due (Celery beat runs this)."""
    send_reminders(utcnow())


@shared_task(name=Job.BULK_REISSUE.value)
def bulk_reissue(document_ids: list[int], actor: str, user_id: int | None) -> None:
    """Reissue every contract, as many at once as there are conversion processes (safe to rerun).

    With a broker, each contract is a job of its own, spread over the workers' processes; without
    one, threads in this process keep every LibreOffice process of its pool busy.
    """
    if is_eager():
        reissue_many(document_ids, actor=actor, user_id=user_id)
        return
    group(reissue_contract.s(document_id, actor, user_id) for document_id in document_ids).apply_async()


@shared_task(name=Job.REISSUE_CONTRACT.value)
def reissue_contract(document_id: int, actor: str, user_id: int | None) -> None:
    """Reissue one contract of a bulk reissue; a failure is logged against it and the rest go on."""
    reissue_one(document_id, actor=actor, user_id=user_id)

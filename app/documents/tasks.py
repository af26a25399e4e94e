"""Document jobs: each takes an id, reloads, and does nothing when run a second time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task, shared_task
from flask import current_app

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..extensions import db
from ..jobs import Job, countdown, is_eager
from .models import DocumentVersion
from .prepare import prepare
from .renew import renew_timestamps
from .seal import seal

log = logging.getLogger(__name__)


def _run(task: Task, event: EventType, version_id: int, work: Callable[[int], object], ceiling: int) -> None:
    """Do the work; on failure log an audit event and retry with back-off (or leave it to the sweep)."""
    try:
        work(version_id)
    except Exception as exc:
        db.session.rollback()
        version = db.session.get(DocumentVersion, version_id)
        with transaction():
            audit.record(
                event,
                document_id=version.document_id if version else None,
                details={"version_id": version_id, "error": f"{type(exc).__name__}: {exc}"[:500]},
            )
        if is_eager():
            raise
        raise task.retry(exc=exc, countdown=countdown(min(ceiling, 15 * 2**task.request.retries))) from exc


@shared_task(name=Job.PREPARE_VERSION.value, bind=True, max_retries=10)
def prepare_version(self: Task, version_id: int) -> None:
    """Render and convert a version, then send its links."""
    _run(self, EventType.PREPARATION_FAILED, version_id, prepare, ceiling=600)


@shared_task(name=Job.SEAL_VERSION.value, bind=True, max_retries=None)
def seal_version(self: Task, version_id: int) -> None:
    """Seal an agreed version exactly once."""
    _run(self, EventType.SEAL_FAILED, version_id, seal, ceiling=900)


@shared_task(name=Job.RENEW_TIMESTAMPS.value)
def renew_timestamps_job() -> None:
    """Renew the timestamps of sealed records before their authority's certificate expires (daily, by beat)."""
    if not current_app.config["TSA_URLS"]:
        return  # sealed without timestamps: nothing to renew
    results = renew_timestamps(int(current_app.config["TIMESTAMP_RENEW_DAYS"]))
    log.info("timestamp renewal: %d renewed, %d failed", sum(r.outcome == "renewed" for r in results),
             sum(r.outcome == "failed" for r in results))

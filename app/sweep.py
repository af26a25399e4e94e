"""Pick up work whose job was lost or failed: due email retries, unprepared and unsealed versions."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from flask import current_app
from sqlalchemy import and_, or_, select

from .db import utcnow
from .documents.models import Document, DocumentVersion
from .documents.states import State
from .extensions import db
from .jobs import run_or_queue
from .mail.models import OutboundEmail

GRACE = timedelta(minutes=2)  # let freshly queued work start before treating it as lost


def sweep() -> dict[str, int]:
    """Queue again every piece of work that is due; return how many of each."""
    from .documents.tasks import prepare_version, seal_version
    from .mail.tasks import deliver_email

    now = utcnow()
    emails = list(
        db.session.scalars(
            select(OutboundEmail.id).where(
                or_(
                    and_(
                        OutboundEmail.status == OutboundEmail.QUEUED,
                        or_(
                            OutboundEmail.next_attempt_at <= now,
                            and_(
                                OutboundEmail.next_attempt_at.is_(None),
                                OutboundEmail.created_at < now - GRACE,
                            ),
                        ),
                    ),
                    and_(
                        OutboundEmail.status == OutboundEmail.SENDING,
                        OutboundEmail.claimed_until < now,
                    ),
                )
            )
        )
    )
    current = and_(
        DocumentVersion.document_id == Document.id,
        DocumentVersion.number == Document.current_version,
    )
    to_prepare = list(
        db.session.scalars(
            select(DocumentVersion.id)
            .join(Document, current)
            .where(Document.state == State.PREPARING.value, DocumentVersion.created_at < now - GRACE)
        )
    )
    to_seal = list(
        db.session.scalars(
            select(DocumentVersion.id)
            .join(Document, current)
            .where(
                Document.state == State.AGREED.value,
                DocumentVersion.sealed_file_id.is_(None),
                or_(
                    DocumentVersion.seal_claimed_until.is_(None),
                    DocumentVersion.seal_claimed_until < now,
                ),
            )
        )
    )
    db.session.commit()
    for email_id in emails:
        run_or_queue(deliver_email, email_id)
    for version_id in to_prepare:
        run_or_queue(prepare_version, version_id)
    for version_id in to_seal:
        run_or_queue(seal_version, version_id)
    removed = remove_orphaned_conversion_folders(Path(current_app.config["OUTPUT_DIR"]) / "libreoffice")
    return {"emails": len(emails), "prepare": len(to_prepare), "seal": len(to_seal), "orphaned folders": removed}


def remove_orphaned_conversion_folders(work_dir: Path) -> int:
    """Delete LibreOffice work folders whose owning process has died (they may hold a record's text)."""
    removed = 0
    for folder in work_dir.glob("pool-*-*"):
        try:
            pid = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if _alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@shared_task(name="countersign.sweep")
def sweep_task() -> None:
    """Run the sweep (Celery beat calls this every minute in the distributed setup)."""
    sweep()

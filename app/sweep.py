"""Pick up lost or failed work: email retries, unprepared and unsealed versions, and what features register."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
from celery import shared_task
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import and_, or_, select

from .db import utcnow
from .documents.models import Document, DocumentVersion
from .documents.states import State
from .extensions import db
from .jobs import Job, run_or_queue
from .mail.models import OutboundEmail

GRACE = timedelta(minutes=2)  # let freshly queued work start before treating it as lost
_SWEEPS = "countersign.sweeps"


def register_sweep(app: Flask, name: str, due: Callable[[], list[int]], job: Job) -> None:
    """Have the sweep queue job again for each id due() returns (a feature's own lost or retried work)."""
    app.extensions.setdefault(_SWEEPS, []).append((name, due, job))


def sweep() -> dict[str, int]:
    """Queue again every piece of work that is due; return how many of each."""
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
            .where(Document.state == State.PREPARING, DocumentVersion.created_at < now - GRACE)
        )
    )
    to_seal = list(
        db.session.scalars(
            select(DocumentVersion.id)
            .join(Document, current)
            .where(
                Document.state == State.AGREED,
                DocumentVersion.sealed_file_id.is_(None),
                or_(
                    # Never claimed: its own job may still be waiting in the queue.
                    and_(DocumentVersion.seal_claimed_until.is_(None), Document.updated_at < now - GRACE),
                    # Its worker stopped renewing the claim (it is gone), or a failure's pause is over.
                    DocumentVersion.seal_claimed_until < now,
                ),
            )
        )
    )
    registered = [(name, due(), job) for name, due, job in current_app.extensions.get(_SWEEPS, [])]
    db.session.commit()
    for _name, ids, job in registered:
        for row_id in ids:
            run_or_queue(job, row_id)
    for email_id in emails:
        run_or_queue(Job.DELIVER_EMAIL, email_id)
    for version_id in to_prepare:
        run_or_queue(Job.PREPARE_VERSION, version_id)
    for version_id in to_seal:
        run_or_queue(Job.SEAL_VERSION, version_id)
    removed = remove_orphaned_conversion_folders(Path(current_app.config["OUTPUT_DIR"]) / "libreoffice")
    counts = {"emails": len(emails), "prepare": len(to_prepare), "seal": len(to_seal)}
    counts |= {name: len(ids) for name, ids, _job in registered}
    return counts | {"orphaned folders": removed}


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


@shared_task(name=Job.SWEEP.value)
def sweep_task() -> None:
    """Run the sweep (Celery beat calls this every SWEEP_SECONDS in the distributed setup)."""
    sweep()


jobs_cli = AppGroup("jobs", help="Background work.")


@jobs_cli.command("sweep")
def jobs_sweep() -> None:
    """Queue again any work that is due: email retries, unprepared or unsealed documents."""
    counts = sweep()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


def init_app(app: Flask) -> None:
    """Attach `flask jobs sweep` (its task is registered on import)."""
    app.cli.add_command(jobs_cli)

"""Pick up work whose job was lost or failed: due email retries, unprepared and unsealed versions."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
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
    return {"emails": len(emails), "prepare": len(to_prepare), "seal": len(to_seal)}


@shared_task(name="countersign.sweep")
def sweep_task() -> None:
    """Run the sweep (Celery beat calls this every minute in the distributed setup)."""
    sweep()

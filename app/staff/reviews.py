"""Annual review from the staff side: contracts due, and reissuing them in bulk with a progress view."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from celery import shared_task
from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit
from ..audit.models import AuditEvent
from ..db import transaction
from ..documents.models import Document
from ..extensions import db
from ..jobs import run_or_queue
from . import access
from .views import bp

log = logging.getLogger(__name__)
WINDOW_DAYS = 60


@shared_task(name="countersign.bulk_reissue")
def bulk_reissue(document_ids: list[int], actor: str, user_id: int | None) -> None:
    """Reissue each contract in turn; one that fails is logged and the rest go on (safe to rerun)."""
    from ..reviews.operations import reissue

    for document_id in document_ids:
        try:
            reissue(document_id, actor=actor, created_by_id=user_id)
        except Exception as exc:  # record why, keep going: the page shows it against the contract
            db.session.rollback()
            log.warning("reissue of document %s failed: %s", document_id, type(exc).__name__)
            with transaction():
                audit.record("reissue_failed", document_id=document_id, actor=actor,
                             details={"error": f"{type(exc).__name__}: {exc}"[:500]})


def _due_for(user: Any) -> list[Document]:
    from ..reviews.operations import contracts_due

    due = contracts_due(user.trust_id, WINDOW_DAYS, date.today())
    return [d for d in due if access.can_manage(user, d)]


@bp.get("/reviews")
@login_required
def reviews() -> str:
    """List the contracts due for review that this person manages."""
    from ..reviews.operations import review_date

    if not access.can_create(current_user):
        abort(403)
    due = [(d, review_date(d)) for d in _due_for(current_user)]
    return render_template("staff/reviews.html", due=due, today=date.today())


@bp.post("/reviews/reissue-all")
@login_required
def reissue_all() -> Any:
    """Start reissuing every due contract this person manages, then show progress."""
    if not access.can_create(current_user):
        abort(403)
    ids = [d.id for d in _due_for(current_user)]
    actor, user_id = current_user.label, current_user.id
    session["reissue_batch"] = ids
    db.session.commit()  # end this request's read so the job (in-process by default) can write
    run_or_queue(bulk_reissue, ids, actor, user_id)
    return redirect(url_for("staff.reissue_progress"), code=303)


@bp.get("/reviews/progress")
@login_required
def reissue_progress() -> str:
    """Show how far the bulk reissue has got; the page refreshes itself until it is done."""
    from ..reviews.operations import successor_of

    ids = [i for i in session.get("reissue_batch", []) if isinstance(i, int)]
    rows = []
    for document_id in ids:
        document = db.session.scalar(access.visible(current_user).where(Document.id == document_id))
        if document is None:
            continue
        successor = successor_of(document)
        failure = db.session.scalar(
            select(AuditEvent).where(AuditEvent.document_id == document_id, AuditEvent.type == "reissue_failed")
            .order_by(AuditEvent.seq.desc())
        )
        rows.append({"document": document, "successor": successor,
                     "failure": failure.details.get("error") if failure and successor is None else None})
    done = sum(1 for r in rows if r["successor"] or r["failure"])
    return render_template("staff/reissue_progress.html", rows=rows, done=done, total=len(rows),
                           refresh=done < len(rows), request_path=request.path)

"""Annual review from the staff side: contracts due, and reissuing them in bulk with a progress view."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit import EventType
from ..audit.models import AuditEvent
from ..documents.models import Document
from ..documents.queries import successors_of
from ..extensions import db
from ..jobs import Job, run_or_queue
from ..reviews.due import contracts_due, review_date
from . import access
from .blueprint import bp
from .models import User

WINDOW_DAYS = 60


def _failures(document_ids: list[int]) -> dict[int, str]:
    """Return the newest reissue failure logged against each of these contracts."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.document_id.in_(document_ids),
                                 AuditEvent.type == EventType.REISSUE_FAILED.value).order_by(AuditEvent.seq)
    )
    return {e.document_id: e.details.get("error") for e in events if e.document_id is not None}


def _due_for(user: User) -> list[Document]:
    due = contracts_due(user.trust_id, WINDOW_DAYS, date.today())
    return [d for d in due if access.can_manage(user, d)]


@bp.get("/reviews")
@access.allowed(access.can_create)
def reviews() -> str:
    """List the contracts due for review that this person manages."""
    due = [(d, review_date(d)) for d in _due_for(current_user)]
    return render_template("staff/reviews.html", due=due, today=date.today())


@bp.post("/reviews/reissue-all")
@access.allowed(access.can_create)
def reissue_all() -> Any:
    """Start reissuing every due contract this person manages, then show progress."""
    ids = [d.id for d in _due_for(current_user)]
    actor, user_id = current_user.label, current_user.id
    session["reissue_batch"] = ids
    db.session.commit()  # end this request's read so the job (in-process by default) can write
    run_or_queue(Job.BULK_REISSUE, ids, actor, user_id)
    return redirect(url_for("staff.reissue_progress"), code=303)


@bp.get("/reviews/progress")
@access.allowed(access.signed_in)
def reissue_progress() -> str:
    """Show how far the bulk reissue has got; the page refreshes itself until it is done."""
    ids = [i for i in session.get("reissue_batch", []) if isinstance(i, int)]
    documents = db.session.scalars(access.visible(current_user).where(Document.id.in_(ids))).all()
    successors = successors_of([d.id for d in documents])
    failures = _failures([d.id for d in documents])
    by_id = {d.id: d for d in documents}
    rows = []
    for document_id in ids:
        document = by_id.get(document_id)
        if document is None:
            continue
        successor = successors.get(document_id)
        failure = failures.get(document_id)
        rows.append({"document": document, "successor": successor,
                     "failure": failure if failure and successor is None else None})
    done = sum(1 for r in rows if r["successor"] or r["failure"])
    return render_template("staff/reissue_progress.html", rows=rows, done=done, total=len(rows),
                           refresh=done < len(rows), request_path=request.path)

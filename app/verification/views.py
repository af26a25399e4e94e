"""The public verification page: is this PDF a record Countersign sealed, unchanged?"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..documents.models import Document
from ..extensions import db, limiter
from ..inputs import user_agent
from ..staff.access import visible
from .check import check_sealed_record

bp = Blueprint("verify", __name__)


def _visible_to_current_user(document_id: int | None) -> Document | None:
    """Return the record for signed-in staff allowed to see it; the public never learns whose it is."""
    if document_id is None or not current_user or not current_user.is_authenticated:
        return None
    return db.session.scalar(visible(current_user).where(Document.id == document_id))


@bp.get("/verify")
def verify() -> str:
    """Show the upload form."""
    return render_template("verify.html", verdict=None, document=None, error=None)


@bp.post("/verify")
# Checking a PDF is work (and, for a record we issued, an audit row): a person checks a few at a time.
@limiter.limit("10 per minute")
def verify_upload() -> tuple[str, int] | str:
    """Show the verdict on an uploaded PDF."""
    upload = request.files.get("pdf")
    data = upload.read() if upload else b""
    if not data:
        return render_template("verify.html", verdict=None, document=None, error="Choose a PDF file to check"), 400
    verdict = check_sealed_record(data, actor="public", ip=request.remote_addr, user_agent=user_agent(),
                                  count_unknown=True)
    document = _visible_to_current_user(verdict.document_id)
    return render_template("verify.html", verdict=verdict, document=document, error=None)

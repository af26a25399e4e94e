"""The public verification page: is this PDF a record Countersign sealed, unchanged?"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, render_template, request
from flask_login import current_user
from sqlalchemy import select

from signing.verify import SealReport, verify_pdf

from . import audit
from .audit import EventType, Noise
from .db import transaction
from .documents.models import Document, DocumentVersion
from .extensions import db, limiter
from .staff.access import visible
from .storage import StoredFile, sha256_hex
from .trusts.seal_keys import trusted_fingerprints

bp = Blueprint("verify", __name__)


def init_app(app: Flask) -> None:
    """Attach the public verification page."""
    app.register_blueprint(bp)


@dataclass(frozen=True)
class Verdict:
    report: SealReport
    trust_name: str | None
    issued: bool  # byte-for-byte a sealed record Countersign issued
    document: Document | None = None  # shown only to signed-in staff who may see it


def check(data: bytes, *, ip: str | None, user_agent: str | None) -> Verdict:
    """Verify an uploaded PDF, log (or, if it is not ours, count) that it was checked, and say what it is."""
    trusts = trusted_fingerprints()
    report = verify_pdf(data, trusted_fingerprints=trusts.keys())
    digest = sha256_hex(data)
    version = db.session.scalar(
        select(DocumentVersion)
        .join(StoredFile, DocumentVersion.sealed_file_id == StoredFile.id)
        .where(StoredFile.sha256 == digest)
    )
    trust = trusts.get(report.signer_fingerprint_sha256 or "")
    with transaction():
        if version is None:
            # Not a record we issued: counted per client and hour, so uploads cannot flood the log.
            audit.count(Noise.VERIFY_UNKNOWN, ip)
        else:
            audit.record(
                EventType.VERIFIED,
                document_id=version.document_id,
                actor="public",
                ip=ip,
                user_agent=user_agent,
                details={"sha256": digest, "ok": report.ok, "issued": True},
            )
    return Verdict(
        report=report,
        trust_name=trust.name if trust else None,
        issued=version is not None,
        document=_visible_to_current_user(version.document_id) if version else None,
    )


def _visible_to_current_user(document_id: int) -> Document | None:
    """Return the record for signed-in staff allowed to see it; the public never learns whose it is."""
    if not current_user or not current_user.is_authenticated:
        return None
    return db.session.scalar(visible(current_user).where(Document.id == document_id))


@bp.route("/verify", methods=["GET", "POST"])
# Checking a PDF is work (and, for a record we issued, an audit row): a person checks a few at a time.
@limiter.limit("10 per minute", methods=["POST"])
def verify() -> tuple[str, int] | str:
    """Show the upload form, or the verdict on an uploaded PDF."""
    if request.method != "POST":  # GET and HEAD only ever read
        return render_template("verify.html", verdict=None, error=None)
    upload = request.files.get("pdf")
    data = upload.read() if upload else b""
    if not data:
        return render_template("verify.html", verdict=None, error="Choose a PDF file to check"), 400
    verdict = check(data, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    return render_template("verify.html", verdict=verdict, error=None)

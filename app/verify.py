"""The public verification page: is this PDF a record Countersign sealed, unchanged?"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, render_template, request
from flask_login import current_user
from sqlalchemy import select

from signing.record import RecordCheck, check_record
from signing.verify import SealReport, verify_pdf

from . import audit
from .audit import EventType
from .db import transaction
from .documents.models import Document, DocumentVersion, SealedCopy
from .extensions import db
from .staff.access import visible
from .storage import StoredFile, sha256_hex
from .trusts.seal_keys import trusted_fingerprints, tsa_roots

bp = Blueprint("verify", __name__)


def init_app(app: Flask) -> None:
    """Attach the public verification page."""
    app.register_blueprint(bp)


@dataclass(frozen=True)
class Verdict:
    report: SealReport
    trust_name: str | None
    issued: bool  # byte-for-byte a sealed record Countersign issued
    record: RecordCheck  # the attached agreed document against the evidence page and the sealed pages
    document: Document | None = None  # shown only to signed-in staff who may see it


def check(data: bytes, *, ip: str | None, user_agent: str | None) -> Verdict:
    """Verify an uploaded PDF, log that it was checked, and say what it is."""
    trusts = trusted_fingerprints()
    report = verify_pdf(data, trusted_fingerprints=trusts.keys(), tsa_trust_roots=tsa_roots())
    digest = sha256_hex(data)
    record = check_record(data) if report.sealed else RecordCheck()
    # Every sealed copy counts: one downloaded before its timestamp was renewed is still ours.
    version = db.session.scalar(
        select(DocumentVersion)
        .join(SealedCopy, SealedCopy.version_id == DocumentVersion.id)
        .join(StoredFile, SealedCopy.file_id == StoredFile.id)
        .where(StoredFile.sha256 == digest)
        .limit(1)
    )
    trust = trusts.get(report.signer_fingerprint_sha256 or "")
    with transaction():
        audit.record(
            EventType.VERIFIED,
            document_id=version.document_id if version else None,
            actor="public",
            ip=ip,
            user_agent=user_agent,
            details={"sha256": digest, "ok": report.ok, "issued": version is not None, "record_ok": record.ok},
        )
    return Verdict(
        report=report,
        trust_name=trust.name if trust else None,
        issued=version is not None,
        record=record,
        document=_visible_to_current_user(version.document_id) if version else None,
    )


def _visible_to_current_user(document_id: int) -> Document | None:
    """Return the record for signed-in staff allowed to see it; the public never learns whose it is."""
    if not current_user or not current_user.is_authenticated:
        return None
    return db.session.scalar(visible(current_user).where(Document.id == document_id))


@bp.route("/verify", methods=["GET", "POST"])
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

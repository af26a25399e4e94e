"""The public verification page: is this PDF a record Countersign sealed, unchanged?"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request
from sqlalchemy import select

from signing.verify import SealReport, verify_pdf

from . import audit
from .db import transaction
from .documents.models import DocumentVersion
from .extensions import db
from .sealing import trusted_fingerprints
from .storage import StoredFile, sha256_hex

bp = Blueprint("verify", __name__)


@dataclass(frozen=True)
class Verdict:
    report: SealReport
    trust_name: str | None
    issued: bool  # byte-for-byte a sealed record Countersign issued


def check(data: bytes, *, ip: str | None, user_agent: str | None) -> Verdict:
    """Verify an uploaded PDF, log that it was checked, and say what it is."""
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
        audit.record(
            "verified",
            document_id=version.document_id if version else None,
            actor="public",
            ip=ip,
            user_agent=user_agent,
            details={"sha256": digest, "ok": report.ok, "issued": version is not None},
        )
    return Verdict(report=report, trust_name=trust.name if trust else None, issued=version is not None)


@bp.route("/verify", methods=["GET", "POST"])
def verify() -> tuple[str, int] | str:
    """Show the upload form, or the verdict on an uploaded PDF."""
    if request.method == "GET":
        return render_template("verify.html", verdict=None, error=None)
    upload = request.files.get("pdf")
    data = upload.read() if upload else b""
    if not data:
        return render_template("verify.html", verdict=None, error="Choose a PDF file to check"), 400
    verdict = check(data, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    return render_template("verify.html", verdict=verdict, error=None)

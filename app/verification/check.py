"""Is this PDF a record we sealed, unchanged? The one check the /verify page and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from signing.record import RecordCheck, check_record
from signing.verify import SealReport, verify_pdf

from .. import audit
from ..audit import EventType, Noise
from ..db import transaction
from ..documents.models import DocumentVersion, SealedCopy
from ..extensions import db
from ..storage import StoredFile, sha256_hex
from ..trusts.seal_keys import trusted_fingerprints, tsa_roots


@dataclass(frozen=True)
class Finding:
    """What checking a file found: its seal, whose seal it is, and whether we issued exactly it."""

    report: SealReport
    record: RecordCheck  # the attached agreed document against the evidence page and the sealed pages
    trust_name: str | None
    issued: bool  # byte-for-byte a sealed record this service issued
    document_id: int | None  # for callers allowed to say which record it is; never shown publicly

    @property
    def confirmed(self) -> bool:
        """Return whether the file is intact, sealed with a trust's seal, and exactly a record we issued."""
        return self.report.ok and self.issued

    @property
    def headline(self) -> str:
        """Return the verdict in one plain sentence."""
        report = self.report
        if self.confirmed:
            return "This is a sealed record, unchanged since it was sealed"
        if report.ok:
            return "The seal is intact, but this exact file was not issued by this service"
        if not report.sealed:
            return "This file has no seal"
        if not report.intact or not report.covers_whole_file:
            return "This file has been changed after it was sealed"
        return "The seal is not one of our trusts' seals"


def check_sealed_record(data: bytes, *, actor: str, ip: str | None = None, user_agent: str | None = None,
                        count_unknown: bool = False) -> Finding:
    """Verify a PDF's seal, look for the record it is byte for byte, and log that it was checked.

    With count_unknown (the public page), a file that is no record we issued is counted per client
    and hour instead of logged, so anonymous uploads cannot flood the audit log.
    """
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
    document_id = version.document_id if version else None
    with transaction():
        if count_unknown and version is None:
            audit.count(Noise.VERIFY_UNKNOWN, ip)
            return Finding(report=report, record=record, trust_name=trust.name if trust else None, issued=False,
                           document_id=None)
        audit.record(
            EventType.VERIFIED,
            document_id=document_id,
            actor=actor,
            ip=ip,
            user_agent=user_agent,
            details={"sha256": digest, "ok": report.ok, "issued": version is not None, "record_ok": record.ok},
        )
    return Finding(report=report, record=record, trust_name=trust.name if trust else None, issued=version is not None,
                   document_id=document_id)

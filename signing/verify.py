"""Check a PDF's seal: present, intact, covering the whole file, certified, by a seal we trust."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import EmbeddedPdfSignature, PdfSignatureStatus, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .certs import certificate_fingerprint, certificate_subject

logger = logging.getLogger(__name__)

# Sentences for the person checking the file: no jargon, say what it means for them.
EMPTY = "The file is empty."
UNREADABLE = "The file is not a PDF, or it is too damaged to read."
UNSEALED = "The file has no seal."
DAMAGED = "The file's structure is damaged, so its seal cannot be relied on."
SEAL_UNREADABLE = "The seal in the file is damaged and cannot be checked."
ALTERED = "The file has been changed after it was sealed: its sealed content no longer matches the seal."
APPENDED = "The file has been changed after it was sealed: something was added to it afterwards."
EXTENDED = (
    "The file has been changed after it was sealed: only validation or timestamp data was added, "
    "and the sealed content itself is unchanged."
)
UNTRUSTED = "The seal was not made with a seal certificate this service recognises."
NOT_CERTIFIED = "The seal does not lock the document against later changes."
NO_TIMESTAMP = "The seal has no independent timestamp, so the sealing time is only as stated in the file."
BAD_TIMESTAMP = "The seal's independent timestamp is not valid, so the sealing time cannot be confirmed."


@dataclass
class SealReport:
    """What a check of a PDF's seal found."""

    sealed: bool
    intact: bool
    covers_whole_file: bool
    certified: bool
    signer_subject: str | None
    signer_fingerprint_sha256: str | None
    trusted: bool
    signing_time: datetime | None
    timestamp_time: datetime | None
    timestamp_valid: bool | None
    file_sha256: str
    problems: list[str] = field(default_factory=list)
    timestamp_authority: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the file is sealed, unaltered, and sealed with a trusted seal."""
        return self.sealed and self.intact and self.covers_whole_file and self.trusted


def verify_pdf(data: bytes, trusted_fingerprints: Iterable[str] = ()) -> SealReport:
    """Check the seal on a PDF and report in plain words; never raise on bad input."""
    report = _unsealed(hashlib.sha256(data).hexdigest())
    if not data:
        report.problems.append(EMPTY)
        return report
    trusted = {fp.strip().lower().replace(":", "") for fp in trusted_fingerprints}
    try:
        reader = PdfFileReader(BytesIO(data))
        signatures = reader.embedded_regular_signatures
    except Exception as exc:
        # Strict reading refuses some structures, e.g. hybrid cross-reference files that can
        # show different content to different readers. Look leniently only to say whether a
        # seal is there; such a file is never reported intact.
        logger.info("strict PDF read failed: %r", exc)
        return _report_damaged(data, report)
    if not signatures:
        report.problems.append(UNSEALED)
        return report
    try:
        _check_signature(reader, _seal_signature(reader, signatures), trusted, report)
    except Exception as exc:
        logger.info("seal validation failed: %r", exc)
        report.intact = False
        report.covers_whole_file = False
        report.problems.append(SEAL_UNREADABLE)
    return report


def _unsealed(file_sha256: str) -> SealReport:
    """Return a report for a file with no seal found yet."""
    return SealReport(
        sealed=False,
        intact=False,
        covers_whole_file=False,
        certified=False,
        signer_subject=None,
        signer_fingerprint_sha256=None,
        trusted=False,
        signing_time=None,
        timestamp_time=None,
        timestamp_valid=None,
        file_sha256=file_sha256,
    )


def _report_damaged(data: bytes, report: SealReport) -> SealReport:
    """Say whether an unreadable file appears to carry a seal, and that it is damaged."""
    try:
        lenient = PdfFileReader(BytesIO(data), strict=False)
        sealed = bool(lenient.embedded_regular_signatures)
    except Exception:
        sealed = False
    report.sealed = sealed
    report.problems.append(DAMAGED if sealed else UNREADABLE)
    return report


def _seal_signature(reader: PdfFileReader, signatures: list[EmbeddedPdfSignature]) -> EmbeddedPdfSignature:
    """Return the certification signature if there is one, else the first signature."""
    author = _certification_reference(reader)
    for signature in signatures:
        if author is not None and signature.sig_field.raw_get("/V") == author:
            return signature
    return signatures[0]


def _certification_reference(reader: PdfFileReader) -> object | None:
    """Return the reference to the document's certification signature, if it declares one."""
    try:
        return reader.root["/Perms"].raw_get("/DocMDP")
    except (KeyError, TypeError, AttributeError):
        return None


def _check_signature(
    reader: PdfFileReader, signature: EmbeddedPdfSignature, trusted: set[str], report: SealReport
) -> None:
    """Validate one signature with pyHanko and fill in the report."""
    report.sealed = True
    signer = signature.signer_cert
    fingerprint = certificate_fingerprint(signer)
    report.signer_fingerprint_sha256 = fingerprint
    report.signer_subject = certificate_subject(signer)
    report.trusted = fingerprint in trusted

    # Trust in the seal is decided by fingerprint above, and the timestamp is judged on its
    # cryptography alone, so pyHanko is told to take the certificates as found: that keeps it
    # off the network and the operating system's TLS roots, and from logging a path-building
    # traceback for every untrusted upload. Its own "trusted" verdicts are not used.
    status: PdfSignatureStatus = validate_pdf_signature(
        signature,
        signer_validation_context=ValidationContext(trust_roots=[signer]),
        ts_validation_context=ValidationContext(trust_roots=_timestamp_certificates(signature)),
    )
    report.intact = bool(status.intact and status.valid)
    report.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    report.certified = (
        signature.sig_field.raw_get("/V") == _certification_reference(reader)
        and signature.docmdp_level == MDPPerm.NO_CHANGES
    )
    report.signing_time = _utc(status.signer_reported_dt)
    if status.timestamp_validity is not None:
        stamp = status.timestamp_validity
        report.timestamp_time = _utc(stamp.timestamp)
        report.timestamp_valid = bool(stamp.intact and stamp.valid)
        report.timestamp_authority = certificate_subject(stamp.signing_cert)

    if not report.intact:
        report.problems.append(ALTERED)
    if not report.covers_whole_file:
        lta_only = status.modification_level == ModificationLevel.LTA_UPDATES and status.docmdp_ok
        report.problems.append(EXTENDED if lta_only else APPENDED)
    if not report.trusted:
        report.problems.append(UNTRUSTED)
    if not report.certified:
        report.problems.append(NOT_CERTIFIED)
    if report.timestamp_valid is None:
        report.problems.append(NO_TIMESTAMP)
    elif not report.timestamp_valid:
        report.problems.append(BAD_TIMESTAMP)


def _timestamp_certificates(signature: EmbeddedPdfSignature) -> list[asn1_x509.Certificate]:
    """Return the certificates carried inside the signature's timestamp tokens."""
    found: list[asn1_x509.Certificate] = []
    for attribute in signature.signer_info["unsigned_attrs"] or ():
        if attribute["type"].native != "signature_time_stamp_token":
            continue
        for token in attribute["values"]:
            for choice in token["content"]["certificates"] or ():
                if choice.name == "certificate":
                    found.append(choice.chosen)
    return found


def _utc(moment: datetime | None) -> datetime | None:
    """Return moment in UTC (naive times are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

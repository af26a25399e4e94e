"""Check a PDF's seal: present, intact, covering the whole file, certified, by a seal we trust, timestamped by whom."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import EmbeddedPdfSignature, PdfSignatureStatus, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .certs import certificate_fingerprint, certificate_subject
from .timestamps import judge_document_timestamps, judging_context, read_dss

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
UNKNOWN_AUTHORITY = (
    "The seal carries a timestamp from an authority this service does not recognise, "
    "so the sealing time is only as stated in the file."
)
BAD_ARCHIVE_TIMESTAMP = "A timestamp added to the file after sealing is not valid."


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
    # Whether the timestamp's authority chains to one this service recognises; None when no
    # authority roots were given to check against (then timestamp_time is as before).
    timestamp_recognised: bool | None = None
    # The time the seal's timestamp states, trusted or not; timestamp_time is set only when trusted.
    timestamp_stated_time: datetime | None = None
    # Long-term validation: revocation data and document timestamps added after the seal.
    long_term_validation: bool = False
    document_timestamps: int = 0
    archive_timestamp_time: datetime | None = None  # the newest document timestamp, when trusted
    pades_level: str | None = None  # "B-B", "B-T", "B-LT" or "B-LTA"

    @property
    def ok(self) -> bool:
        """Return whether the file is sealed, unaltered, and sealed with a trusted seal."""
        return self.sealed and self.intact and self.covers_whole_file and self.trusted


def verify_pdf(
    data: bytes,
    trusted_fingerprints: Iterable[str] = (),
    tsa_trust_roots: Iterable[asn1_x509.Certificate] | None = None,
) -> SealReport:
    """Check the seal on a PDF and report in plain words; never raise on bad input.

    With tsa_trust_roots, a timestamp counts only if its authority chains to one of them;
    without, timestamps are judged on their cryptography alone (as before they were).
    """
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
        roots = None if tsa_trust_roots is None else list(tsa_trust_roots)
        _check_signature(reader, _seal_signature(reader, signatures), trusted, roots, report)
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
    reader: PdfFileReader,
    signature: EmbeddedPdfSignature,
    trusted: set[str],
    tsa_roots: list[asn1_x509.Certificate] | None,
    report: SealReport,
) -> None:
    """Validate one signature with pyHanko and fill in the report."""
    report.sealed = True
    signer = signature.signer_cert
    fingerprint = certificate_fingerprint(signer)
    report.signer_fingerprint_sha256 = fingerprint
    report.signer_subject = certificate_subject(signer)
    report.trusted = fingerprint in trusted

    # Document timestamps are judged first, newest first: the oldest recognised one gives the
    # time at which the seal's own timestamp authority must have been valid.
    stamps, vouched_at = judge_document_timestamps(reader, tsa_roots)
    # Trust in the seal is decided by fingerprint above, so pyHanko is told to take the seal's
    # certificate as found: that keeps it off the network and the operating system's TLS roots,
    # and from logging a path-building traceback for every untrusted upload.
    tokens = _timestamp_tokens(signature)
    status: PdfSignatureStatus = validate_pdf_signature(
        signature,
        signer_validation_context=ValidationContext(trust_roots=[signer]),
        ts_validation_context=judging_context(tokens[0], tsa_roots, vouched_at, read_dss(reader))
        if tokens
        else None,
    )
    report.intact = bool(status.intact and status.valid)
    lta_only = status.modification_level == ModificationLevel.LTA_UPDATES and status.docmdp_ok
    newest_stamp_covers_all = bool(stamps) and stamps[-1][0].evaluate_signature_coverage() == (
        SignatureCoverageLevel.ENTIRE_FILE
    )
    archive_intact = all(verdict.intact for _, verdict in stamps)
    # The seal covers everything except permitted long-term-validation updates: DSS revisions
    # and document timestamps after it, the last of which covers the whole file.
    report.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and lta_only
        and newest_stamp_covers_all
        and archive_intact
    )
    report.certified = (
        signature.sig_field.raw_get("/V") == _certification_reference(reader)
        and signature.docmdp_level == MDPPerm.NO_CHANGES
    )
    report.signing_time = _utc(status.signer_reported_dt)
    if status.timestamp_validity is not None:
        stamp = status.timestamp_validity
        report.timestamp_stated_time = _utc(stamp.timestamp)
        report.timestamp_valid = bool(stamp.intact and stamp.valid)
        report.timestamp_authority = certificate_subject(stamp.signing_cert)
        if tsa_roots is not None:
            report.timestamp_recognised = report.timestamp_valid and stamp.trusted
        if report.timestamp_valid and report.timestamp_recognised is not False:
            report.timestamp_time = report.timestamp_stated_time
    report.document_timestamps = len(stamps)
    if stamps and stamps[-1][1].intact and stamps[-1][1].recognised is not False:
        report.archive_timestamp_time = stamps[-1][1].time
    has_dss = read_dss(reader) is not None
    report.long_term_validation = has_dss and bool(stamps) and report.covers_whole_file
    report.pades_level = _level(report.timestamp_valid, has_dss, bool(stamps))

    if not report.intact:
        report.problems.append(ALTERED)
    if not report.covers_whole_file:
        report.problems.append(EXTENDED if lta_only and archive_intact else APPENDED)
    if not report.trusted:
        report.problems.append(UNTRUSTED)
    if not report.certified:
        report.problems.append(NOT_CERTIFIED)
    if report.timestamp_valid is None:
        report.problems.append(NO_TIMESTAMP)
    elif not report.timestamp_valid:
        report.problems.append(BAD_TIMESTAMP)
    elif report.timestamp_recognised is False:
        report.problems.append(UNKNOWN_AUTHORITY)
    if not archive_intact:
        report.problems.append(BAD_ARCHIVE_TIMESTAMP)


def _level(timestamped: bool | None, has_dss: bool, archived: bool) -> str:
    """Return the PAdES baseline level the file's structure reaches."""
    if not timestamped:
        return "B-B"
    if not has_dss:
        return "B-T"
    return "B-LTA" if archived else "B-LT"


def _timestamp_tokens(signature: EmbeddedPdfSignature) -> list[cms.SignedData]:
    """Return the SignedData of each timestamp token on the signature itself."""
    return [
        token["content"]
        for attribute in signature.signer_info["unsigned_attrs"] or ()
        if attribute["type"].native == "signature_time_stamp_token"
        for token in attribute["values"]
    ]


def _utc(moment: datetime | None) -> datetime | None:
    """Return moment in UTC (naive times are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

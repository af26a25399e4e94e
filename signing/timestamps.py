"""Timestamps on sealed records: judge them against the authorities we recognise, renew them, see when they lapse."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.signers.pdf_signer import TimestampDSSContentSettings
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError

from .cms import TimestampFailed
from .ltv import DIGEST, TSA_ERRORS, ValidationDataUnavailable, fetching_context, gather_for_signer
from .seal import KEY_USAGE, MetadataPreservingWriter, run_for_bytes


@dataclass(frozen=True)
class StampVerdict:
    """What a check of one timestamp found: intact, from an authority we recognise, and when."""

    time: datetime | None
    intact: bool
    recognised: bool | None  # None: no authority roots were given, so nobody's was checked
    authority: asn1_x509.Certificate | None


def token_certificates(token: cms.SignedData) -> list[asn1_x509.Certificate]:
    """Return the certificates a timestamp token's SignedData carries."""
    return [c.chosen for c in token["certificates"] or () if c.name == "certificate"]


def read_dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    """Return the document's DSS, or None if it has none (or none we can read)."""
    try:
        return DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS, or a damaged one: there is nothing in it to use
        return None


def judging_context(
    token: cms.SignedData,
    tsa_trust_roots: Sequence[asn1_x509.Certificate] | None,
    moment: datetime | None,
    dss: DocumentSecurityStore | None,
) -> ValidationContext:
    """Return the context to judge a token in: our authorities' roots, or (if none are given) its own certificates."""
    if tsa_trust_roots is None:
        # Without configured roots a timestamp is judged on its cryptography alone.
        return ValidationContext(trust_roots=token_certificates(token))
    settings = {"trust_roots": list(tsa_trust_roots), "moment": moment, "allow_fetching": False}
    return dss.as_validation_context(settings) if dss is not None else ValidationContext(**settings)


def judge_document_timestamps(
    reader: PdfFileReader, tsa_trust_roots: Sequence[asn1_x509.Certificate] | None
) -> tuple[list[tuple[EmbeddedPdfSignature, StampVerdict]], datetime | None]:
    """Judge the document timestamps newest first; return them oldest first, and the time the oldest vouches for.

    Each timestamp's authority is judged at the time of the next recognised timestamp (the
    newest at the present), which is how an archive timestamp keeps an older one trustworthy
    after its authority's certificate has expired.
    """
    dss = read_dss(reader)
    judged: list[tuple[EmbeddedPdfSignature, StampVerdict]] = []
    moment: datetime | None = None
    for stamp in reversed(reader.embedded_timestamp_signatures):
        status = validate_pdf_timestamp(
            stamp, validation_context=judging_context(stamp.signed_data, tsa_trust_roots, moment, dss)
        )
        intact = bool(status.intact and status.valid)
        recognised = None if tsa_trust_roots is None else bool(intact and status.trusted)
        judged.append((stamp, StampVerdict(_utc(status.timestamp), intact, recognised, status.signing_cert)))
        if intact and recognised:
            moment = _utc(status.timestamp)
    judged.reverse()
    return judged, moment


def add_document_timestamp(
    pdf: bytes,
    timestamper: TimeStamper,
    tsa_trust_roots: Iterable[asn1_x509.Certificate],
    *,
    seal_trust_roots: Iterable[asn1_x509.Certificate] = (),
) -> bytes:
    """Return pdf with fresh validation data for its newest timestamp and a new document timestamp after it.

    The new revision holds the DSS update and the timestamp together, so the file still ends
    in a timestamp that covers all of it. With seal_trust_roots, the seal's own chain is
    validated and embedded as well (turning a B-T seal into B-LTA). Raise
    ValidationDataUnavailable if any of that data cannot be fetched, and TimestampFailed if
    the authority gives no timestamp.
    """
    return run_for_bytes(_add_document_timestamp(pdf, timestamper, list(tsa_trust_roots), list(seal_trust_roots)))


async def _add_document_timestamp(
    pdf: bytes,
    timestamper: TimeStamper,
    tsa_roots: list[asn1_x509.Certificate],
    seal_roots: list[asn1_x509.Certificate],
) -> bytes:
    reader = PdfFileReader(BytesIO(pdf))
    context = fetching_context([*tsa_roots, *seal_roots])
    try:
        paths = []
        if seal_roots:
            for signature in reader.embedded_regular_signatures:
                paths.append(
                    await gather_for_signer(context, signature.signer_cert, signature.other_embedded_certs, KEY_USAGE)
                )
        token, md_algorithm = _newest_token(reader)
        if token is not None:
            leaf, *others = _token_signer_first(token)
            validator = CertificateValidator(leaf, intermediate_certs=others, validation_context=context)
            try:
                paths.append(await validator.async_validate_usage(set(), {"time_stamping"}))
            except (PathError, ValidationError) as exc:
                raise ValidationDataUnavailable("the newest timestamp's authority", exc) from exc
        writer = MetadataPreservingWriter(BytesIO(pdf))
        DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths, validation_context=context)
        output = BytesIO()
        try:
            await PdfTimeStamper(timestamper).async_timestamp_pdf(
                writer,
                md_algorithm,
                context,
                output=output,
                # Validation data for the new authority goes in before its timestamp, in one revision.
                dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
            )
        except TSA_ERRORS as exc:
            raise TimestampFailed(f"{type(exc).__name__}: {exc}") from exc
        except (PathError, ValidationError) as exc:
            raise ValidationDataUnavailable("the new timestamp's authority", exc) from exc
        return output.getvalue()
    finally:
        await context.aclose()


def last_timestamp_expiry(pdf: bytes) -> datetime | None:
    """Return when the certificate of the authority behind the file's newest timestamp expires, if it has one."""
    try:
        token, _ = _newest_token(PdfFileReader(BytesIO(pdf)))
    except Exception:  # unreadable files have no timestamp we can speak for
        return None
    if token is None:
        return None
    leaf = _token_signer_first(token)[0]
    return _utc(leaf["tbs_certificate"]["validity"]["not_after"].native)


def _newest_token(reader: PdfFileReader) -> tuple[cms.SignedData | None, str]:
    """Return the newest timestamp token (document timestamp, else the seal's own) and its digest algorithm."""
    stamps = reader.embedded_timestamp_signatures
    if stamps:
        return stamps[-1].signed_data, stamps[-1].md_algorithm
    for signature in reversed(reader.embedded_regular_signatures):
        for attribute in signature.signer_info["unsigned_attrs"] or ():
            if attribute["type"].native == "signature_time_stamp_token":
                return attribute["values"][0]["content"], DIGEST
    return None, DIGEST


def _token_signer_first(token: cms.SignedData) -> list[asn1_x509.Certificate]:
    """Return the token's certificates, the one that signed it first."""
    (signer_info,) = token["signer_infos"]
    sid = signer_info["sid"].chosen
    certificates = token_certificates(token)
    for index, certificate in enumerate(certificates):
        if isinstance(sid, cms.IssuerAndSerialNumber) and (
            certificate.issuer == sid["issuer"] and certificate.serial_number == sid["serial_number"].native
        ):
            return [certificate, *certificates[:index], *certificates[index + 1 :]]
        if not isinstance(sid, cms.IssuerAndSerialNumber) and certificate.key_identifier == sid.native:
            return [certificate, *certificates[:index], *certificates[index + 1 :]]
    raise ValueError("the timestamp token does not carry the certificate that signed it")


def _utc(moment: datetime | None) -> datetime | None:
    """Return moment in UTC (naive times are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

"""Sealing appends a certification signature that locks the record, timestamped when asked."""

from __future__ import annotations

import logging
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps import DummyTimeStamper
from pypdf import PdfReader

from signing.seal import (
    LoadedKeySigner,
    Sealer,
    SealKey,
    TimestampUnavailable,
    ValidationDataUnavailable,
    load_seal_key,
    timestampers_from_urls,
)
from signing.verify import verify_pdf

REASON = "Record agreed by all parties"
DEAD_TSA = "http://127.0.0.1:9/"  # the discard port: nothing answers


def test_a_seal_is_an_incremental_update_leaving_the_original_bytes_as_they_were(seal_key: SealKey, pdf: bytes) -> None:
    sealed = Sealer(seal_key).seal(pdf, reason=REASON)

    assert sealed.startswith(pdf)
    assert len(sealed) > len(pdf)


def test_a_seal_is_a_pades_certification_signature_that_permits_no_changes(seal_key: SealKey, pdf: bytes) -> None:
    sealed = Sealer(seal_key).seal(pdf, reason=REASON, location="Riverside", contact_info="records@example.org")

    reader = PdfFileReader(BytesIO(sealed))
    (signature,) = reader.embedded_regular_signatures
    assert signature.field_name == "CountersignSeal"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == REASON
    assert signature.sig_object["/Location"] == "Riverside"
    assert signature.sig_object["/ContactInfo"] == "records@example.org"
    assert signature.docmdp_level == MDPPerm.NO_CHANGES
    assert reader.root["/Perms"].raw_get("/DocMDP") == signature.sig_field.raw_get("/V")
    assert signature.md_algorithm == "sha256"
    assert signature.signer_cert.dump() == seal_key.certificate.dump()


def test_the_seal_is_invisible_but_printable_as_pdf_a_requires(seal_key: SealKey, pdf: bytes) -> None:
    sealed = Sealer(seal_key).seal(pdf, reason=REASON, field_name="TrustSeal")

    reader = PdfFileReader(BytesIO(sealed))
    (signature,) = reader.embedded_regular_signatures
    widget = signature.sig_field
    assert signature.field_name == "TrustSeal"
    assert [float(x) for x in widget["/Rect"]] == [0, 0, 0, 0]
    assert widget["/F"] & 4  # print flag
    assert not widget["/F"] & 2  # not hidden


def test_sealing_keeps_the_pdf_a_identification_and_leaves_document_metadata_alone(
    seal_key: SealKey, pdf_a: bytes
) -> None:
    record = pdf_a

    sealed = Sealer(seal_key).seal(record, reason=REASON)

    before, after = PdfReader(BytesIO(record)), PdfReader(BytesIO(sealed))
    assert after.trailer["/Info"] == before.trailer["/Info"]
    assert after.trailer["/Root"]["/Metadata"].get_data() == before.trailer["/Root"]["/Metadata"].get_data()
    assert b"<pdfaid:part>2</pdfaid:part>" in after.trailer["/Root"]["/Metadata"].get_data()
    intents = [[i.get_object() for i in r.trailer["/Root"]["/OutputIntents"]] for r in (before, after)]
    assert intents[0] == intents[1]


def test_a_sealed_record_verifies_as_sealed_by_the_trust(seal_key: SealKey, pdf: bytes) -> None:
    sealed = Sealer(seal_key).seal(pdf, reason=REASON)

    report = verify_pdf(sealed, trusted_fingerprints=[seal_key.fingerprint_sha256])

    assert report.ok
    assert report.certified
    assert report.signer_subject == "CN=Riverside Trust document seal, O=Riverside Trust"
    assert report.signer_fingerprint_sha256 == seal_key.fingerprint_sha256
    assert report.signing_time is not None and report.signing_time.tzinfo is not None


def test_a_record_may_be_sealed_again_from_its_unsealed_original(seal_key: SealKey, pdf: bytes) -> None:
    sealer = Sealer(seal_key)

    first, second = sealer.seal(pdf, reason=REASON), sealer.seal(pdf, reason=REASON)

    assert verify_pdf(first, [seal_key.fingerprint_sha256]).ok
    assert verify_pdf(second, [seal_key.fingerprint_sha256]).ok


def test_an_already_sealed_record_cannot_be_certified_again(seal_key: SealKey, pdf: bytes) -> None:
    sealer = Sealer(seal_key)
    sealed = sealer.seal(pdf, reason=REASON)

    with pytest.raises(Exception, match="[Cc]ertif"):
        sealer.seal(sealed, reason=REASON, field_name="SecondSeal")


def test_with_a_timestamp_authority_the_seal_carries_an_independent_time(
    seal_key: SealKey, pdf: bytes, timestamper: DummyTimeStamper
) -> None:
    sealed = Sealer(seal_key, timestampers=[timestamper]).seal(pdf, reason=REASON)

    report = verify_pdf(sealed, [seal_key.fingerprint_sha256])
    assert report.ok
    assert report.timestamp_valid is True
    assert report.timestamp_time is not None and report.signing_time is not None
    assert abs((report.timestamp_time - report.signing_time).total_seconds()) < 60
    assert report.timestamp_authority == "CN=Test Timestamp Authority"
    assert report.problems == []


def test_the_first_authority_that_answers_is_used(seal_key: SealKey, pdf: bytes, timestamper: DummyTimeStamper) -> None:
    sealer = Sealer(seal_key, timestampers=[*timestampers_from_urls([DEAD_TSA], timeout=2), timestamper])

    sealed = sealer.seal(pdf, reason=REASON)

    assert verify_pdf(sealed, [seal_key.fingerprint_sha256]).timestamp_valid is True


def test_an_authority_over_http_is_used(seal_key: SealKey, pdf: bytes, http_tsa_url: str) -> None:
    sealed = Sealer(seal_key, timestampers=timestampers_from_urls([http_tsa_url])).seal(pdf, reason=REASON)

    assert verify_pdf(sealed, [seal_key.fingerprint_sha256]).timestamp_valid is True


def test_if_no_authority_answers_nothing_is_sealed(seal_key: SealKey, pdf: bytes) -> None:
    sealer = Sealer(seal_key, timestampers=timestampers_from_urls([DEAD_TSA, "http://127.0.0.1:9/tsa"], timeout=2))

    with pytest.raises(TimestampUnavailable) as caught:
        sealer.seal(pdf, reason=REASON)

    assert [where for where, _ in caught.value.failures] == [DEAD_TSA, "http://127.0.0.1:9/tsa"]
    assert DEAD_TSA in str(caught.value)


def test_an_authority_whose_certificate_cannot_be_trusted_stops_a_long_term_seal(
    seal_key: SealKey, pdf: bytes, timestamper: DummyTimeStamper
) -> None:
    sealer = Sealer(seal_key, timestampers=[timestamper], embed_validation_info=True)

    with pytest.raises(ValidationDataUnavailable, match="timestamp authority"):
        sealer.seal(pdf, reason=REASON)


def test_with_the_fallback_allowed_an_untrusted_authority_still_gives_a_b_t_seal_and_a_warning(
    seal_key: SealKey, pdf: bytes, timestamper: DummyTimeStamper, caplog: pytest.LogCaptureFixture
) -> None:
    sealer = Sealer(seal_key, timestampers=[timestamper], embed_validation_info=True, allow_b_t_fallback=True)

    with caplog.at_level(logging.WARNING, logger="signing.seal"):
        sealed = sealer.seal(pdf, reason=REASON)

    assert "PAdES B-T" in caplog.text
    assert b"/DSS" not in sealed[len(pdf) :]
    report = verify_pdf(sealed, [seal_key.fingerprint_sha256])
    assert report.ok and report.timestamp_valid


def test_a_long_term_seal_needs_a_timestamp_authority(seal_key: SealKey) -> None:
    with pytest.raises(ValueError, match="timestamp authority"):
        Sealer(seal_key, embed_validation_info=True)


def test_with_the_authority_trusted_a_self_signed_seal_gets_its_certificates_and_a_document_timestamp(
    seal_key: SealKey,
    pdf: bytes,
    timestamper: DummyTimeStamper,
    tsa_credentials: tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo],
) -> None:
    sealer = Sealer(
        seal_key, timestampers=[timestamper], embed_validation_info=True, tsa_trust_roots=[tsa_credentials[0]]
    )

    sealed = sealer.seal(pdf, reason=REASON)

    reader = PdfFileReader(BytesIO(sealed))
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 2  # the seal's and the authority's certificates
    assert len(reader.embedded_timestamp_signatures) == 1
    report = verify_pdf(sealed, [seal_key.fingerprint_sha256], tsa_trust_roots=[tsa_credentials[0]])
    assert report.ok and report.covers_whole_file and report.timestamp_valid
    assert report.long_term_validation


def test_loaded_key_signatures_verify_like_simple_signer_ones(seal_key: SealKey) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

    signature = LoadedKeySigner(seal_key).sign_raw(b"record", "sha256")

    public_key = seal_key.private_key.public_key()
    public_key.verify(signature, b"record", PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg, arg-type]


def test_an_elliptic_curve_seal_key_works_too(tmp_path: Path, pdf: bytes) -> None:
    key = ec_seal_key(tmp_path)

    sealed = Sealer(key).seal(pdf, reason=REASON)

    assert verify_pdf(sealed, [key.fingerprint_sha256]).ok


# --- helpers -----------------------------------------------------------------------------------


def ec_seal_key(folder: Path) -> SealKey:
    """Return a seal key on P-256 in a PKCS#12 file, as a trust's own CA might issue one."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC seal")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    path = folder / "ec.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"ec", key, cert, None, BestAvailableEncryption(b"pw")))
    return load_seal_key(path, b"pw")

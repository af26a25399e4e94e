"""Verification says, in plain words, whether a file is a record sealed by a trusted seal, unchanged."""

from __future__ import annotations

import hashlib
import os
from io import BytesIO

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pypdf import PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import DecodedStreamObject, NameObject

from signing.seal import Sealer, SealKey
from signing.verify import verify_pdf


@pytest.fixture(scope="module")
def sealed(seal_key: SealKey, pdf: bytes) -> bytes:
    return Sealer(seal_key).seal(pdf, reason="Record agreed by all parties")


def test_an_untouched_sealed_record_is_ok(sealed: bytes, seal_key: SealKey) -> None:
    report = verify_pdf(sealed, trusted_fingerprints=[seal_key.fingerprint_sha256])

    assert report.ok
    assert (report.sealed, report.intact, report.covers_whole_file, report.certified, report.trusted) == (
        True,
        True,
        True,
        True,
        True,
    )
    assert report.file_sha256 == hashlib.sha256(sealed).hexdigest()


def test_trusted_fingerprints_may_be_written_in_capitals_or_with_colons(sealed: bytes, seal_key: SealKey) -> None:
    fingerprint = seal_key.fingerprint_sha256.upper()
    with_colons = ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2))

    assert verify_pdf(sealed, [fingerprint]).trusted
    assert verify_pdf(sealed, [with_colons]).trusted


def test_a_seal_by_a_certificate_we_do_not_know_is_intact_but_not_trusted(
    sealed: bytes, other_seal_key: SealKey
) -> None:
    report = verify_pdf(sealed, trusted_fingerprints=[other_seal_key.fingerprint_sha256])

    assert report.sealed and report.intact and report.covers_whole_file
    assert not report.trusted and not report.ok
    assert "The seal was not made with a seal certificate this service recognises." in report.problems


def test_a_lookalike_seal_with_the_same_name_is_not_trusted(
    pdf: bytes, seal_key: SealKey, other_seal_key: SealKey
) -> None:
    forged = Sealer(other_seal_key).seal(pdf, reason="Record agreed by all parties")

    report = verify_pdf(forged, [seal_key.fingerprint_sha256])

    assert report.signer_subject == "CN=Riverside Trust document seal, O=Riverside Trust"
    assert report.intact and not report.trusted and not report.ok


def test_changing_one_byte_of_the_sealed_content_breaks_the_seal(sealed: bytes, seal_key: SealKey) -> None:
    at = sealed.index(b"Supervision record, page 2")
    tampered = sealed[:at] + b"X" + sealed[at + 1 :]

    report = verify_pdf(tampered, [seal_key.fingerprint_sha256])

    assert report.sealed and not report.intact and not report.ok
    assert any("changed after it was sealed" in p for p in report.problems)


def test_an_annotation_added_after_sealing_is_reported(sealed: bytes, seal_key: SealKey) -> None:
    writer = PdfWriter(BytesIO(sealed), incremental=True)
    writer.add_annotation(0, FreeText(text="Amended", rect=(50, 50, 200, 100)))
    amended = write(writer)
    assert amended.startswith(sealed)

    report = verify_pdf(amended, [seal_key.fingerprint_sha256])

    assert report.sealed and report.intact and report.trusted
    assert not report.covers_whole_file and not report.ok
    assert "The file has been changed after it was sealed: something was added to it afterwards." in report.problems


def test_a_page_replaced_after_sealing_is_reported(sealed: bytes, seal_key: SealKey) -> None:
    writer = PdfWriter(BytesIO(sealed), incremental=True)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 14 Tf 72 760 Td (Supervision record, rewritten) Tj ET")
    writer.pages[1][NameObject("/Contents")] = writer._add_object(content)
    amended = write(writer)

    report = verify_pdf(amended, [seal_key.fingerprint_sha256])

    assert report.intact and not report.covers_whole_file and not report.ok


def test_bytes_appended_after_the_seal_are_reported(sealed: bytes, seal_key: SealKey) -> None:
    report = verify_pdf(sealed + b"\n% a trailing comment\n", [seal_key.fingerprint_sha256])

    assert not report.covers_whole_file and not report.ok


def test_an_unsealed_pdf_is_reported_as_having_no_seal(pdf: bytes) -> None:
    report = verify_pdf(pdf)

    assert not report.sealed and not report.ok
    assert report.problems == ["The file has no seal."]
    assert report.file_sha256 == hashlib.sha256(pdf).hexdigest()


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty", b""),
        ("text", b"Dear colleague, please find attached"),
        ("random", os.urandom(4096)),
        ("pdf header only", b"%PDF-1.7\n"),
        ("pdf header and junk", b"%PDF-1.7\n" + os.urandom(5000)),
        ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
    ],
)
def test_anything_that_is_not_a_pdf_gets_a_report_not_an_exception(name: str, data: bytes) -> None:
    report = verify_pdf(data, ["00" * 32])

    assert not report.sealed and not report.ok
    assert report.problems and all(p.endswith(".") for p in report.problems)


def test_a_truncated_sealed_record_gets_a_report_not_an_exception(sealed: bytes, seal_key: SealKey) -> None:
    for cut in (len(sealed) // 4, len(sealed) // 2, len(sealed) - 200, len(sealed) - 5):
        report = verify_pdf(sealed[:cut], [seal_key.fingerprint_sha256])
        assert not report.ok
        assert report.problems


def test_an_unsealed_record_has_no_signer(pdf: bytes) -> None:
    report = verify_pdf(pdf)

    assert report.signer_subject is None and report.signer_fingerprint_sha256 is None
    assert report.signing_time is None and report.timestamp_time is None and report.timestamp_valid is None


def test_without_a_timestamp_the_report_says_the_time_is_only_claimed(sealed: bytes, seal_key: SealKey) -> None:
    report = verify_pdf(sealed, [seal_key.fingerprint_sha256])

    assert report.timestamp_time is None and report.timestamp_valid is None
    assert report.problems == [
        "The seal has no independent timestamp, so the sealing time is only as stated in the file."
    ]


def write(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_document_timestamp_added_later_is_a_permitted_update_that_leaves_the_seal_covering_the_file(
    sealed: bytes, seal_key: SealKey, timestamper: DummyTimeStamper
) -> None:
    out = PdfTimeStamper(timestamper).timestamp_pdf(IncrementalPdfFileWriter(BytesIO(sealed)), md_algorithm="sha256")

    report = verify_pdf(out.getvalue(), [seal_key.fingerprint_sha256])

    assert report.ok and report.intact and report.covers_whole_file
    assert report.document_timestamps == 1 and report.archive_timestamp_time is not None


def test_validation_data_added_after_the_last_timestamp_is_reported_as_an_addition_that_left_the_content_alone(
    sealed: bytes, seal_key: SealKey, other_seal_key: SealKey
) -> None:
    out = BytesIO(sealed)
    DocumentSecurityStore.add_dss(out, None, certs=[other_seal_key.certificate], force_write=True)

    report = verify_pdf(out.getvalue(), [seal_key.fingerprint_sha256])

    assert report.intact and not report.covers_whole_file and not report.ok
    assert any("only validation or timestamp data was added" in p for p in report.problems)

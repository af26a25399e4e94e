"""Long-term seals against a real test PKI on 127.0.0.1: revocation data embedded, document timestamps, renewal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing.seal import Sealer, ValidationDataUnavailable, timestampers_from_urls
from signing.timestamps import add_document_timestamp, last_timestamp_expiry
from signing.verify import verify_pdf

from ..pki import LocalPki, offline_lta_validation

REASON = "Record agreed by all parties"


@pytest.fixture(scope="module")
def lta(pki: LocalPki, pdf: bytes) -> bytes:
    sealer = Sealer(
        pki.seal_key, timestampers_from_urls([pki.tsa_url]), embed_validation_info=True, tsa_trust_roots=[pki.root]
    )
    return sealer.seal(pdf, reason=REASON)


def test_a_long_term_seal_embeds_revocation_data_for_the_seal_and_the_authority(lta: bytes, pki: LocalPki) -> None:
    reader = PdfFileReader(BytesIO(lta))
    dss = DocumentSecurityStore.read_dss(reader)

    assert dss.ocsps  # the seal certificate's status from the intermediate's OCSP responder
    assert dss.crls  # the intermediate's and the authority's, from the root's CRL
    subjects = {c.subject.native["common_name"] for c in dss.load_certs()}
    assert {"Riverside Trust document seal", "Test Issuing CA", "Test Timestamp Authority"} <= subjects
    assert len(reader.embedded_timestamp_signatures) == 1


def test_pyhankos_lta_validation_passes_offline_with_the_root_as_the_only_anchor(lta: bytes, pki: LocalPki) -> None:
    result = offline_lta_validation(lta, pki.root)

    assert result.ades_subindic == AdESPassed.OK  # type: ignore[attr-defined]
    assert result.api_status.bottom_line  # type: ignore[attr-defined]


def test_a_long_term_seal_verifies_as_b_lta_covering_the_file(lta: bytes, pki: LocalPki) -> None:
    report = verify_pdf(lta, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])

    assert report.ok and report.covers_whole_file and report.certified
    assert report.pades_level == "B-LTA" and report.long_term_validation
    assert report.document_timestamps == 1 and report.archive_timestamp_time is not None
    assert report.timestamp_recognised is True and report.timestamp_time is not None
    assert report.problems == []


def test_an_unreachable_revocation_service_stops_the_seal(pki: LocalPki, pdf: bytes) -> None:
    sealer = Sealer(
        pki.offline_seal_key,
        timestampers_from_urls([pki.tsa_url]),
        embed_validation_info=True,
        tsa_trust_roots=[pki.root],
    )

    with pytest.raises(ValidationDataUnavailable, match="Offline Trust document seal"):
        sealer.seal(pdf, reason=REASON)


def test_with_the_fallback_allowed_an_unreachable_revocation_service_gives_a_b_t_seal(
    pki: LocalPki, pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    sealer = Sealer(
        pki.offline_seal_key,
        timestampers_from_urls([pki.tsa_url]),
        embed_validation_info=True,
        tsa_trust_roots=[pki.root],
        allow_b_t_fallback=True,
    )

    with caplog.at_level(logging.WARNING, logger="signing.seal"):
        sealed = sealer.seal(pdf, reason=REASON)

    assert "PAdES B-T" in caplog.text
    report = verify_pdf(sealed, [pki.offline_seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])
    assert report.ok and report.pades_level == "B-T" and report.timestamp_recognised


def test_an_authority_whose_chain_cannot_be_checked_stops_the_seal(pki: LocalPki, pdf: bytes) -> None:
    sealer = Sealer(
        pki.seal_key,
        timestampers_from_urls([pki.elsewhere_tsa_url]),
        embed_validation_info=True,
        tsa_trust_roots=[pki.root],  # not the other authority's root
    )

    with pytest.raises(ValidationDataUnavailable, match="timestamp authority"):
        sealer.seal(pdf, reason=REASON)


def test_a_document_timestamp_added_later_keeps_the_record_verifying(lta: bytes, pki: LocalPki) -> None:
    renewed = add_document_timestamp(lta, timestampers_from_urls([pki.tsa_url])[0], [pki.root])

    assert renewed.startswith(lta)
    report = verify_pdf(renewed, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])
    assert report.ok and report.document_timestamps == 2 and report.pades_level == "B-LTA"
    assert report.problems == []
    assert offline_lta_validation(renewed, pki.root).ades_subindic == AdESPassed.OK  # type: ignore[attr-defined]


def test_a_b_t_seal_becomes_b_lta_when_renewed_with_the_seals_roots(pki: LocalPki, pdf: bytes) -> None:
    sealed = Sealer(pki.seal_key, timestampers_from_urls([pki.tsa_url])).seal(pdf, reason=REASON)

    renewed = add_document_timestamp(
        sealed, timestampers_from_urls([pki.tsa_url])[0], [pki.root], seal_trust_roots=[pki.root]
    )

    report = verify_pdf(renewed, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])
    assert report.ok and report.pades_level == "B-LTA"
    assert offline_lta_validation(renewed, pki.root).ades_subindic == AdESPassed.OK  # type: ignore[attr-defined]


def test_renewal_needs_the_newest_timestamps_authority_to_be_checkable(lta: bytes, pki: LocalPki) -> None:
    with pytest.raises(ValidationDataUnavailable):
        add_document_timestamp(lta, timestampers_from_urls([pki.tsa_url])[0], [pki.elsewhere_root])


def test_the_newest_timestamps_authority_expiry_is_read_from_the_file(lta: bytes, pki: LocalPki, pdf: bytes) -> None:
    assert last_timestamp_expiry(lta) == datetime(2040, 1, 1, tzinfo=UTC)  # the TSA certificate's notAfter
    assert last_timestamp_expiry(pdf) is None
    assert last_timestamp_expiry(b"not a pdf") is None

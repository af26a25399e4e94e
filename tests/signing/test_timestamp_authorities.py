"""A timestamp counts only when its authority chains to one the service is configured to recognise."""

from __future__ import annotations

import pytest
from pyhanko.sign.timestamps import DummyTimeStamper

from signing.seal import Sealer, SealKey, timestampers_from_urls
from signing.verify import UNKNOWN_AUTHORITY, verify_pdf

from ..pki import LocalPki

REASON = "Record agreed by all parties"


@pytest.fixture(scope="module")
def by_our_authority(pki: LocalPki, pdf: bytes) -> bytes:
    return Sealer(pki.seal_key, timestampers_from_urls([pki.tsa_url])).seal(pdf, reason=REASON)


@pytest.fixture(scope="module")
def by_another_authority(pki: LocalPki, pdf: bytes) -> bytes:
    return Sealer(pki.seal_key, timestampers_from_urls([pki.elsewhere_tsa_url])).seal(pdf, reason=REASON)


def test_a_timestamp_from_a_recognised_authority_gives_a_trusted_time(by_our_authority: bytes, pki: LocalPki) -> None:
    report = verify_pdf(by_our_authority, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])

    assert report.ok and report.timestamp_valid and report.timestamp_recognised is True
    assert report.timestamp_time is not None and report.timestamp_time == report.timestamp_stated_time
    assert report.timestamp_authority == "CN=Test Timestamp Authority, O=Countersign Test PKI, C=GB"
    assert report.pades_level == "B-T" and report.problems == []


def test_a_timestamp_from_another_authority_is_reported_and_its_time_not_presented_as_trusted(
    by_another_authority: bytes, pki: LocalPki
) -> None:
    report = verify_pdf(by_another_authority, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])

    assert report.ok  # the seal itself is sound: only its time is unconfirmed
    assert report.timestamp_valid is True and report.timestamp_recognised is False
    assert report.timestamp_time is None and report.timestamp_stated_time is not None
    assert report.timestamp_authority == "CN=Elsewhere Timestamp Authority, O=Elsewhere Test PKI, C=GB"
    assert report.problems == [UNKNOWN_AUTHORITY]


def test_that_authority_is_recognised_once_its_root_is_configured(by_another_authority: bytes, pki: LocalPki) -> None:
    report = verify_pdf(
        by_another_authority, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root, pki.elsewhere_root]
    )

    assert report.timestamp_recognised is True and report.timestamp_time is not None


def test_a_self_signed_test_authority_is_not_recognised_against_the_configured_roots(
    seal_key: SealKey, pdf: bytes, timestamper: DummyTimeStamper, pki: LocalPki
) -> None:
    sealed = Sealer(seal_key, timestampers=[timestamper]).seal(pdf, reason=REASON)

    report = verify_pdf(sealed, [seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])

    assert report.ok and report.timestamp_recognised is False and report.timestamp_time is None
    assert UNKNOWN_AUTHORITY in report.problems


def test_with_no_authority_roots_given_timestamps_are_judged_on_their_cryptography_as_before(
    by_another_authority: bytes, pki: LocalPki
) -> None:
    report = verify_pdf(by_another_authority, [pki.seal_key.fingerprint_sha256])

    assert report.timestamp_recognised is None and report.timestamp_time is not None
    assert report.problems == []


def test_no_configured_authority_at_all_recognises_none(by_our_authority: bytes, pki: LocalPki) -> None:
    report = verify_pdf(by_our_authority, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[])

    assert report.timestamp_recognised is False and report.timestamp_time is None

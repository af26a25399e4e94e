"""A contract sealed by the app against a real test PKI on 127.0.0.1 is PAdES B-LTA, checkable offline.

The trust's seal is a certificate the local PKI issued (exported as PKCS#12), timestamps come
from its TSA, and revocation data is fetched from its OCSP responder and CRLs at sealing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import crl, ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlalchemy import select, update

from app.db import utcnow
from app.documents.models import DocumentVersion
from app.extensions import db
from signing.verify import verify_pdf

from ..pki import PASSPHRASE, LocalPki, offline_lta_validation
from .conftest_helpers import BROKER
from .test_contract_spine import _file, agree, create, csrf, events, state

# The worker of a distributed run is started with the session's settings, not this trust's PKI.
pytestmark = pytest.mark.skipif(bool(BROKER), reason="the seal runs in-process with the test PKI's settings")

PARTIES = (("alex.morgan@example.org", "Alex Morgan"), ("sam@example.org", "Sam O'Brien <Head> & Co"))


@pytest.fixture
def app(settings: dict[str, Any], pki: LocalPki, tmp_path: Any) -> Any:
    """The app with heart-of-mercia's seal issued by the local PKI, its TSA, and validation data embedded."""
    from app import create_app

    application = create_app(
        {
            **settings,
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'countersign.sqlite3'}",
            "SEAL_CERTIFICATES": {"heart-of-mercia": {"p12": str(pki.seal_p12), "passphrase": PASSPHRASE}},
            "TSA_URLS": [pki.tsa_url],
            "TSA_TRUST_ROOTS": [str(pki.root_pem)],
            "SEAL_EMBED_VALIDATION": True,
        }
    )
    with application.app_context():
        db.create_all()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def agreed_by_both(client: Any, runner: Any, mailbox: Any) -> int:
    """Create a contract and have both parties agree it through their emailed links."""
    document_id = create(runner)
    for address, name in PARTIES:
        assert agree(client, mailbox.link(mailbox.to(address, "Please read")[0]), name).status_code == 303
    return document_id


def download(runner: Any, document_id: int, tmp_path: Any) -> bytes:
    out = tmp_path / f"sealed-{document_id}.pdf"
    result = runner.invoke(args=["documents", "download", str(document_id), str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def revocation_data(data: bytes) -> tuple[set[int], set[str]]:
    """Return the serial numbers the DSS's OCSP responses answer for, and the issuers of its CRLs."""
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(data)))
    serials = set()
    for stream in dss.ocsps:
        response = ocsp.OCSPResponse.load(stream.get_object().data)
        basic = response["response_bytes"]["response"].parsed["tbs_response_data"]
        serials |= {single["cert_id"]["serial_number"].native for single in basic["responses"]}
    issuers = {crl.CertificateList.load(stream.get_object().data).issuer.human_friendly for stream in dss.crls}
    return serials, issuers


def chain_certificates(pki: LocalPki) -> dict[str, asn1_x509.Certificate]:
    arch = pki.config.get_pki_arch("countersign")  # type: ignore[arg-type]
    return {label: arch.get_cert(label) for label in ("seal", "interm", "tsa")}  # type: ignore[arg-type]


def test_a_contract_sealed_with_the_pki_is_b_lta_and_checks_out_with_only_the_file(
    app, runner, client, mailbox, trusts, wait, pki: LocalPki, tmp_path
):
    document_id = agreed_by_both(client, runner, mailbox)
    assert wait(lambda: state(app, document_id) == "sealed")
    sealed = download(runner, document_id, tmp_path)

    # Revocation data for both chains is in the file: the seal's status from the issuing CA's
    # OCSP responder, and the root's CRL, which covers the issuing CA and the TSA.
    certs = chain_certificates(pki)
    serials, crl_issuers = revocation_data(sealed)
    assert certs["seal"].serial_number in serials
    assert certs["interm"].issuer.human_friendly in crl_issuers
    assert certs["tsa"].issuer.human_friendly in crl_issuers

    # The last thing in the file is a document timestamp covering all of it.
    reader = PdfFileReader(BytesIO(sealed))
    last = reader.embedded_signatures[-1]
    assert last.sig_object["/Type"] == "/DocTimeStamp"
    _, _, start, length = last.byte_range
    assert start + length == len(sealed)

    report = verify_pdf(sealed, [pki.seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])
    assert report.ok and report.pades_level == "B-LTA", report.problems
    assert report.long_term_validation and report.document_timestamps >= 1
    assert report.timestamp_recognised is True

    # pyHanko's own PAdES-LTA validation, fetching nothing, with the PKI's root as the only anchor.
    result = offline_lta_validation(sealed, pki.root)
    assert result.ades_subindic == AdESPassed.OK  # type: ignore[attr-defined]

    checked = runner.invoke(args=["seal", "verify", str(tmp_path / f"sealed-{document_id}.pdf")])
    assert checked.exit_code == 0, checked.output
    assert "from a recognised timestamp authority" in checked.output
    assert "Long-term proof: yes" in checked.output

    page = client.post("/verify", data={"csrf_token": csrf(client.get("/verify").text), "pdf": (_file(sealed), "r.pdf")})
    assert "This is a sealed record, unchanged since it was sealed" in page.text
    assert "From a recognised timestamp authority" in page.text
    assert "PAdES B-LTA" in page.text
    assert "does not recognise" not in page.text


def test_an_unreachable_ocsp_responder_fails_the_seal_and_it_is_retried(
    app, runner, client, mailbox, trusts, pki: LocalPki
):
    app.config["SEAL_CERTIFICATES"] = {"heart-of-mercia": {"p12": str(pki.offline_p12), "passphrase": PASSPHRASE}}
    document_id = agreed_by_both(client, runner, mailbox)

    assert state(app, document_id) == "agreed"
    failures = events(app, document_id, "seal_failed")
    assert len(failures) == 1
    assert "ValidationDataUnavailable" in failures[0].details["error"]
    assert "Offline Trust document seal" in failures[0].details["error"]

    # Once the failure's pause is over, the sweep tries again, and it fails again the same way.
    with app.app_context():
        db.session.execute(
            update(DocumentVersion).where(DocumentVersion.document_id == document_id)
            .values(seal_claimed_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert runner.invoke(args=["jobs", "sweep"]).exit_code == 0
    assert state(app, document_id) == "agreed"
    assert len(events(app, document_id, "seal_failed")) == 2
    assert events(app, document_id, "sealed") == []


def test_with_b_t_allowed_an_unreachable_ocsp_responder_seals_b_t_and_says_so(
    app, runner, client, mailbox, trusts, wait, pki: LocalPki, tmp_path, caplog
):
    app.config["SEAL_CERTIFICATES"] = {"heart-of-mercia": {"p12": str(pki.offline_p12), "passphrase": PASSPHRASE}}
    app.config["SEAL_ALLOW_B_T"] = True

    with caplog.at_level(logging.WARNING, logger="signing.seal"):
        document_id = agreed_by_both(client, runner, mailbox)
        assert wait(lambda: state(app, document_id) == "sealed")

    assert "sealing without embedded validation info (PAdES B-T)" in caplog.text
    assert "Offline Trust document seal" in caplog.text
    assert events(app, document_id, "seal_failed") == []
    sealed = download(runner, document_id, tmp_path)
    report = verify_pdf(sealed, [pki.offline_seal_key.fingerprint_sha256], tsa_trust_roots=[pki.root])
    assert report.ok and report.pades_level == "B-T", report.problems
    assert not report.long_term_validation and report.timestamp_recognised is True
    with app.app_context():
        version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document_id))
        assert version.sealed_file is not None

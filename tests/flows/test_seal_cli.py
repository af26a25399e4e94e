"""`flask seal verify` says whether a file is an intact record we sealed; `flask seal certificate` shows a trust's seal."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents.models import DocumentVersion
from app.extensions import db
from signing.certs import ensure_self_signed_seal
from signing.seal import Sealer, load_seal_key
from signing.verify import verify_pdf

from .test_contract_spine import agree, create_and_send, state


def sealed_contract(app, runner, client, mailbox, wait, tmp_path: Path) -> tuple[int, bytes]:
    document_id = create_and_send(app, runner, wait)
    assert wait(lambda: state(app, document_id) == "awaiting_agreement")
    agree(client, mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0]), "Sam O'Brien <Head> & Co")
    agree(client, mailbox.link(mailbox.to("alex.morgan@example.org", "Please read and agree")[0]), "Alex Morgan")
    assert wait(lambda: state(app, document_id) == "sealed")
    out = tmp_path / "sealed.pdf"
    assert runner.invoke(args=["documents", "download", str(document_id), str(out)]).exit_code == 0
    return document_id, out.read_bytes()


def verify(runner, path: Path):
    return runner.invoke(args=["seal", "verify", str(path)])


def cli_checks(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == "verified", AuditEvent.actor == "command line")))


def test_seal_verify_confirms_only_an_intact_record_we_sealed(app, runner, client, mailbox, trusts, wait, tmp_path):
    document_id, sealed = sealed_contract(app, runner, client, mailbox, wait, tmp_path)
    good = tmp_path / "good.pdf"
    good.write_bytes(sealed)
    result = verify(runner, good)
    assert result.exit_code == 0, result.output
    assert "This is a sealed record, unchanged since it was sealed." in result.output
    assert "Trust seal: The Heart of Mercia Academy Trust" in result.output
    assert f"SHA-256: {hashlib.sha256(sealed).hexdigest()}" in result.output
    logged = cli_checks(app)
    assert len(logged) == 1 and logged[0].document_id == document_id
    assert logged[0].details == {"sha256": hashlib.sha256(sealed).hexdigest(), "ok": True, "issued": True, "record_ok": True}

    # One byte changed inside the sealed content: the seal no longer matches.
    flipped = bytearray(sealed)
    at = sealed.index(b"stream", len(sealed) // 4) + 20
    flipped[at] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(flipped))
    result = verify(runner, changed)
    assert result.exit_code == 1, result.output
    assert "This file has been changed after it was sealed." in result.output
    assert "Issued by this service: no" in result.output

    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all\x00\x01")
    result = verify(runner, junk)
    assert result.exit_code == 1 and "This file has no seal." in result.output
    assert "The file is not a PDF, or it is too damaged to read." in result.output

    # A perfectly intact seal, but made with a key that is none of our trusts'.
    with app.app_context():
        agreed = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document_id)).pdf_file.read()
    stranger = load_seal_key(ensure_self_signed_seal(tmp_path / "stranger.p12", b"x", "Heart of Mercia document seal", "Heart of Mercia"), b"x")
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(Sealer(stranger).seal(agreed, reason="agreed by every party"))
    result = verify(runner, forged)
    assert result.exit_code == 1, result.output
    assert "The seal is not one of our trusts' seals." in result.output
    assert "Seal intact: yes" in result.output

    assert verify(runner, tmp_path / "missing.pdf").exit_code == 1
    assert len(cli_checks(app)) == 4  # every file read was checked and logged

    # The trust's certificate, as PEM, is the one the record was sealed with.
    result = runner.invoke(args=["seal", "certificate", "--trust", "heart-of-mercia"])
    assert result.exit_code == 0, result.output
    certificate = x509.load_pem_x509_certificate(result.output.encode())
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert hashlib.sha256(der).hexdigest() == verify_pdf(sealed).signer_fingerprint_sha256


def test_seal_certificate_makes_no_key_unless_asked(app, runner, trusts, tmp_path):
    app.config["OUTPUT_DIR"] = str(tmp_path)  # a service that has sealed nothing yet
    result = runner.invoke(args=["seal", "certificate", "--trust", "inspire"])
    assert result.exit_code == 1
    assert "has no seal key yet" in result.output and "--create" in result.output
    assert not (tmp_path / "seal" / "inspire.p12").exists()

    result = runner.invoke(args=["seal", "certificate", "--trust", "inspire", "--create"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("-----BEGIN CERTIFICATE-----")
    assert "document seal" in x509.load_pem_x509_certificate(result.output.encode()).subject.rfc4514_string()
    assert (tmp_path / "seal" / "inspire.p12").exists()
    # Asked again without --create, the same certificate comes back.
    assert runner.invoke(args=["seal", "certificate", "--trust", "inspire"]).output == result.output

    assert runner.invoke(args=["seal", "certificate", "--trust", "nobody"]).exit_code == 1

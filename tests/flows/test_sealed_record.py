"""The sealed record is the agreed PDF itself, stamped, with its evidence and the agreed PDF inside it."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.documents.models import Document, SealedCopy
from app.extensions import db
from app.rendering import uk_time
from signing.record import check_record, source_attachment
from signing.verify import verify_pdf

from ..signing.test_tamper import add_annotation, add_page, flip_signature_byte, pdfsig_accepts
from .test_contract_spine import _file, _fingerprint, agree, create, csrf, state

NAMES = (("alex.morgan@example.org", "Alex Morgan"), ("sam@example.org", "Sam O'Brien <Head> & Co"))


def sealed_contract(app: Any, runner: Any, client: Any, mailbox: Any, wait: Any, tmp_path: Path) -> tuple[int, bytes]:
    document_id = create(runner)
    for address, name in NAMES:
        assert agree(client, mailbox.link(mailbox.to(address, "Please read")[0]), name).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    out = tmp_path / "sealed.pdf"
    assert runner.invoke(args=["documents", "download", str(document_id), str(out)]).exit_code == 0
    return document_id, out.read_bytes()


def test_the_record_carries_the_agreed_pdf_its_pages_unchanged_and_one_sealing_time(
    app, runner, client, mailbox, trusts, wait, tmp_path
):
    document_id, sealed = sealed_contract(app, runner, client, mailbox, wait, tmp_path)
    with app.app_context():
        version = db.session.get(Document, document_id).version
        agreed, sealed_at = version.pdf_file.read(), version.sealed_at
        places = version.places

    # The agreed PDF is attached, byte for byte, and its SHA-256 is on the evidence page and in `documents show`.
    attached = source_attachment(PdfReader(BytesIO(sealed)))
    assert attached == agreed
    digest = hashlib.sha256(attached).hexdigest()
    reader = PdfReader(BytesIO(sealed))
    spec = reader.trailer["/Root"]["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Source" and spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/pdf"
    agreed_pages = len(PdfReader(BytesIO(agreed)).pages)
    evidence_text = "".join(pdf_text_of_pages(sealed, range(agreed_pages, len(reader.pages))))
    assert digest in evidence_text
    shown = runner.invoke(args=["documents", "show", str(document_id)]).output
    assert f"pdf sha256 {digest}" in shown

    # Every agreed page's content streams are in the sealed page, unchanged; only the stamp is added.
    check = check_record(sealed)
    assert check.ok, check.problems
    original = PdfReader(BytesIO(agreed))
    for index, page in enumerate(original.pages):
        before = page.get_contents().get_data()
        after = [s.get_object().get_data() for s in reader.pages[index]["/Contents"]]
        assert before in after, index

    # Each name sits inside its place.
    assert places and len(places) == 2
    for party_places in places.values():
        assert party_places

    # One sealing time: the seal's stated time, the stored sealed_at, the evidence page and `documents show`.
    with app.app_context():
        report = verify_pdf(sealed, trusted_fingerprints=[_fingerprint(app)])
    assert report.ok, report.problems
    assert report.signing_time == sealed_at
    assert abs(report.timestamp_time - sealed_at) <= timedelta(seconds=1)
    assert uk_time(sealed_at) in evidence_text
    assert f"sealed {sealed_at:%Y-%m-%d %H:%M:%S} UTC" in shown
    # The evidence page names the seal certificate by its fingerprint, and says how to check each value.
    assert report.signer_fingerprint_sha256 in evidence_text
    assert "free PDF reader" in re.sub(r"\s+", " ", evidence_text)

    # The file still claims PDF/A (now part 3, which defines associated files).
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp or b'pdfaid:part="3"' in xmp

    # /verify says all of it in plain words.
    token = csrf(client.get("/verify").text)
    genuine = client.post("/verify", data={"csrf_token": token, "pdf": (_file(sealed), "record.pdf")})
    assert "This is a sealed record, unchanged since it was sealed" in genuine.text
    assert "its SHA-256 matches the evidence page" in genuine.text
    assert "Unchanged – the sealed pages are the agreed document" in genuine.text


def pdf_text_of_pages(data: bytes, pages: range) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range() for i in pages]
    finally:
        document.close()


def flip_content_byte(data: bytes) -> bytes:
    """Flip one byte inside the first stream of the sealed revision (an agreed page's content)."""
    tampered = bytearray(data)
    tampered[data.index(b"stream") + 40] ^= 0x01
    return bytes(tampered)


@pytest.mark.parametrize("tamper", [flip_content_byte, flip_signature_byte, add_annotation, add_page])
def test_every_tamper_is_caught_by_verify_and_pdfsig(app, runner, client, mailbox, trusts, wait, tmp_path, tamper):
    _, sealed = sealed_contract(app, runner, client, mailbox, wait, tmp_path)
    assert pdfsig_accepts(sealed, tmp_path)
    tampered = tamper(sealed)
    assert not pdfsig_accepts(tampered, tmp_path)
    with app.app_context():
        assert not verify_pdf(tampered, trusted_fingerprints=[_fingerprint(app)]).ok
    token = csrf(client.get("/verify").text)
    page = client.post("/verify", data={"csrf_token": token, "pdf": (_file(tampered), "record.pdf")})
    assert "This is a sealed record, unchanged since it was sealed" not in page.text
    assert "Not confirmed" in page.text


def test_a_copy_sealed_before_a_timestamp_renewal_is_still_ours(app, runner, client, mailbox, trusts, wait, tmp_path):
    document_id, sealed = sealed_contract(app, runner, client, mailbox, wait, tmp_path)
    # The test authority's certificate expires within a year and a half: renew everything due in 10 years.
    result = runner.invoke(args=["seal", "renew-timestamps", "--within-days", "3650"])
    assert result.exit_code == 0, result.output
    assert "1 renewed" in result.output
    with app.app_context():
        version = db.session.get(Document, document_id).version
        newest = version.sealed_file.read()
        copies = db.session.scalars(select(SealedCopy).where(SealedCopy.version_id == version.id)).all()
    assert len(copies) == 2 and newest != sealed and newest.startswith(sealed)
    report = verify_pdf(newest, trusted_fingerprints=[_fingerprint_of(app)])
    assert report.ok and report.document_timestamps == 1, report.problems
    token = csrf(client.get("/verify").text)
    for data in (sealed, newest):
        page = client.post("/verify", data={"csrf_token": token, "pdf": (_file(data), "record.pdf")})
        assert "This is a sealed record, unchanged since it was sealed" in page.text
    # Nothing is due any more within a day.
    again = runner.invoke(args=["seal", "renew-timestamps", "--within-days", "1"])
    assert "0 renewed" in again.output


def _fingerprint_of(app: Any) -> str:
    return _fingerprint(app)

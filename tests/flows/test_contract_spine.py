"""A supervision contract goes from the trust's defaults to a sealed PDF that validators accept."""

from __future__ import annotations

import re
from typing import Any

import pypdfium2 as pdfium
from sqlalchemy import func, select

from app.audit import tallies
from app.audit.models import AuditEvent
from app.documents.models import Document
from app.extensions import db
from signing.verify import verify_pdf

SUPERVISOR = "Alex Morgan <alex.morgan@example.org>"
SUPERVISEE = "Sam O'Brien <Head> & Co <sam@example.org>"


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def path_of(url: str) -> str:
    return url.split("countersign.test", 1)[1]


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return text.replace("\ufffe", "-")  # pdfium marks a hyphen where a line was broken with U+FFFE


def events(app: Any, document_id: int, type: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.document_id == document_id).order_by(AuditEvent.seq)
        if type:
            query = query.where(AuditEvent.type == type)
        return list(db.session.scalars(query))


def state(app: Any, document_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Document.state).where(Document.id == document_id))


def create(runner: Any, *extra: str) -> int:
    result = runner.invoke(
        args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", SUPERVISOR, "--supervisee", SUPERVISEE, *extra]
    )
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def create_and_send(app: Any, runner: Any, wait: Any, *extra: str) -> int:
    """Create a contract and wait until both links are sent and delivered (jobs may run elsewhere)."""
    document_id = create(runner, *extra)
    assert wait(lambda: len(events(app, document_id, "email_delivered")) == 2)
    return document_id


def agree(client: Any, url: str, name: str) -> Any:
    page = client.get(path_of(url))
    assert page.status_code == 200
    return client.post(
        path_of(url) + "/agree",
        data={"csrf_token": csrf(page.text), "confirm": "yes", "full_name": name},
    )


def test_contract_is_agreed_by_both_parties_and_sealed(app, runner, client, mailbox, trusts, wait, tmp_path):
    document_id = create_and_send(app, runner, wait, "--set", "venue=Room 4 <b>upstairs</b>")
    supervisor_mail = mailbox.to("alex.morgan@example.org", "Please read and agree")[0]
    supervisee_mail = mailbox.to("sam@example.org", "Please read and agree")[0]
    assert wait(lambda: state(app, document_id) == "awaiting_agreement")

    # Opening the link shows the pages and changes nothing; the page's script reports the view.
    url = mailbox.link(supervisee_mail)
    before = len(events(app, document_id))
    page = client.get(path_of(url))
    assert page.status_code == 200
    assert "Sam O&#39;Brien &lt;Head&gt; &amp; Co" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert len(events(app, document_id)) == before
    image = client.get(path_of(url) + "/pages/1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    draft = client.get(path_of(url) + "/document.pdf")
    assert "Sam O'Brien <Head> & Co" in pdf_text(draft.data)
    assert "Room 4 <b>upstairs</b>" in pdf_text(draft.data)
    assert client.post(path_of(url) + "/viewed", headers={"X-CSRFToken": csrf(page.text)}).status_code == 204
    assert len(events(app, document_id, "viewed")) == 1

    # A name that does not match is refused, clearly, and nothing is recorded.
    wrong = client.post(path_of(url) + "/agree", data={"csrf_token": csrf(page.text), "confirm": "yes", "full_name": "Someone Else"})
    assert wrong.status_code == 400 and "There is a problem" in wrong.text
    assert events(app, document_id, "agreed") == []

    # Names are compared loosely: case and spacing do not matter.
    assert agree(client, url, "  sam o'brien <head>   & co ").status_code == 303
    assert state(app, document_id) == "awaiting_agreement"
    assert agree(client, mailbox.link(supervisor_mail), "Alex Morgan").status_code == 303

    assert wait(lambda: state(app, document_id) == "sealed")
    out = tmp_path / "sealed.pdf"
    result = runner.invoke(args=["documents", "download", str(document_id), str(out)])
    assert result.exit_code == 0, result.output
    sealed = out.read_bytes()

    report = verify_pdf(sealed, trusted_fingerprints=[_fingerprint(app)])
    assert report.ok and report.certified and report.timestamp_time is not None, report.problems
    text = pdf_text(sealed)
    for expected in (
        "Safeguarding Supervision Contract",
        "Alex Morgan",
        "Sam O'Brien <Head> & Co",
        "Evidence of agreement",
        "alex.morgan@example.org",
        "http://countersign.test/verify",
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text

    # Each party is emailed a personal download link; downloading is a logged POST.
    download_mail = mailbox.to("sam@example.org", "Sealed:")[0]
    download_url = path_of(mailbox.link(download_mail))
    downloads = len(events(app, document_id, "downloaded"))  # the CLI download above is logged too
    landing = client.get(download_url)
    assert landing.status_code == 200 and len(events(app, document_id, "downloaded")) == downloads
    got = client.post(download_url, data={"csrf_token": csrf(landing.text)})
    assert got.status_code == 200 and got.data == sealed
    assert len(events(app, document_id, "downloaded")) == downloads + 1
    # The link is reusable within its time.
    assert client.post(download_url, data={"csrf_token": csrf(landing.text)}).data == sealed

    types = [e.type for e in events(app, document_id)]
    for expected in ("created", "sent", "email_delivered", "viewed", "agreed", "sealed", "downloaded"):
        assert expected in types, expected
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    shown = runner.invoke(args=["documents", "show", str(document_id)]).output
    assert "state: sealed" in shown and "agreed" in shown


def _fingerprint(app: Any) -> str:
    from app.trusts.models import Trust
    from app.trusts.seal_keys import seal_key_for

    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        return seal_key_for(trust).fingerprint_sha256


def test_verify_page_tells_a_sealed_record_from_a_tampered_copy(app, runner, client, mailbox, trusts, wait, tmp_path):
    document_id = create(runner)
    for address, name in (("alex.morgan@example.org", "Alex Morgan"), ("sam@example.org", "Sam O'Brien <Head> & Co")):
        assert agree(client, mailbox.link(mailbox.to(address, "Please read")[0]), name).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    out = tmp_path / "sealed.pdf"
    assert runner.invoke(args=["documents", "download", str(document_id), str(out)]).exit_code == 0
    sealed = out.read_bytes()

    form = client.get("/verify")
    token = csrf(form.text)
    genuine = client.post("/verify", data={"csrf_token": token, "pdf": (_file(sealed), "record.pdf")})
    assert genuine.status_code == 200
    assert "This is a sealed record, unchanged since it was sealed" in genuine.text
    assert "The Heart of Mercia Academy Trust" in genuine.text
    assert "(independent timestamp)" in genuine.text and "does not recognise" not in genuine.text

    # The same record, checked by a service that does not trust the authority that timestamped it.
    app.config["TSA_TRUST_ROOTS"] = []
    unknown = client.post("/verify", data={"csrf_token": token, "pdf": (_file(sealed), "record.pdf")})
    assert "This is a sealed record, unchanged since it was sealed" in unknown.text
    assert "an authority this service does not recognise" in unknown.text
    assert "(independent timestamp)" not in unknown.text

    tampered = bytearray(sealed)
    index = sealed.index(b"stream") + 40  # one byte inside the sealed revision's first stream
    tampered[index] ^= 0x01
    bad = client.post("/verify", data={"csrf_token": token, "pdf": (_file(bytes(tampered)), "record.pdf")})
    assert "changed after it was sealed" in bad.text

    empty = client.post("/verify", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose a PDF file" in empty.text
    junk = client.post("/verify", data={"csrf_token": token, "pdf": (_file(b"not a pdf"), "x.pdf")})
    assert junk.status_code == 200 and "This file has no seal" in junk.text
    with app.app_context():
        # Only the records we issued are logged (checked twice above); the tampered copy and the junk are counted for the client.
        assert db.session.scalar(select(func.count()).where(AuditEvent.type == "verified")) == 2
        assert [(t.reason, t.count) for t in tallies()] == [("verify-unknown", 2)]


def _file(data: bytes) -> Any:
    from io import BytesIO

    return BytesIO(data)

"""A form a trust admin uploads in the browser is what its next document is made from, prepared and sealed.

This runs in both modes: with jobs in-process, and with a real Celery worker when
COUNTERSIGN_CELERY_BROKER_URL is set, whose prefork pool processes are daemonic and so start the
limited child a trust's own form is filled in in afresh (app/rendering/isolated.py).
"""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.trusts.models import TrustForm
from signing.verify import verify_pdf

from ..flows.test_contract_spine import _fingerprint, agree, events, pdf_text, state
from .test_access import PEOPLE, sign_in
from .test_forms_admin import OWN_WORDS, install, make_contract, own_contract, upload


def test_a_form_uploaded_in_the_browser_makes_the_next_document_which_is_agreed_and_sealed(
    app, client, runner, mailbox, trusts, wait, tmp_path
):
    email, name, role, trust, _ = PEOPLE["admin"]
    created = runner.invoke(args=["users", "create", email, "--name", name, "--role", role, "--trust", trust])
    assert created.exit_code == 0, created.output
    sign_in(client, mailbox, email)
    checked = upload(client, "contract", own_contract(tmp_path, "sealed"), "our-contract.docx")
    assert checked.status_code == 200, checked.text[-3000:]
    assert install(client, "contract", checked).status_code == 303

    document_id = make_contract(runner, app)
    assert wait(lambda: state(app, document_id) == "awaiting_agreement"), state(app, document_id)
    with app.app_context():
        version = db.session.get(Document, document_id).version
        assert version.form is not None and version.form.number == 1
        assert version.form_sha256 == version.form.file.sha256
        with zipfile.ZipFile(io.BytesIO(version.docx_file.read())) as docx:
            assert f"{OWN_WORDS} sealed" in docx.read("word/document.xml").decode()
        uploaded = db.session.scalars(select(TrustForm)).one().uploaded_at.strftime("%d %B %Y")

    parties = app.test_client()  # the parties follow their links, signed in as nobody
    assert agree(parties, mailbox.link_to("ria@example.org", "Please read and agree"), "Ria Shah").status_code == 303
    assert agree(parties, mailbox.link_to("alex@example.org", "Please read and agree"), "Alex Morgan").status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed"), state(app, document_id)
    assert len(events(app, document_id, "agreed")) == 2

    out = tmp_path / "sealed.pdf"
    result = runner.invoke(args=["documents", "download", str(document_id), str(out)])
    assert result.exit_code == 0, result.output
    sealed = out.read_bytes()
    report = verify_pdf(sealed, trusted_fingerprints=[_fingerprint(app)])
    assert report.ok and report.certified, report.problems
    assert f"{OWN_WORDS} sealed" in pdf_text(sealed)
    page = client.get(f"/staff/documents/{document_id}").text
    assert f"Version 1 of the Safeguarding Supervision Contract form, uploaded {uploaded}" in page

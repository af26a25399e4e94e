"""Prepare a version: render its form, convert it to PDF, then send each party their link."""

from __future__ import annotations

from flask import current_app

from .. import audit
from ..audit import EventType
from ..conversion import get_converter
from ..db import transaction, utcnow
from ..extensions import db
from ..kinds import kind
from ..rendering.places import find_places, new_markers
from ..storage import DOCX, HTML, PDF, store
from ..trusts.forms import render_form
from . import notify
from .context import form_context
from .links import issue_link
from .models import DocumentVersion, LinkPurpose
from .records import form_of, locked_document
from .states import State
from .text import text_of


def prepare(version_id: int) -> None:
    """Render and convert a version, then send each party a personal link (idempotent)."""
    version = db.session.get(DocumentVersion, version_id)
    if version is None:
        return
    document = version.document
    if document.state is not State.PREPARING or document.current_version != version.number:
        return
    spec = kind(document.kind)
    markers = new_markers(p.id for p in document.parties if spec.needs_agreement and p.role in spec.agreed_by)
    form, reference = form_of(document), document.reference
    docx = render_form(form.data, form_context(document, version, final=False, markers=markers), name=form.name)
    db.session.commit()  # end the read so no lock is held while LibreOffice works
    pdf = get_converter(current_app).convert_docx_to_pdf(docx)
    # The seal stamps each agreement here, so sealing needs neither the form nor LibreOffice.
    places = find_places(pdf, markers) if markers else None
    text = text_of(form.data, docx, reference)  # the page's text of the document, from this same render
    with transaction():
        document = locked_document(document.id)
        version = db.session.get(DocumentVersion, version_id, populate_existing=True)
        assert version is not None
        if document.state is not State.PREPARING or document.current_version != version.number:
            return
        version.docx_file = store(docx, DOCX)
        version.pdf_file = store(pdf, PDF)
        version.text_file = store(text.encode("utf-8"), HTML) if text is not None else None
        version.places = places
        version.form_id = form.version.id if form.version is not None else None
        version.form_sha256 = form.sha256
        version.sent_at = utcnow()
        if spec.needs_agreement:
            document.move_to(State.AWAITING_AGREEMENT)
            for party in document.parties:
                if party.role in spec.agreed_by:
                    issue_link(document, version, party, LinkPurpose.AGREE)
        else:
            document.move_to(State.ISSUED)
            for party in document.parties:
                notify.email_issued(document, version, party)
                audit.record(
                    EventType.SENT,
                    document_id=document.id,
                    details={"to": party.email, "role": party.role, "version": version.number, "attached": True},
                )

"""Seal a fully agreed version exactly once: final render, evidence page, PDF, the trust's seal.

The seal key lives with the trust (app.trusts.seal_keys); the pyHanko call is signing.seal.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update

from .. import audit
from ..audit import EventType, head_hash
from ..conversion import get_converter
from ..db import transaction, utcnow
from ..extensions import db
from ..rendering import append_evidence_page, render_docx
from ..storage import DOCX, PDF, store
from ..trusts.seal_keys import sealer_for
from .actions import record_sealed
from .context import evidence, form_context
from .kinds import kind
from .links import issue_download_link
from .models import Document, DocumentVersion
from .records import form_of, locked_document
from .states import State

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=10)


def seal(version_id: int) -> bool:
    """Seal the version if it is agreed and not sealed yet; return whether this call sealed it."""
    if not _claim(version_id):
        return False
    try:
        return _seal_claimed(version_id)
    except BaseException:
        with transaction():
            db.session.execute(
                update(DocumentVersion)
                .where(DocumentVersion.id == version_id, DocumentVersion.sealed_file_id.is_(None))
                .values(seal_claimed_until=None)
            )
        raise


def _claim(version_id: int) -> bool:
    """Take the seal job for a version, unless it is sealed or another worker holds it."""
    now = utcnow()
    with transaction():
        return bool(
            db.session.execute(
                update(DocumentVersion)
                .where(
                    DocumentVersion.id == version_id,
                    DocumentVersion.sealed_file_id.is_(None),
                    or_(
                        DocumentVersion.seal_claimed_until.is_(None),
                        DocumentVersion.seal_claimed_until < now,
                    ),
                )
                .values(seal_claimed_until=now + CLAIM)
            ).rowcount
        )


def _seal_claimed(version_id: int) -> bool:
    version = db.session.get(DocumentVersion, version_id, populate_existing=True)
    assert version is not None
    document = version.document
    if document.state is not State.AGREED or document.current_version != version.number:
        return False
    sealed_at = utcnow()
    docx = render_docx(form_of(document), form_context(document, version, final=True))
    docx = append_evidence_page(
        docx,
        evidence(
            document,
            version,
            audit_head=head_hash(),
            verify_url=f"{current_app.config['BASE_URL']}/verify",
            sealed_at=sealed_at,
        ),
    )
    sealer = sealer_for(document.trust)
    reason = f"{document.title} ({document.reference} v{version.number}) agreed by every party"
    trust_name = document.trust.name
    db.session.commit()  # hold no lock while LibreOffice and the seal work
    pdf = get_converter(current_app).convert_docx_to_pdf(docx)
    sealed = sealer.seal(pdf, reason=reason, location=trust_name)

    with transaction():
        document = locked_document(document.id)
        final_docx, sealed_file = store(docx, DOCX), store(sealed, PDF)
        won = db.session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.id == version_id, DocumentVersion.sealed_file_id.is_(None))
            .values(
                sealed_file_id=sealed_file.id,
                final_docx_file_id=final_docx.id,
                sealed_at=sealed_at,
                seal_claimed_until=None,
            )
        ).rowcount
        if not won:
            return False
        version = db.session.get(DocumentVersion, version_id, populate_existing=True)
        assert version is not None
        document.move_to(State.SEALED)
        if document.previous_document_id is not None:
            _supersede(document)
        if document.kind == "record":
            record_sealed(document, version.fields)
        audit.record(
            EventType.SEALED,
            document_id=document.id,
            details={
                "version": version.number,
                "sealed_sha256": sealed_file.sha256,
                "agreed_sha256": version.pdf_file.sha256 if version.pdf_file else None,
                "final_docx_sha256": final_docx.sha256,
            },
        )
        for party in document.parties:
            if party.role in kind(document.kind).agreed_by:
                issue_download_link(party, version)
        # Certify the head with the seal, in the same transaction: a sealed record's events are then
        # covered by a checkpoint the database alone cannot forge.
        audit.checkpoint()
    return True


def _supersede(document: Document) -> None:
    """Mark the contract this sealed reissue replaces as superseded; each already links to the other."""
    assert document.previous_document_id is not None
    previous = locked_document(document.previous_document_id)
    if previous.state is State.SEALED:
        previous.move_to(State.SUPERSEDED)
        previous.superseded_at = utcnow()
        audit.record(
            EventType.SUPERSEDED,
            document_id=previous.id,
            details={"by": document.id, "by_reference": document.reference},
        )

"""Seal a fully agreed version exactly once: final render, evidence page, PDF, the trust's seal.

The seal key lives with the trust (app.trusts.seal_keys); the pyHanko call is signing.seal.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import Executable, or_, update

from .. import audit
from ..audit import EventType, head_hash
from ..conversion import get_converter
from ..db import renewing, transaction, utcnow
from ..extensions import db
from ..kinds import kind
from ..rendering import append_evidence_page
from ..storage import DOCX, PDF, store
from ..trusts.forms import render_form
from ..trusts.seal_keys import sealer_for
from .actions import record_sealed
from .context import evidence, form_context
from .links import issue_download_link
from .models import Document, DocumentVersion
from .records import form_of, locked_document
from .states import State

log = logging.getLogger(__name__)
# A short claim, renewed while the job works: a worker killed mid-seal lets it lapse within
# CLAIM, and the sweep (every SWEEP_SECONDS) hands the seal to another worker.
CLAIM = timedelta(seconds=30)
RENEW_EVERY = CLAIM.total_seconds() / 3
# A seal that failed (say, no timestamp authority answered) keeps its claim this long, so the
# sweep does not try it again on every pass; the job's own retries back off further.
FAILURE_PAUSE = timedelta(minutes=1)


def seal(version_id: int) -> bool:
    """Seal the version if it is agreed and not sealed yet; return whether this call sealed it."""
    if not _claim(version_id):
        return False
    try:
        with renewing(lambda: _renewal(version_id), every=RENEW_EVERY):
            try:
                return _seal_claimed(version_id)
            except BaseException:
                db.session.rollback()  # free SQLite's write lock before waiting for the heartbeat
                raise
    except BaseException:
        with transaction():
            db.session.execute(
                update(DocumentVersion)
                .where(DocumentVersion.id == version_id, DocumentVersion.sealed_file_id.is_(None))
                .values(seal_claimed_until=utcnow() + FAILURE_PAUSE)
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


def _renewal(version_id: int) -> Executable:
    """Return the statement that extends a held, unfinished seal claim."""
    return (
        update(DocumentVersion)
        .where(
            DocumentVersion.id == version_id,
            DocumentVersion.sealed_file_id.is_(None),
            DocumentVersion.seal_claimed_until.is_not(None),
        )
        .values(seal_claimed_until=utcnow() + CLAIM)
    )


def _seal_claimed(version_id: int) -> bool:
    version = db.session.get(DocumentVersion, version_id, populate_existing=True)
    assert version is not None
    document = version.document
    if document.state is not State.AGREED or document.current_version != version.number:
        return False
    sealed_at = utcnow()
    docx = render_form(form_of(document), form_context(document, version, final=True))
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

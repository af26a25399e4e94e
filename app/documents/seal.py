"""Seal a fully agreed version exactly once: the agreed PDF, stamped, evidence page, attached, sealed.

No form is rendered and LibreOffice is not used here: the parties agreed a PDF, and the
sealed record is that PDF's pages plus what the seal adds (app.rendering.assemble). The seal
key lives with the trust (app.trusts.seal_keys); the pyHanko call is signing.seal.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from flask import current_app
from pypdf import PdfReader
from sqlalchemy import Executable, or_, update

from .. import audit
from ..audit import EventType, head_hash
from ..db import renewing, transaction, utcnow
from ..extensions import db
from ..kinds import kind
from ..rendering import evidence_pdf, warm_summaries
from ..rendering.assemble import Stamp, assemble
from ..rendering.places import Place
from ..storage import PDF, store
from ..trusts.seal_keys import sealer_for
from .actions import record_sealed
from .context import agreements, evidence, long_date
from .links import issue_download_link
from .models import Document, DocumentVersion, SealedCopy
from .records import locked_document
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
    assert version.pdf_file is not None
    sealer = sealer_for(document.trust)
    sealer.warm()
    warm_summaries()  # ua-parser compiles its patterns on first use: not between the sealing time and the seal
    # One instant for the evidence page, the seal's stated signing time and the stored sealed_at,
    # to the second as the signature's /M holds it: the next whole second, since the signature is
    # made a few milliseconds from now (the evidence page and stamps are all that come between).
    sealed_at = utcnow().replace(microsecond=0) + timedelta(seconds=1)
    config = current_app.config
    agreed = version.pdf_file.read()
    font_dir = Path(config["PDF_FONT_DIR"])
    page = evidence_pdf(
        evidence(
            document,
            version,
            audit_head=head_hash(),
            verify_url=f"{config['BASE_URL']}/verify",
            sealed_at=sealed_at,
            seal_fingerprint=sealer.key.fingerprint_sha256,
        ),
        font_dir=font_dir,
        pagesize=first_page_size(agreed),
    )
    record = assemble(agreed, stamps(document, version), page, font_dir=font_dir, moment=sealed_at)
    reason = f"{document.title} ({document.reference} v{version.number}) agreed by every party"
    trust_name = document.trust.name
    db.session.commit()  # hold no lock while the seal (and its timestamp authority) work
    sealed = sealer.seal(record, reason=reason, location=trust_name, signing_time=sealed_at)

    with transaction():
        document = locked_document(document.id)
        sealed_file = store(sealed, PDF)
        won = db.session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.id == version_id, DocumentVersion.sealed_file_id.is_(None))
            .values(sealed_file_id=sealed_file.id, sealed_at=sealed_at, seal_claimed_until=None)
        ).rowcount
        if not won:
            return False
        version = db.session.get(DocumentVersion, version_id, populate_existing=True)
        assert version is not None
        db.session.add(SealedCopy(version_id=version.id, file_id=sealed_file.id, created_at=sealed_at))
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
                "sealed_at": sealed_at.isoformat(),
                "seal_fingerprint": sealer.key.fingerprint_sha256,
            },
        )
        for party in document.parties:
            if party.role in kind(document.kind).agreed_by:
                issue_download_link(party, version)
        # Certify the head with the seal, in the same transaction: a sealed record's events are then
        # covered by a checkpoint the database alone cannot forge.
        audit.checkpoint()
    return True


def stamps(document: Document, version: DocumentVersion) -> list[Stamp]:
    """Return each agreeing party's stamp: name, date agreed, and the places the prepared PDF gave for them."""
    agreed = agreements(version)
    places = version.places or {}
    found = []
    for party in document.parties:
        answer = agreed.get(party.id)
        if answer is None:
            continue
        where = [Place.from_json(p) for p in places.get(str(party.id), [])]
        if not where:
            # A form installed before signature places were checked: the evidence page still names them.
            log.warning("document %s v%s: no signature place for party %s", document.id, version.number, party.id)
        found.append(Stamp(name=party.name, date=long_date(answer.answered_at), places=where))
    return found


def first_page_size(pdf: bytes) -> tuple[float, float]:
    """Return the agreed PDF's first page size, so the evidence page matches it."""
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


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

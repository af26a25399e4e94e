"""Approve a destruction batch: remove each record's stored files and personal details, keep its facts.

A record keeps its reference, kind, school, dates and the SHA-256 of every file destroyed; its files
(every version's Word and PDF files, the sealed PDF, email attachments, cached page images) and the
personal details in its rows and in its erasable audit events are removed. A stored file shared with a
live document (storage is content-addressed) stays until nothing else refers to it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from .. import audit
from ..audit import EventType
from ..audit.personal import erase_document_events
from ..db import after_commit, transaction, utcnow
from ..documents.actions import Action
from ..documents.models import Answer, Document, DocumentVersion, Link, SealedCopy
from ..documents.states import FINISHED, State
from ..extensions import db
from ..mail.models import OutboundEmail
from ..staff.models import Role, User
from ..storage import StoredFile, discard
from .holds import standing_holds, withdraw_held
from .models import Batch, BatchItem, BatchStatus
from .retention import RetentionProblem, approval_mode

DESTROYED = "[destroyed]"
FILE_COLUMNS = {
    "docx_file_id": "Word file sent for agreement",
    "pdf_file_id": "PDF sent for agreement",
    "text_file_id": "text of the document sent for agreement",
    "final_docx_file_id": "final Word file",
    "sealed_file_id": "sealed PDF",
}


def approver_problem(batch: Batch, approver: User | None, *, confirmed: bool) -> str | None:
    """Say why this person may not approve this batch now, or None when they may."""
    if approver is None or not approver.active or approver.role != Role.ADMIN or approver.trust_id != batch.trust_id:
        return "Only an admin of the trust can approve destroying records"
    if batch.status != BatchStatus.AWAITING_APPROVAL:
        return f"Batch {batch.reference} is no longer awaiting approval"
    if approval_mode(batch.trust) == "second_admin" and batch.created_by_user_id == approver.id:
        return f"{batch.trust.name} needs a second admin to approve a batch: {approver.name} drew this one up"
    if not confirmed:
        return "Confirm that these records are to be destroyed"
    return None


def approve(batch_id: int, *, approver_email: str, confirmed: bool) -> Batch:
    """Destroy every record still in the batch, re-checking legal holds inside the same transaction."""
    with transaction():
        batch = db.session.scalar(select(Batch).where(Batch.id == batch_id).with_for_update())
        if batch is None:
            raise RetentionProblem(f"no batch {batch_id}")
        approver = db.session.scalar(select(User).where(func.lower(User.email) == approver_email.strip().lower()))
        problem = approver_problem(batch, approver, confirmed=confirmed)
        if problem:
            raise RetentionProblem(problem)
        assert approver is not None
        withdraw_held(batch.trust_id, standing_holds(batch.trust_id), actor=approver.label)
        now = utcnow()
        batch.status, batch.approved_at, batch.approved_by = BatchStatus.DESTROYED, now, approver.label
        audit.record(EventType.BATCH_APPROVED, actor=approver.label,
                     details={"batch": batch.id, "records": [i.document_id for i in batch.live_items]})
        for item in batch.live_items:
            _destroy(item, batch, approver.label)
    return batch


def _destroy(item: BatchItem, batch: Batch, actor: str) -> None:
    document = db.session.scalar(select(Document).where(Document.id == item.document_id).with_for_update())
    if document is None or document.state not in FINISHED:
        item.removed_at, item.removed_reason = utcnow(), "no longer finished, or already destroyed"
        return
    hashes, file_ids = _detach_files(document)
    _erase_personal_rows(document)
    document.move_to(State.DESTROYED)
    document.destroyed_at, document.destruction_batch = batch.approved_at, batch.id
    item.destroyed_at, item.hashes = batch.approved_at, hashes
    event = audit.record(EventType.RECORD_DESTROYED, document_id=document.id, actor=actor,
                         details={"batch": batch.id, "reference": document.reference, "hashes": hashes})
    erase_document_events(document.id, by_seq=event.seq)
    _remove_unshared(file_ids)


def _detach_files(document: Document) -> tuple[list[dict[str, object]], set[int]]:
    """Unlink every stored file from the record's versions and emails; return their hashes and ids."""
    hashes: list[dict[str, object]] = []
    file_ids: set[int] = set()
    for version in document.versions:
        for column, label in FILE_COLUMNS.items():
            file_id = getattr(version, column)
            if file_id is None:
                continue
            stored = db.session.get(StoredFile, file_id)
            assert stored is not None
            hashes.append({"version": version.number, "file": label, "sha256": stored.sha256})
            file_ids.add(file_id)
            setattr(version, column, None)
    version_ids = [v.id for v in document.versions]
    for copy in db.session.scalars(select(SealedCopy).where(SealedCopy.version_id.in_(version_ids))):
        stored = db.session.get(StoredFile, copy.file_id)
        assert stored is not None
        if copy.file_id not in file_ids:  # an earlier sealed copy, before its timestamp was renewed
            hashes.append({"version": None, "file": "earlier sealed copy", "sha256": stored.sha256})
        file_ids.add(copy.file_id)
        db.session.delete(copy)
    emails = list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.document_id == document.id)))
    for email in emails:
        if email.attachment_file_id is not None:
            stored = db.session.get(StoredFile, email.attachment_file_id)
            assert stored is not None
            if email.attachment_file_id not in file_ids:
                hashes.append({"version": None, "file": "email attachment", "sha256": stored.sha256})
            file_ids.add(email.attachment_file_id)
            email.attachment_file_id = None
    db.session.flush()
    return hashes, file_ids


def _erase_personal_rows(document: Document) -> None:
    """Blank every personal field the record's rows hold."""
    for party in document.parties:
        party.name, party.email = DESTROYED, ""
    document.author_name, document.author_email, document.pair_key = DESTROYED, "", ""
    version_ids = [v.id for v in document.versions]
    for version in document.versions:
        version.fields, version.note = {}, None
    now = utcnow()
    db.session.execute(update(Answer).where(Answer.version_id.in_(version_ids))
                       .values(typed_name=None, reason=None, ip=None, user_agent=None))
    db.session.execute(update(Link).where(Link.version_id.in_(version_ids), Link.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.execute(update(OutboundEmail).where(OutboundEmail.document_id == document.id)
                       .values(to_name=DESTROYED, to_email="", context={}, attachment_name=None))
    db.session.execute(update(OutboundEmail).where(
        OutboundEmail.document_id == document.id,
        OutboundEmail.status.in_((OutboundEmail.QUEUED, OutboundEmail.SENDING)),
    ).values(status=OutboundEmail.FAILED, last_error="the record was destroyed before this email was sent"))
    db.session.execute(update(Action).where(Action.done_in_document_id == document.id).values(done_in_document_id=None))
    db.session.execute(delete(Action).where(Action.source_document_id == document.id))
    db.session.flush()


def _still_referenced(file_id: int) -> bool:
    columns = [getattr(DocumentVersion, c) for c in FILE_COLUMNS]
    used = db.session.scalar(select(func.count(DocumentVersion.id)).where(or_(*(c == file_id for c in columns))))
    attached = db.session.scalar(select(func.count(OutboundEmail.id)).where(OutboundEmail.attachment_file_id == file_id))
    copies = db.session.scalar(select(func.count()).select_from(SealedCopy).where(SealedCopy.file_id == file_id))
    return bool(used or attached or copies)


def _remove_unshared(file_ids: set[int]) -> None:
    """Delete the rows of files no live document refers to, and their bytes and caches once committed."""
    doomed: list[tuple[str, str]] = []
    for file_id in sorted(file_ids):
        if _still_referenced(file_id):
            continue
        stored = db.session.get(StoredFile, file_id)
        assert stored is not None
        doomed.append(stored.sha256)
        discard(stored)
    db.session.flush()
    cache = Path(current_app.config["OUTPUT_DIR"]) / "cache" / "pages"
    after_commit(lambda: remove_page_images(cache, doomed))


def remove_page_images(cache: Path, doomed: list[str]) -> None:
    """Delete the page images made from destroyed files (after the destruction committed)."""
    for sha256 in doomed:
        shutil.rmtree(cache / sha256, ignore_errors=True)

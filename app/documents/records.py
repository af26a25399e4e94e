"""Load documents: by id, locked for a transaction, and the Word form each is made from (now, and each version)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..trusts.form_store import FormInUse, bundled_path_of, form_in_use
from ..trusts.wording import document_name
from .models import Document, DocumentVersion


class DocumentNotFound(Exception):
    pass


class NotAllowed(Exception):
    """The document is not in a state that allows this."""


def get_document(document_id: int) -> Document:
    """Return a document or raise DocumentNotFound."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise DocumentNotFound(document_id)
    return document


def locked_document(document_id: int) -> Document:
    """Load a document, locking its row until the transaction ends.

    FOR NO KEY UPDATE (PostgreSQL; SQLite serialises writers anyway) still lets other transactions
    add rows that refer to the document, such as a delivery job's audit event. A plain FOR UPDATE
    blocks their foreign-key check while they hold the audit chain's head, and we then wait for the
    head: a deadlock.
    """
    document = db.session.scalar(
        select(Document)
        .where(Document.id == document_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if document is None:
        raise DocumentNotFound(document_id)
    return document


def form_of(document: Document) -> FormInUse:
    """Return the Word form a document is made from now: the trust's installed version, else the bundled one."""
    return form_in_use(document.trust, document.kind)


def form_made_from(document: Document, version: DocumentVersion) -> str | None:
    """Return which Word form a version was filled in from, in words; None for one not yet filled in."""
    if version.form is not None:
        name = document_name(document.trust.profile, document.kind)
        return f"Version {version.form.number} of the {name} form, uploaded {version.form.uploaded_at:%d %B %Y}"
    if version.form_sha256 is None:
        return None
    bundled = bundled_path_of(document.trust, document.kind, version.form_sha256)
    if bundled is None:
        return f"A bundled form no longer shipped (SHA-256 {version.form_sha256[:12]}…)"
    return f"The bundled form {bundled}"

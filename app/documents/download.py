"""Hand over a stored PDF of a version and log who took it, when and from where."""

from __future__ import annotations

from typing import Any

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..storage import StoredFile
from .models import Document, DocumentVersion
from .people import Request


def destroyed_notice(document: Document) -> str | None:
    """Say when and under which batch a record was destroyed, or None if it was not."""
    if document.destroyed_at is None:
        return None
    return (f"{document.reference} was destroyed on {document.destroyed_at:%d %B %Y at %H:%M} UTC under "
            f"destruction batch DB-{document.destruction_batch or 0:05d}, as the trust's retention policy says")


class RecordDestroyed(Exception):
    """The record was destroyed under the trust's retention policy; its files are gone."""

    def __init__(self, document: Document):
        super().__init__(destroyed_notice(document))
        self.document = document


def download(version: DocumentVersion, stored: StoredFile, *, actor: str, request: Request | None = None,
             **details: Any) -> bytes:
    """Return a stored PDF of a version, after logging the download."""
    if version.document.destroyed_at is not None:
        raise RecordDestroyed(version.document)
    data = stored.read()
    # The log is the only write a download makes, so an API GET may download (app/db.py's guard).
    with audit.audit_only_write(), transaction():
        audit.record(
            EventType.DOWNLOADED,
            document_id=version.document_id,
            actor=actor,
            ip=request.ip if request else None,
            user_agent=request.user_agent if request else None,
            details={"version": version.number, **details},
        )
    return data

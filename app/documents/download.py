"""Hand over a stored PDF of a version and log who took it, when and from where."""

from __future__ import annotations

from typing import Any

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..storage import StoredFile
from .models import DocumentVersion
from .people import Request


def download(version: DocumentVersion, stored: StoredFile, *, actor: str, request: Request | None = None,
             **details: Any) -> bytes:
    """Return a stored PDF of a version, after logging the download."""
    data = stored.read()
    with transaction():
        audit.record(
            EventType.DOWNLOADED,
            document_id=version.document_id,
            actor=actor,
            ip=request.ip if request else None,
            user_agent=request.user_agent if request else None,
            details={"version": version.number, **details},
        )
    return data

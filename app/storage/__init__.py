"""Stored files: content-addressed by SHA-256, written once and never overwritten, on a chosen backend.

The default keeps files under OUTPUT_DIR/files. With STORAGE_BACKEND = "database" they are kept in
the database itself, in chunks, so every web and worker host reads what any host stored without a
shared disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db
from .backends import BACKENDS, StorageBackend, StoredChunk

__all__ = ["DOCX", "HTML", "PDF", "StorageCorrupted", "StoredChunk", "StoredFile", "discard", "init_app", "sha256_hex", "store"]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
HTML = "text/html"
_SUFFIXES = {PDF: ".pdf", DOCX: ".docx", HTML: ".html"}


class StoredFile(db.Model):  # type: ignore[name-defined]
    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(300))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def read(self) -> bytes:
        """Return the file's bytes, refusing a file whose content no longer matches its hash."""
        data = b"".join(self.stream())
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise StorageCorrupted(f"stored file {self.id} does not match its recorded SHA-256")
        return data

    def stream(self) -> Iterator[bytes]:
        """Yield the file's bytes in chunks, as the backend keeps them (unchecked: read() checks)."""
        return backend().chunks(self.sha256, self.path)


class StorageCorrupted(Exception):
    """A stored file was changed or damaged."""


def init_app(app: Flask) -> None:
    """Refuse an unknown storage backend at start-up."""
    name = app.config["STORAGE_BACKEND"]
    if name not in BACKENDS:
        raise ValueError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")


def backend() -> StorageBackend:
    """Return the configured backend."""
    return BACKENDS[current_app.config["STORAGE_BACKEND"]]()


def store(data: bytes, media_type: str) -> StoredFile:
    """Keep data once under its hash and return its row (in the current transaction)."""
    digest = sha256_hex(data)
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    relative = f"{digest[:2]}/{digest}{_SUFFIXES.get(media_type, '')}"
    backend().put(digest, relative, data)
    if existing is not None:
        return existing
    row = StoredFile(sha256=digest, path=relative, size=len(data), media_type=media_type)
    db.session.add(row)
    db.session.flush()
    return row


def discard(stored: StoredFile) -> None:
    """Delete a stored file for good: its row now, its bytes with the transaction (files: after commit)."""
    backend().discard(stored.sha256, stored.path)
    db.session.delete(stored)


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of data as lowercase hex."""
    return hashlib.sha256(data).hexdigest()

"""Stored files: content-addressed under OUTPUT_DIR/files, recorded with their SHA-256, never overwritten."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


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
        data = (files_root() / self.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise StorageCorrupted(f"stored file {self.id} does not match its recorded SHA-256")
        return data


class StorageCorrupted(Exception):
    """A stored file was changed or damaged on disk."""


_SUFFIXES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def files_root() -> Path:
    """Return the folder that holds stored files."""
    return Path(current_app.config["OUTPUT_DIR"]) / "files"


def store(data: bytes, media_type: str) -> StoredFile:
    """Write data once under its hash and return its row (in the current transaction)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    relative = f"{digest[:2]}/{digest}{_SUFFIXES.get(media_type, '')}"
    target = files_root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # never replaces an existing file
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if existing is not None:
        return existing
    row = StoredFile(sha256=digest, path=relative, size=len(data), media_type=media_type)
    db.session.add(row)
    db.session.flush()
    return row


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of data as lowercase hex."""
    return hashlib.sha256(data).hexdigest()

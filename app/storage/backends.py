"""Where stored files' bytes live: a folder of files (the default), or chunks in the database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import LargeBinary, String, delete, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import after_commit
from ..extensions import db

CHUNK = 1024 * 1024  # 1 MiB: a record is read in a few round trips and no row is large


class StorageBackend(Protocol):
    def put(self, digest: str, relative: str, data: bytes) -> None: ...

    def chunks(self, digest: str, relative: str) -> Iterator[bytes]: ...

    def discard(self, digest: str, relative: str) -> None: ...


class StoredChunk(db.Model):  # type: ignore[name-defined]
    """One chunk of a stored file kept in the database."""

    __tablename__ = "stored_chunk"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FilesBackend:
    """Files under OUTPUT_DIR/files, written beside their final name then linked into place."""

    def root(self) -> Path:
        return Path(current_app.config["OUTPUT_DIR"]) / "files"

    def put(self, digest: str, relative: str, data: bytes) -> None:
        """Write the file unless it is there already; an existing file is never replaced."""
        target = self.root() / relative
        if target.exists():
            return
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

    def discard(self, digest: str, relative: str) -> None:
        """Delete the file once the transaction that gave it up commits (never if it rolls back)."""
        path = self.root() / relative
        after_commit(lambda: path.unlink(missing_ok=True))

    def chunks(self, digest: str, relative: str) -> Iterator[bytes]:
        """Yield the file in chunks."""
        with open(self.root() / relative, "rb") as fh:
            while block := fh.read(CHUNK):
                yield block


class DatabaseBackend:
    """Chunks in the stored_chunk table, written in the caller's transaction, so no host needs a shared disk."""

    def put(self, digest: str, relative: str, data: bytes) -> None:
        """Add the file's chunks unless they are there already (content-addressed: never overwritten)."""
        if db.session.scalar(select(exists().where(StoredChunk.sha256 == digest))):
            return
        for seq, start in enumerate(range(0, max(len(data), 1), CHUNK)):
            db.session.add(StoredChunk(sha256=digest, seq=seq, data=data[start:start + CHUNK]))
        db.session.flush()

    def discard(self, digest: str, relative: str) -> None:
        """Delete the file's chunks in the caller's transaction."""
        db.session.execute(delete(StoredChunk).where(StoredChunk.sha256 == digest))

    def chunks(self, digest: str, relative: str) -> Iterator[bytes]:
        """Yield the file's chunks in order, one row at a time."""
        seqs = list(db.session.scalars(select(StoredChunk.seq).where(StoredChunk.sha256 == digest).order_by(StoredChunk.seq)))
        for seq in seqs:
            yield db.session.scalar(select(StoredChunk.data).where(StoredChunk.sha256 == digest, StoredChunk.seq == seq))


BACKENDS: dict[str, type[FilesBackend] | type[DatabaseBackend]] = {"files": FilesBackend, "database": DatabaseBackend}

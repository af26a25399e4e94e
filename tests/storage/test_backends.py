"""Stored files are content-addressed and never overwritten, on disk or in the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.storage import PDF, StorageCorrupted, StoredChunk, StoredFile, store
from app.storage.backends import CHUNK


@pytest.fixture(params=["files", "database"])
def backend(app, request):
    app.config["STORAGE_BACKEND"] = request.param
    return request.param


def test_a_file_is_kept_once_and_read_back_whole(app, backend):
    data = os.urandom(3 * CHUNK + 123)  # several chunks, the last one short
    with app.app_context():
        first = store(data, PDF)
        again = store(data, PDF)
        db.session.commit()
        assert first.id == again.id
        assert db.session.get(StoredFile, first.id).read() == data
        chunks = db.session.scalar(select(func.count()).select_from(StoredChunk))
    on_disk = Path(app.config["OUTPUT_DIR"]) / "files" / first.path
    if backend == "database":
        assert chunks == 4
        assert not on_disk.exists()  # another host reads it from the database alone
    else:
        assert chunks == 0 and on_disk.read_bytes() == data


def test_an_empty_file_is_kept_too(app, backend):
    with app.app_context():
        stored = store(b"", PDF)
        db.session.commit()
        assert stored.read() == b""


def test_a_changed_chunk_is_refused_not_served(app):
    app.config["STORAGE_BACKEND"] = "database"
    with app.app_context():
        stored = store(b"the agreed record", PDF)
        db.session.commit()
        db.session.execute(update(StoredChunk).values(data=b"the forged record"))
        db.session.commit()
        with pytest.raises(StorageCorrupted):
            db.session.get(StoredFile, stored.id).read()


def test_an_unknown_backend_is_refused_at_start(settings, tmp_path):
    from app import create_app

    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        create_app(dict(settings, STORAGE_BACKEND="s3", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}"))

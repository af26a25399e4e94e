"""A PDF's page count is known by its SHA-256: the signing page asks on every view and reads no file to answer."""

from __future__ import annotations

import hashlib
import shutil
from collections import OrderedDict
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.documents import pages
from app.documents.pages import CachedPdf, page_count


def _pdf(pages: int) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    buffer = BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def test_a_page_count_is_counted_once_then_known_by_the_pdfs_hash(app, tmp_path):
    data = _pdf(3)
    source = tmp_path / "three.pdf"
    source.write_bytes(data)
    pdf = CachedPdf(source, hashlib.sha256(data).hexdigest())
    with app.app_context():
        assert page_count(pdf) == 3
        cached = Path(app.config["OUTPUT_DIR"]) / "cache" / "pages" / pdf.sha256
        assert (cached / "count").read_text() == "3"  # kept on disk too, for the next process
        source.unlink()
        shutil.rmtree(cached)
        assert page_count(pdf) == 3  # neither the PDF nor the marker is read again
        assert not cached.exists()


def test_the_counts_kept_forget_the_least_recently_asked_first(app, tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "COUNTS_KEPT", 2)
    monkeypatch.setattr(pages, "_counts", OrderedDict())  # whatever earlier tests counted
    made = {}
    for n in (1, 2, 3):
        data = _pdf(n)
        source = tmp_path / f"{n}.pdf"
        source.write_bytes(data)
        made[n] = CachedPdf(source, hashlib.sha256(data).hexdigest())
    with app.app_context():
        folder = Path(app.config["OUTPUT_DIR"]) / "cache" / "pages"
        assert [page_count(made[n]) for n in (1, 2, 1, 3)] == [1, 2, 1, 3]  # 2 is now the least recent
        for n in (1, 2):  # only what this process keeps can answer now
            made[n].path.unlink()
            shutil.rmtree(folder / made[n].sha256)
        assert page_count(made[1]) == 1  # kept: asked again after 2
        with pytest.raises(FileNotFoundError):  # forgotten, so counted again from a PDF no longer there
            page_count(made[2])

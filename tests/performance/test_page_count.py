"""A PDF's page count is known by its SHA-256: the signing page asks on every view and reads no file to answer."""

from __future__ import annotations

import hashlib
import shutil
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium

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

"""Page images of a stored PDF, rendered once with pdfium and kept under OUTPUT_DIR/cache."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Protocol

import pypdfium2 as pdfium
from flask import current_app

from ..conversion.checks import PDFIUM_LOCK as _lock  # pdfium is not thread-safe, even across documents


class PdfSource(Protocol):
    """A PDF known by its SHA-256: a stored file, or a preview in the cache."""

    sha256: str

    def read(self) -> bytes: ...


@dataclass(frozen=True)
class CachedPdf:
    """A PDF kept outside stored files (a preview), read from its path."""

    path: Path
    sha256: str

    def read(self) -> bytes:
        return self.path.read_bytes()


SCALE = 1.5  # 108 dpi: legible on a phone, light enough for a slow school network


def _folder(pdf: PdfSource) -> Path:
    return Path(current_app.config["OUTPUT_DIR"]) / "cache" / "pages" / pdf.sha256


# Page counts by SHA-256, in this process: a PDF known by its hash never changes, nor does its count, and
# the signing page asks on every view (reading the marker file cost two system calls each time). The
# least recently asked is forgotten first, so the documents being signed now stay known.
_counts: OrderedDict[str, int] = OrderedDict()
_counts_lock = threading.Lock()
COUNTS_KEPT = 10_000


def page_count(pdf: PdfSource) -> int:
    """Return how many pages the PDF has."""
    with _counts_lock:
        count = _counts.get(pdf.sha256)
        if count is not None:
            _counts.move_to_end(pdf.sha256)
            return count
    count = _counted(pdf)
    with _counts_lock:
        _counts[pdf.sha256] = count
        while len(_counts) > COUNTS_KEPT:
            _counts.popitem(last=False)
    return count


def _counted(pdf: PdfSource) -> int:
    marker = _folder(pdf) / "count"
    if marker.exists():
        return int(marker.read_text())
    with _lock:
        document = pdfium.PdfDocument(pdf.read())
        try:
            count = len(document)
        finally:
            document.close()
    _write(marker, str(count).encode())
    return count


def page_png(pdf: PdfSource, number: int) -> Path:
    """Return the path of page number (1-based) as a PNG, rendering it on first use."""
    target = _folder(pdf) / f"{number}.png"
    if target.exists():
        return target
    with _lock:
        document = pdfium.PdfDocument(pdf.read())
        try:
            image = document[number - 1].render(scale=SCALE).to_pil()
        finally:
            document.close()
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    _write(target, buffer.getvalue())
    return target


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)

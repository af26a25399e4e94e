"""Checks on what goes into LibreOffice and what comes out: it can exit 0 without output."""

from __future__ import annotations

import io
import threading
import zipfile

import pypdfium2

# PDFium must never be called from two threads at once, not even for different documents
# (https://pypdfium2-team.github.io/pypdfium2/python_api.html#incompatibility-with-threading).
PDFIUM_LOCK = threading.Lock()


def docx_problem(docx: bytes) -> str | None:
    """Say why these bytes cannot be a .docx document, or return None."""
    if not docx:
        return "the document is empty"
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            if "word/document.xml" not in archive.namelist():
                return "the document is not a .docx file (it has no word/document.xml)"
    except zipfile.BadZipFile:
        return "the document is not a .docx file (it is not a ZIP archive)"
    return None


def pdf_problem(pdf: bytes | None) -> str | None:
    """Say why these bytes are not a complete PDF with at least one page, or return None."""
    if not pdf:
        return "LibreOffice wrote no PDF"
    if not pdf.startswith(b"%PDF-"):
        return "LibreOffice's output does not start with %PDF-"
    if not pdf.rstrip().endswith(b"%%EOF"):
        return "LibreOffice's PDF is truncated (it does not end with %%EOF)"
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as error:
            return f"LibreOffice's PDF cannot be opened: {error}"
        try:
            pages = len(document)
        finally:
            document.close()
    if pages < 1:
        return "LibreOffice's PDF has no pages"
    return None

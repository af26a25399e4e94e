"""LibreOffice is given a document with only the styles it uses, and lays it out again for its indexes only
when it has one: the same PDF, pixel for pixel, sooner."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import ImageChops

from app.conversion import ConverterPool
from app.conversion import pool as pool_module
from app.conversion import worker as worker_module
from app.conversion.fields import has_index
from app.conversion.styles import STYLES_PART

from .helpers import pdf_text

FORMS = sorted((Path(__file__).resolve().parents[2] / "document_templates" / "forms").rglob("*.docx"))


def styles_size(docx: bytes) -> int:
    return len(zipfile.ZipFile(io.BytesIO(docx)).read(STYLES_PART))


def pages(pdf: bytes) -> list[Any]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].render(scale=1.5).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


def test_libreoffice_is_given_the_document_with_only_the_styles_it_uses(
    shared_pool: ConverterPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = FORMS[0].read_bytes()
    given: list[bytes] = []
    convert = worker_module.Worker.convert

    def seen(self: worker_module.Worker, docx: bytes, *args: Any) -> bytes:
        given.append(docx)
        return convert(self, docx, *args)

    monkeypatch.setattr(worker_module.Worker, "convert", seen)
    pdf = shared_pool.convert_docx_to_pdf(form)

    (docx,) = given
    assert styles_size(docx) < styles_size(form) / 4  # Word's 160 built-in styles are not read
    assert pdf_text(pdf).strip()


@pytest.mark.parametrize("form", FORMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_bundled_form_converts_to_the_same_pages_pixel_for_pixel_with_only_its_styles_and_no_index_update(
    shared_pool: ConverterPool, monkeypatch: pytest.MonkeyPatch, form: Path
) -> None:
    docx = form.read_bytes()
    assert not has_index(docx)
    cut = shared_pool.convert_docx_to_pdf(docx)
    monkeypatch.setattr(pool_module, "only_used_styles", lambda docx: docx)
    monkeypatch.setattr(worker_module, "has_index", lambda docx: True)
    whole = shared_pool.convert_docx_to_pdf(docx)

    with_all, with_used = pages(whole), pages(cut)
    assert len(with_used) == len(with_all)
    for number, (a, b) in enumerate(zip(with_all, with_used, strict=True), start=1):
        assert ImageChops.difference(a, b).getbbox() is None, f"page {number} differs"
    assert pdf_text(cut) == pdf_text(whole)

"""A filled form's text for the signing page: mammoth reads only the styles the document uses, and says the same."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import mammoth
import pytest

from app.conversion.styles import STYLES_PART, only_used_styles
from app.rendering.html import STYLE_MAP, docx_to_html

FORMS = sorted((Path(__file__).resolve().parents[2] / "document_templates" / "forms").rglob("*.docx"))


@pytest.mark.parametrize("form", FORMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cutting_the_styles_to_those_used_changes_no_word_of_the_text(form):
    docx = form.read_bytes()
    cut = only_used_styles(docx)
    assert len(zipfile.ZipFile(io.BytesIO(cut)).read(STYLES_PART)) < len(zipfile.ZipFile(io.BytesIO(docx)).read(STYLES_PART))
    before = mammoth.convert_to_html(io.BytesIO(docx), style_map=STYLE_MAP)
    after = mammoth.convert_to_html(io.BytesIO(cut), style_map=STYLE_MAP)
    assert after.value == before.value
    assert {m.message for m in after.messages} <= {m.message for m in before.messages}  # no style it cannot find


def test_headings_keep_their_level_when_their_style_is_based_on_another(tmp_path):
    from docx import Document

    made = Document()
    made.add_heading("Terms of supervision", level=1)
    made.add_paragraph("We meet each half term.")
    made.add_paragraph("Confidential", style="Title")
    out = io.BytesIO()
    made.save(out)
    html = docx_to_html(out.getvalue())
    assert "<h3>Terms of supervision</h3>" in html  # Heading 1, two levels down under the page's own
    assert "<h3>Confidential</h3>" in html  # Title, mapped to h1, then shifted
    assert "<p>We meet each half term.</p>" in html


@pytest.mark.parametrize("damage", ["not a zip", "no styles", "bad xml"])
def test_a_document_whose_styles_cannot_be_read_is_given_to_mammoth_as_it_is(damage):
    out = io.BytesIO()
    if damage == "not a zip":
        assert only_used_styles(b"PK not really") == b"PK not really"
        return
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'/>")
        if damage == "bad xml":
            z.writestr(STYLES_PART, "<w:styles unclosed")
    assert only_used_styles(out.getvalue()) == out.getvalue()


def test_documents_sharing_a_styles_part_each_keep_the_styles_they_use():
    from docx import Document

    def made(heading: bool) -> bytes:
        document = Document()  # python-docx's own template: the same styles part each time
        if heading:
            document.add_heading("Agreed actions", level=2)
        document.add_paragraph("Review at the next session.")
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    plain, with_heading = made(heading=False), made(heading=True)
    assert zipfile.ZipFile(io.BytesIO(plain)).read(STYLES_PART) == zipfile.ZipFile(io.BytesIO(with_heading)).read(STYLES_PART)

    assert "<h" not in docx_to_html(plain)
    assert "<h4>Agreed actions</h4>" in docx_to_html(with_heading)  # Heading 2, not cut away as the first needed
    assert "<h" not in docx_to_html(plain)  # and the first's again, as it was

"""A table of contents is brought up to date when a document has one, and only then."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from app.conversion import ConverterPool
from app.conversion.fields import has_index

from .helpers import pdf_text

STALE = "No table of contents entries found."


def document(*instructions: str, heading: str = "Terms of supervision", split: bool = False) -> bytes:
    """A document whose first paragraph holds complex fields with these instructions, then a heading."""
    made = Document()
    paragraph = made.add_paragraph()

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    def instruction(text: str) -> None:
        element = OxmlElement("w:instrText")
        element.set(qn("xml:space"), "preserve")
        element.text = text
        paragraph.add_run()._r.append(element)

    for text in instructions:
        char("begin")
        for piece in ([text[:2], text[2:]] if split else [text]):  # Word splits an instruction over runs
            instruction(piece)
        char("separate")
        paragraph.add_run(STALE)
        char("end")
    made.add_heading(heading, level=1)
    made.add_paragraph("We meet each half term.")
    out = io.BytesIO()
    made.save(out)
    return out.getvalue()


def test_a_table_of_contents_is_brought_up_to_date_with_the_document_it_is_in(shared_pool: ConverterPool) -> None:
    text = pdf_text(shared_pool.convert_docx_to_pdf(document(' TOC \\o "1-3" \\h \\z \\u ')))

    assert STALE not in text
    assert text.count("Terms of supervision") == 2  # its entry, and the heading itself


@pytest.mark.parametrize(
    ("instructions", "split", "expected"),
    [
        ([' TOC \\o "1-3" '], False, True),
        ([' TOC \\o "1-3" '], True, True),
        ([" toc "], False, True),
        ([' INDEX \\e "\t" '], False, True),
        ([" TOA \\c 1 "], False, True),
        ([" BIBLIOGRAPHY "], False, True),
        ([" PAGE ", " NUMPAGES "], False, False),
        ([" DATE \\@ \"d MMMM yyyy\" "], False, False),
        ([], False, False),
    ],
)
def test_which_fields_are_indexes(instructions: list[str], split: bool, expected: bool) -> None:
    assert has_index(document(*instructions, split=split)) is expected




def with_paragraph(inner: str) -> bytes:
    """A document whose first paragraph is this XML (w: prefixed)."""
    with zipfile.ZipFile(io.BytesIO(document())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    body = parts["word/document.xml"].decode().replace("<w:body>", f"<w:body><w:p>{inner}</w:p>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in parts.items():
            target.writestr(name, body.encode() if name == "word/document.xml" else data)
    return out.getvalue()


def run(kind: str = "", instruction: str = "", text: str = "") -> str:
    if kind:
        return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'
    if instruction:
        return f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
    return f"<w:r><w:t>{text}</w:t></w:r>"


@pytest.mark.parametrize(("inner", "expected"), [("TOC", True), ("PAGE", False)])
def test_a_field_inside_another_field_is_read_too(inner: str, expected: bool) -> None:
    paragraph = "".join([
        run("begin"), run(instruction=" IF "),
        run("begin"), run(instruction=f" {inner} "), run("separate"), run(text="1"), run("end"),
        run(instruction=' > 0 "yes" "no" '), run("separate"), run(text="yes"), run("end"),
    ])
    assert has_index(with_paragraph(paragraph)) is expected


def test_a_simple_field_is_read_too() -> None:
    assert has_index(with_paragraph('<w:fldSimple w:instr=" TOC \\o &quot;1-3&quot; "><w:r><w:t>x</w:t></w:r></w:fldSimple>'))
    assert not has_index(with_paragraph('<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


@pytest.mark.parametrize("damaged", [b"not a zip", b"PK\x03\x04 truncated"])
def test_a_document_that_cannot_be_read_is_treated_as_having_one(damaged: bytes) -> None:
    assert has_index(damaged)

"""Helpers for the rendering tests: a contract context, small templates, reading a .docx back."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "document_templates"
PROFILE_PATH = TEMPLATES / "trusts" / "heart-of-mercia.toml"


def profile() -> dict[str, Any]:
    return tomllib.loads(PROFILE_PATH.read_text(encoding="utf-8"))


def contract_path() -> Path:
    return TEMPLATES / profile()["templates"]["contract"]


def contract_context(*, signed: bool = False, **overrides: Any) -> dict[str, Any]:
    """Return the context the app passes for a Heart of Mercia contract; overrides replace keys."""
    data = profile()
    terms = {k: v for k, v in data["defaults"].items() if isinstance(v, str)}
    terms.update(overrides.pop("terms", {}))
    supervisor = overrides.pop("supervisor", {"name": "Alex Morgan", "email": "alex.morgan@example.org"})
    supervisee = overrides.pop("supervisee", {"name": "Sam Patel", "email": "sam.patel@example.org"})
    context: dict[str, Any] = {
        "trust": {"name": data["name"]},
        "supervisor": supervisor,
        "supervisee": supervisee,
        "agreed_date": "23 November 2026",
        "review_date": "23 November 2027",
        "terms": terms,
        "signed": {
            "supervisor": {"name": supervisor["name"], "date": "24 November 2026", "place": ""} if signed else {"name": "", "date": "", "place": ""},
            "supervisee": {"name": supervisee["name"], "date": "25 November 2026", "place": ""} if signed else {"name": "", "date": "", "place": ""},
        },
        "document": {"title": "Supervision contract", "reference": "CS-000123 v2"},
    }
    context.update(overrides)
    return context


def make_template(path: Path, *paragraphs: str, header: str | None = None) -> Path:
    """Write a .docx whose body has one single-run paragraph per string."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    doc.save(str(path))
    return path


def paragraphs(docx: bytes) -> list[Paragraph]:
    """Every paragraph of the body in order, including those inside table cells."""
    doc = Document(io.BytesIO(docx))
    found: list[Paragraph] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, Table):
                seen: set[int] = set()
                for row in block.rows:
                    for cell in row.cells:
                        if id(cell._tc) not in seen:  # a merged cell repeats across its columns
                            seen.add(id(cell._tc))
                            walk(cell)
            else:
                found.append(block)

    walk(doc)
    return found


def texts(docx: bytes) -> list[str]:
    return [p.text for p in paragraphs(docx)]


def all_text(docx: bytes) -> str:
    """The text of body, tables, headers and footers, one paragraph a line."""
    doc = Document(io.BytesIO(docx))
    lines = texts(docx)
    for section in doc.sections:
        for part in (section.header, section.footer):
            lines.extend(p.text for p in part.paragraphs)
    return "\n".join(lines)


def part_xml(docx: bytes, name: str) -> etree._Element:
    """Parse one part strictly (raises if the XML is not well-formed)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return etree.fromstring(package.read(name), etree.XMLParser(resolve_entities=False))


def xml_parts(docx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]


def assert_no_tags(docx: bytes) -> None:
    text = all_text(docx)
    for marker in ("{{", "}}", "{%", "%}"):
        assert marker not in text


def cell_rows(docx: bytes, table: int) -> list[list[str]]:
    """The text of each row of a top-level table, a merged cell once."""
    found = []
    for row in Document(io.BytesIO(docx)).tables[table].rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        found.append(cells)
    return found


def _rows(docx: bytes, table: int, *, header: bool) -> list[list[str]]:
    """The text of each header row (header=True) or each other row of a top-level table, a merged cell once."""
    found = []
    for row in Document(io.BytesIO(docx)).tables[table].rows:
        properties = row._tr.trPr
        if (properties is not None and properties.find(qn("w:tblHeader")) is not None) != header:
            continue
        cells, kept = [], []  # kept holds each cell's element, so a merged cell is recognised as one
        for cell in row.cells:
            if not any(cell._tc is seen for seen in kept):
                kept.append(cell._tc)
                cells.append(cell.text)
        found.append(cells)
    return found


def header_rows(docx: bytes, table: int) -> list[list[str]]:
    """The text of a top-level table's header rows (Word's "Repeat as header row")."""
    return _rows(docx, table, header=True)


def body_rows(docx: bytes, table: int) -> list[list[str]]:
    """The text of a top-level table's rows below its header rows."""
    return _rows(docx, table, header=False)

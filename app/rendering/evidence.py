"""Append the evidence page (who agreed, when, from where, hashes) to a rendered form."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from . import wording
from .forms import RenderError

MONOSPACE = "Courier New"  # LibreOffice substitutes the metric-compatible Liberation Mono
SIZE = Pt(8.5)
LABEL_WIDTH = Cm(4.2)
BORDER = "A6A6A6"
SHADE = "EDEDED"
GREY = RGBColor(0x40, 0x40, 0x40)
# Characters XML cannot carry; a hostile user agent may contain them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class EvidenceParty:
    """One party's agreement, each value already formatted ("—" when unknown)."""

    name: str
    email: str
    role: str
    sent_at: str
    first_viewed_at: str
    agreed_at: str
    ip: str
    user_agent: str


@dataclass(frozen=True)
class Evidence:
    """What the evidence page of a sealed document shows."""

    title: str
    document_id: str
    version: int
    trust_name: str
    parties: Sequence[EvidenceParty]
    agreed_sha256: str
    audit_head: str
    verify_url: str
    sealed_at: str


def append_evidence_page(docx: bytes, evidence: Evidence) -> bytes:
    """Return docx with an evidence page added at its end, on a page of its own."""
    try:
        doc = Document(io.BytesIO(docx))
    except (PackageNotFoundError, ValueError, KeyError) as exc:
        raise RenderError("evidence page", f"not a readable Word document ({exc})") from exc
    width = _text_width(doc)

    heading = _paragraph(doc, wording.HEADING, bold=True, size=Pt(14), after=Pt(4))
    heading.paragraph_format.page_break_before = True
    heading.paragraph_format.keep_with_next = True
    _paragraph(doc, wording.INTRO, size=SIZE, after=Pt(8))

    _subheading(doc, wording.DOCUMENT_HEADING)
    values = (
        evidence.title,
        evidence.document_id,
        str(evidence.version),
        evidence.trust_name,
        evidence.sealed_at,
    )
    _table(doc, width, [(label, value, False) for label, value in zip(wording.DOCUMENT_ROWS, values, strict=True)])

    _subheading(doc, wording.PARTIES_HEADING)
    rows: list[tuple[str, str, bool] | str] = []
    for party in evidence.parties:
        rows.append(f"{party.role}: {party.name}")
        values = (
            party.name,
            party.email,
            party.role,
            party.sent_at,
            party.first_viewed_at,
            party.agreed_at,
            party.ip,
            party.user_agent,
        )
        rows.extend(
            (label, value, label in ("IP address", "User agent"))
            for label, value in zip(wording.PARTY_ROWS, values, strict=True)
        )
    _table(doc, width, rows)

    _subheading(doc, wording.INTEGRITY_HEADING)
    hashes = (evidence.agreed_sha256, evidence.audit_head)
    values = (*hashes, evidence.verify_url)
    _table(
        doc,
        width,
        [(label, value, value in hashes) for label, value in zip(wording.INTEGRITY_ROWS, values, strict=True)],
    )

    _paragraph(
        doc,
        wording.SEAL.format(
            trust=_clean(evidence.trust_name),
            sealed_at=_clean(evidence.sealed_at),
            verify_url=_clean(evidence.verify_url),
        ),
        size=SIZE,
        before=Pt(10),
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _clean(value: str) -> str:
    """Make a value safe to hand python-docx (which escapes markup, not control characters)."""
    return NOT_XML.sub("\ufffd", str(value))


def _text_width(doc: DocumentObject) -> Length:
    section = doc.sections[-1]
    if section.page_width and section.left_margin is not None and section.right_margin is not None:
        return Emu(section.page_width - section.left_margin - section.right_margin)
    return Cm(17)


def _paragraph(
    doc: DocumentObject,
    text: str,
    *,
    bold: bool = False,
    size: Length = SIZE,
    before: Length = Pt(0),
    after: Length = Pt(0),
) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = before
    paragraph.paragraph_format.space_after = after
    run = paragraph.add_run(_clean(text))
    run.bold = bold or None
    run.font.size = size
    return paragraph


def _subheading(doc: DocumentObject, text: str) -> None:
    paragraph = _paragraph(doc, text, bold=True, size=Pt(10.5), before=Pt(8), after=Pt(3))
    paragraph.paragraph_format.keep_with_next = True


def _table(doc: DocumentObject, width: Length, rows: Sequence[tuple[str, str, bool] | str]) -> Table:
    """Add a two-column label/value table of fixed width; a plain string is a shaded party row."""
    table = doc.add_table(rows=len(rows), cols=2)
    _fix(table, (LABEL_WIDTH, Emu(width - LABEL_WIDTH)))
    for index, row in enumerate(rows):
        label_cell, value_cell = table.rows[index].cells
        if isinstance(row, str):
            merged = label_cell.merge(value_cell)
            _shade(merged)
            _write(merged, row, bold=True)
            continue
        label, value, monospace = row
        _write(label_cell, label, colour=GREY)
        _write(value_cell, value, monospace=monospace)
    return table


def _write(
    cell: _Cell, text: str, *, bold: bool = False, monospace: bool = False, colour: RGBColor | None = None
) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(_clean(text))
    run.font.size = SIZE
    run.bold = bold or None
    if monospace:
        run.font.name = MONOSPACE
    if colour is not None:
        run.font.color.rgb = colour


def _fix(table: Table, widths: Sequence[Length]) -> None:
    """Fix the table's layout and widths and draw thin borders, relying on no named style."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblBorders", "w:tblCellMar"):
        for old in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(old)
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))
    total.set(qn("w:type"), "dxa")
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", BORDER)):
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    margins = OxmlElement("w:tblCellMar")
    for edge, twips in (("top", 28), ("left", 85), ("bottom", 28), ("right", 85)):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # Schema order inside tblPr: tblStyle, ..., tblW, ..., tblBorders, ..., tblLayout, tblCellMar, tblLook.
    look = tbl_pr.find(qn("w:tblLook"))
    for element in (total, borders, layout, margins):
        if look is not None:
            look.addprevious(element)
        else:
            tbl_pr.append(element)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _shade(cell: _Cell) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), SHADE)
    cell._tc.get_or_add_tcPr().append(shading)

"""Building blocks for the Word forms: page set-up, runs that keep each Jinja tag whole, tables."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent.parent
FONT = "Calibri"  # LibreOffice substitutes the metric-compatible Carlito
GREY = RGBColor(0x59, 0x59, 0x59)
BORDER = "808080"
SHADE = "E7E6E6"
TEXT_WIDTH_CM = 17.0  # A4 (21 cm) less two 2 cm margins
FIXED_TIME = (2024, 3, 1, 0, 0, 0)  # zip entry times, so a rebuild of an unchanged form is identical



# --- Building blocks --------------------------------------------------------------------------


def new_form(*, title: str) -> DocumentObject:
    """Return an empty A4 document with the shared styles, header and footer."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)
    section.header_distance, section.footer_distance = Cm(0.9), Cm(0.8)

    normal = doc.styles["Normal"]
    set_font(normal.element.get_or_add_rPr())
    normal.font.size = Pt(11)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.08
    defaults_rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_font(defaults_rpr)
    bullet = doc.styles["List Bullet"].paragraph_format
    bullet.space_after = Pt(3)

    header = section.header.paragraphs[0]
    header.style = doc.styles["Normal"]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    write(header, "{{ trust.name }}", size=9, colour=GREY)

    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Normal"]
    footer.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    write(footer, "{{ document.title }} · {{ document.reference }}", size=8, colour=GREY)
    write(footer, "\tPage ", size=8, colour=GREY)
    field(footer, "PAGE", size=8)
    write(footer, " of ", size=8, colour=GREY)
    field(footer, "NUMPAGES", size=8)

    props = doc.core_properties
    props.title, props.subject, props.author = title, "", "Countersign"
    props.comments, props.keywords, props.category, props.last_modified_by = "", "", "", ""
    props.created = props.modified = datetime(*FIXED_TIME)
    props.revision = 1
    return doc


def set_font(rpr: object) -> None:
    """Name Calibri for every script in a run-properties element, in British English."""
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)  # type: ignore[attr-defined]
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for script in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{script}"), FONT)
    lang = rpr.find(qn("w:lang"))  # type: ignore[attr-defined]
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)  # type: ignore[attr-defined]
    lang.set(qn("w:val"), "en-GB")


def write(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    colour: RGBColor | None = None,
) -> None:
    """Append text to a paragraph as one run, so any tag in it stays whole."""
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size is not None:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour


def field(paragraph: Paragraph, instruction: str, *, size: float) -> None:
    """Append a simple field (PAGE, NUMPAGES) that Word and LibreOffice fill in."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(GREY))
    half_points = OxmlElement("w:sz")
    half_points.set(qn("w:val"), str(int(size * 2)))
    rpr.extend([colour, half_points])
    text = OxmlElement("w:t")
    text.text = "1"
    run.extend([rpr, text])
    simple.append(run)
    paragraph._p.append(simple)


def bullets(cell: _Cell, lines: Sequence[str]) -> None:
    """Fill a cell with a real bulleted list (Word's List Bullet style), one run per item."""
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.style = "List Bullet"
        write(paragraph, line)


def signature(cell: _Cell, role: str) -> None:
    """Write a party's agreement: the name, and a note shown only once they have agreed."""
    write(cell.paragraphs[0], "{{ signed.%s.name }}" % role)
    cell.add_paragraph("{%%p if signed.%s.name %%}" % role)
    write(cell.add_paragraph(), "Agreed electronically", italic=True, size=8, colour=GREY)
    cell.add_paragraph("{%p endif %}")


def merge_row(table: Table, row: int, *, first: int = 0) -> _Cell:
    """Merge a row's cells from column first to the last; return the merged cell."""
    cells = table.rows[row].cells
    return cells[first].merge(cells[-1])


def fix_table(table: Table, widths_cm: Sequence[float]) -> None:
    """Give a table fixed column widths and thin borders on every edge."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblBorders", "w:tblCellMar"):
        for old in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(sum(widths_cm) * 567)))
    width.set(qn("w:type"), "dxa")
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "6"), ("space", "0"), ("color", BORDER)):
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    margins = OxmlElement("w:tblCellMar")
    for edge, twips in (("top", 57), ("left", 108), ("bottom", 57), ("right", 108)):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # Keep the schema's order inside tblPr (tblW, tblBorders, tblLayout, tblCellMar, tblLook):
    # Word rejects a document whose elements are out of order.
    look = tbl_pr.find(qn("w:tblLook"))
    for element in (width, borders, layout, margins):
        if look is not None:
            look.addprevious(element)
        else:
            tbl_pr.append(element)
    for column, width_cm in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width_cm)
        for cell in column.cells:
            cell.width = Cm(width_cm)


def shade(cell: _Cell, fill: str = SHADE) -> None:
    """Fill a cell's background."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def save(doc: DocumentObject, path: Path) -> None:
    """Save with fixed zip entry times, so rebuilding an unchanged form changes no bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(item.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())



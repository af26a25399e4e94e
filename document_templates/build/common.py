"""Building blocks for the Word forms: page set-up, runs that keep each Jinja tag whole, tables.

Two families of blocks sit on top of the basic ones: blocks for forms laid out with Word's headings
and captioned tables (generic.py, heart_of_mercia.py, inspire.py), and blocks for forms that follow
a policy's printed layout, each paragraph's spacing set (farrington.py, river_tees.py).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent.parent
FONT = "Calibri"  # LibreOffice substitutes the metric-compatible Carlito
GREY = RGBColor(0x59, 0x59, 0x59)
BORDER = "808080"
SHADE = "E7E6E6"
TEXT_WIDTH_CM = 17.0  # A4 (21 cm) less two 2 cm margins
FIXED_TIME = (2024, 3, 1, 0, 0, 0)  # zip entry times, so a rebuild of an unchanged form is identical
BLACK = RGBColor(0, 0, 0)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
# Countersign's own caption for a table of signatures where the trust's form prints none: every
# table has a header row, so a screen reader announces what the table holds.
AGREEMENT_CAPTION = "Agreement"
CASE_CAPTION = "The case"
PARTIES_CAPTION = "Parties"
# Countersign's own requirement, printed beside every case (not any trust's wording): supervision
# records must not name a child.
ANONYMISED_NOTE = "Use an anonymised case reference (initials or case-system id), never a child's name"


# --- Building blocks -----------------------------------------------------------------------------


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
    headings(doc)

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


def place(paragraph: Paragraph, who: str) -> None:
    """Mark where a party's agreement is stamped on the sealed copy: a 1 pt white run at the cell's top left.

    At preparation the app fills it with a marker it then finds in the PDF (docs/templates.md).
    """
    write(paragraph, "{{ %s.place }}" % who, size=1, colour=WHITE)


def signature(cell: _Cell, role: str) -> None:
    """Write a party's signature place: the marker, the name, and a note shown only once they have agreed."""
    place(cell.paragraphs[0], "signed.%s" % role)
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


# --- Blocks for forms with headings and captioned tables (generic, Heart of Mercia, Inspire) -----


def headings(doc: DocumentObject) -> None:
    """Restyle Word's Heading 1 and 2 in the form's font, black: real headings, for screen readers."""
    for level, size, before in ((1, 16, 0), (2, 12, 12)):
        style = doc.styles[f"Heading {level}"]
        set_font(style.element.get_or_add_rPr())
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = BLACK
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True


def heading(doc: DocumentObject, text: str, level: int = 2) -> Paragraph:
    """Add a heading paragraph (style Heading level) as one run."""
    paragraph = doc.add_paragraph(style=f"Heading {level}")
    write(paragraph, text)
    return paragraph


def para(
    container: object,
    text: str = "",
    *,
    style: str | None = None,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    colour: RGBColor | None = None,
    after: float | None = None,
) -> Paragraph:
    """Add a paragraph of one run to a document or cell."""
    paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    if style is not None:
        paragraph.style = style
    if text:
        write(paragraph, text, bold=bold, italic=italic, size=size, colour=colour)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def tag_paragraph(container: object, text: str) -> None:
    """Add a paragraph holding only a paragraph-level tag ({%p ... %}); docxtpl removes it."""
    container.add_paragraph(text)  # type: ignore[attr-defined]


def first(cell: _Cell, text: str, **style: object) -> Paragraph:
    """Write text into a cell's first (empty) paragraph."""
    paragraph = cell.paragraphs[0]
    write(paragraph, text, **style)  # type: ignore[arg-type]
    return paragraph


def tag_row(table: Table, text: str) -> _Row:
    """Add a row holding only a row-level tag ({%tr ... %}); docxtpl removes the row."""
    row = table.add_row()
    write(row.cells[0].paragraphs[0], text)
    return row


def header_row(row: _Row, captions: Sequence[str]) -> None:
    """Write a shaded, bold header row that Word repeats on every page."""
    for cell, caption in zip(row.cells, captions, strict=True):
        shade(cell)
        first(cell, caption, bold=True)
    repeat_header(row)


def repeat_header(row: _Row) -> None:
    """Mark a row as the table's header ("Repeat as header row"): LibreOffice tags its cells TH."""
    properties = row._tr.get_or_add_trPr()
    if properties.find(qn("w:tblHeader")) is None:
        properties.append(OxmlElement("w:tblHeader"))


def caption_row(table: Table, text: str, *, level: int | None = None, size: float | None = None,
                bold: bool = True, shaded: bool = True) -> _Cell:
    """Put a header row of one cell across the table above its rows, holding text as one run.

    With a level, the text is a heading of that level (Word's Heading style): the table's title is
    then both its header cell and a heading, for screen readers and the tagged PDF alike. Call it
    once the table's rows and widths are set.
    """
    row = table.add_row()
    cells = row.cells
    merged = cells[0].merge(cells[-1]) if len(cells) > 1 else cells[0]
    paragraph = merged.paragraphs[0]
    if level is not None:
        paragraph.style = f"Heading {level}"
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.space_after = Pt(0)
    write(paragraph, text, bold=bold, size=size)
    if shaded:
        shade(merged)
    merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    rows = table._tbl.tr_lst
    rows[0].addprevious(row._tr)  # move it above the first row
    repeat_header(table.rows[0])
    return merged


def vmerge(cells: Sequence[_Cell]) -> None:
    """Merge cells one above another; only the first keeps its text (the rest stay empty)."""
    for index, cell in enumerate(cells):
        cell._tc.vMerge = "restart" if index == 0 else "continue"


def align(table: Table, vertical: WD_CELL_VERTICAL_ALIGNMENT = WD_CELL_VERTICAL_ALIGNMENT.TOP) -> None:
    """Align every cell's content vertically (set last: Word wants vAlign after shading)."""
    for row in table.rows:
        for cell in row.cells:
            cell.vertical_alignment = vertical


def note(container: object, text: str = ANONYMISED_NOTE) -> Paragraph:
    """Add a small grey italic note under a field."""
    return para(container, text, italic=True, size=8, colour=GREY)


def end(doc: DocumentObject) -> None:
    """Word wants a paragraph after a table that ends the body."""
    doc.add_paragraph()


# --- Blocks for forms that follow a policy's printed layout (Farrington, River Tees) -------------


def spaced_para(container, text: str = "", *, bold: bool = False, size: float | None = None,
                before: float = 0, after: float = 4, indent: float | None = None,
                keep: bool = False, style: str | None = None) -> Paragraph:
    """Add a paragraph holding text as one run (a tag in it stays whole), its spacing set."""
    if isinstance(container, _Cell) and len(container.paragraphs) == 1 and not container.paragraphs[0].runs:
        paragraph = container.paragraphs[0]  # a new cell's own empty paragraph
    else:
        paragraph = container.add_paragraph()
    if style:
        paragraph.style = style
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent is not None:
        fmt.left_indent = Cm(indent)
    fmt.keep_with_next = keep or None
    if text:
        write(paragraph, text, bold=bold, size=size)
    return paragraph


def spaced_heading(doc: DocumentObject, text: str, *, level: int, size: float | None = None,
                   before: float = 0, after: float = 4, keep: bool = True) -> Paragraph:
    """Add a heading (Word's Heading style of that level) set out as the policy prints it."""
    return spaced_para(doc, text, bold=True, size=size, before=before, after=after, keep=keep,
                       style=f"Heading {level}")


def spaced_tag(container, tag: str) -> None:
    """Add a paragraph-level tag ({%p ... %}) alone in its paragraph."""
    spaced_para(container, tag, after=0)


def spaced_note(container, text: str) -> None:
    """Add a small grey line: Countersign's wording, set apart from the policy's."""
    paragraph = spaced_para(container, after=2)
    write(paragraph, text, italic=True, size=8, colour=GREY)


def label_row(table: Table, label: str, *, bold: bool = True, shaded: bool = False) -> _Cell:
    """Add a label | value row; return the value cell."""
    cells = table.add_row().cells
    spaced_para(cells[0], label, bold=bold, after=0)
    if shaded:
        shade(cells[0])
    return cells[1]


def wide_tag_row(table: Table, tag: str) -> None:
    """Add a row of one cell across the table holding only a row-level tag ({%tr ... %})."""
    cells = table.add_row().cells
    cells[0].merge(cells[-1]).paragraphs[0].add_run(tag)


def if_empty(cell: _Cell, items: str) -> None:
    """Leave an empty paragraph in a cell whose list is empty: Word requires one in every cell."""
    spaced_tag(cell, "{%%p if not %s %%}" % items)
    spaced_para(cell, after=0)
    spaced_tag(cell, "{%p endif %}")


def cell_list(cell: _Cell, loop: str, items: str, item: str, *, after: float = 2,
              style: str | None = None) -> None:
    """Fill a cell with one paragraph per item; an empty list leaves one empty paragraph."""
    spaced_tag(cell, "{%%p for %s %%}" % loop)
    spaced_para(cell, item, after=after, style=style)
    spaced_tag(cell, "{%p endfor %}")
    if_empty(cell, items)


def agreement(cell: _Cell, who: str, *, dated: bool = False) -> None:
    """Write a party's agreement from a variable (signed.supervisor, a loop's party): the name,
    and once agreed, a note saying so (with the date if dated)."""
    name = spaced_para(cell, after=0)
    place(name, who)
    write(name, "{{ %s.name }}" % who)
    spaced_tag(cell, "{%%p if %s.name %%}" % who)
    spaced_note(cell, "Agreed electronically on {{ %s.date }}" % who if dated else "Agreed electronically")
    spaced_tag(cell, "{%p endif %}")


def record_actions(doc: DocumentObject, *, colon: str = "") -> None:
    """Add the review of last session's actions and the agreed actions, each a table shown only when it has any
    (captions ending in colon, as the form's other labels do)."""
    _actions_after(doc, f"Review of actions from last meeting{colon}", "action in open_actions", "open_actions", (
        ("Action", "{{ action.what }}", 8.4), ("By whom", "{{ action.who }}", 3.4),
        ("By when", "{{ action.due }}", 3.4), ("Done", "{{ action.done }}", 1.8)))
    _actions_after(doc, f"Agreed actions{colon}", "action in actions", "actions", (
        ("Action", "{{ action.what }}", 10.2), ("By whom", "{{ action.who }}", 3.4),
        ("By when", "{{ action.due }}", 3.4)))


def _actions_after(doc: DocumentObject, caption: str, loop: str, items: str,
                   columns: tuple[tuple[str, str, float], ...]) -> None:
    """Add a table of actions, one row per item of loop, shown only when items has any (columns:
    caption, tag, cm). Its caption and column captions are its header rows: a table nested in a
    cell would lose them, as LibreOffice tags no header cells in a nested table."""
    spaced_tag(doc, "{%%p if %s %%}" % items)
    spaced_para(doc, after=4)
    table = doc.add_table(rows=1, cols=len(columns))
    for header, (column, _, _) in zip(table.rows[0].cells, columns, strict=True):
        spaced_para(header, column, bold=True, after=0)
        shade(header)
    repeat_header(table.rows[0])
    wide_tag_row(table, "{%%tr for %s %%}" % loop)
    for value, (_, tag, _) in zip(table.add_row().cells, columns, strict=True):
        spaced_para(value, tag, after=0)
    wide_tag_row(table, "{%tr endfor %}")
    fix_table(table, [width for _, _, width in columns])
    caption_row(table, caption, shaded=False)
    spaced_tag(doc, "{%p endif %}")


def finish_table(table: Table, widths: tuple[float, ...], *, tall_rows: tuple[int, ...] = (),
                 height: float = 1.2) -> None:
    """Fix a table's column widths, align its cells to the top and give tall_rows a minimum height."""
    fix_table(table, widths)
    for index, row in enumerate(table.rows):
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        if index in tall_rows:
            row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST


# --- Saving --------------------------------------------------------------------------------------


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

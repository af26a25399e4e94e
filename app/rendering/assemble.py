"""Assemble the record to seal: the agreed PDF's pages untouched, agreements stamped on top, evidence page, the agreed PDF attached.

Each stamped page keeps its own content streams as they were; the stamps are one Form
XObject per page, drawn by a content stream added after them (wrapped in q/Q so nothing the
page left in its graphics state moves the stamp). signing.record checks exactly that shape.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    RectangleObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from signing.record import ATTACHMENT_DESCRIPTION, GSAVE, STAMP_PREFIX, claim_pdf_a3

from . import wording
from .evidence import draws, register_fonts
from .places import Place
from .tagging import graft

PAD = 3.0
NAME_SIZE = 10.0
INK = colors.Color(0.05, 0.15, 0.4)
GREY = colors.Color(0.3, 0.3, 0.3)


@dataclass(frozen=True)
class Stamp:
    """One party's agreement as stamped: their name and the date they agreed, in each of their places."""

    name: str
    date: str
    places: Sequence[Place]


def assemble(
    agreed: bytes,
    stamps: Sequence[Stamp],
    evidence: bytes,
    *,
    font_dir: Path,
    attachment_name: str = wording.ATTACHMENT_NAME,
    moment: datetime,
) -> bytes:
    """Return the PDF to seal: agreed pages with stamps added, then the evidence pages, the agreed PDF attached."""
    register_fonts(font_dir)
    reader = PdfReader(BytesIO(agreed))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = b"%PDF-1.7"  # PDF/A-3 is based on PDF 1.7 (pypdf would write 1.4)
    producer = reader.metadata.get("/Producer") if reader.metadata else None
    by_page: dict[int, list[tuple[Stamp, Place]]] = {}
    for stamp in stamps:
        for place in stamp.places:
            if 0 <= place.page < len(writer.pages):
                by_page.setdefault(place.page, []).append((stamp, place))
    for index, on_page in sorted(by_page.items()):
        _stamp_page(writer, index, on_page)

    first_evidence = len(writer.pages)
    evidence_reader = PdfReader(BytesIO(evidence))
    for page in evidence_reader.pages:
        writer.add_page(page)
    _copy_outline(writer, evidence_reader, evidence_reader.outline, first_evidence, None)
    graft(writer, evidence_reader, first_evidence)  # its headings and table cells join the record's tags

    _attach(writer, agreed, attachment_name, moment)
    claim_pdf_a3(writer)
    if producer is not None:  # pypdf names itself; PDF/A wants the Info and XMP producers to agree
        writer.add_metadata({"/Producer": producer})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp_page(writer: PdfWriter, index: int, on_page: Sequence[tuple[Stamp, Place]]) -> None:
    """Add the stamps to one page as a Form XObject drawn after the page's own content."""
    page = writer.pages[index]
    box = page.mediabox
    overlay = PdfReader(BytesIO(_overlay((float(box.width), float(box.height)), on_page))).pages[0]
    form = StreamObject()
    form.set_data(overlay.get_contents().get_data())  # type: ignore[union-attr]
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): RectangleObject([0, 0, float(box.width), float(box.height)]),
            NameObject("/Resources"): overlay["/Resources"].clone(writer),
        }
    )
    form_ref = writer._add_object(form)
    name = f"/{STAMP_PREFIX}{index}"
    resources = page.get("/Resources")
    resources = DictionaryObject() if resources is None else resources.get_object()
    if "/Resources" not in page:
        page[NameObject("/Resources")] = resources
    xobjects = resources.get("/XObject")
    if xobjects is None:
        xobjects = DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
    xobjects.get_object()[NameObject(name)] = form_ref

    contents = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
    original = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    gsave, draw = DecodedStreamObject(), DecodedStreamObject()
    gsave.set_data(GSAVE)
    # Move to the media box's origin: the places were measured from it.
    draw.set_data(b"\nQ\nq 1 0 0 1 %s %s cm %s Do Q\n" % (_num(box.left), _num(box.bottom), name.encode()))
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(gsave), *original, writer._add_object(draw)]
    )


def _num(value: object) -> bytes:
    return f"{float(value):.4f}".rstrip("0").rstrip(".").encode()  # type: ignore[arg-type]


@draws
def _overlay(size: tuple[float, float], on_page: Sequence[tuple[Stamp, Place]]) -> bytes:
    """Draw a page's stamps with reportlab: the name, and under it that they agreed and when, fitted to the place."""
    out = BytesIO()
    canvas = Canvas(out, pagesize=size, invariant=True, initialFontName="CSSans")
    for stamp, place in on_page:
        note = wording.STAMP_NOTE.format(date=stamp.date)
        width = max(place.width - 2 * PAD, 10.0)
        height = max(place.height - 2 * PAD, 6.0)
        name_size = min(NAME_SIZE, height / 2.3, _fit("CSSans-Bold", stamp.name, width))
        note_size = min(name_size * 0.75, _fit("CSSans", note, width))
        top = place.y + place.height - PAD
        canvas.setFillColor(INK)
        canvas.setFont("CSSans-Bold", name_size)
        canvas.drawString(place.x + PAD, top - name_size, stamp.name)
        canvas.setFillColor(GREY)
        canvas.setFont("CSSans", note_size)
        canvas.drawString(place.x + PAD, top - name_size - note_size * 1.3, note)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _fit(font: str, text: str, width: float) -> float:
    """Return the largest font size at which text fits the width (a shrunk long name still fits its cell)."""
    at_one = stringWidth(text, font, 1.0)
    return width / at_one if at_one else NAME_SIZE


def _copy_outline(
    writer: PdfWriter, reader: PdfReader, outline: Sequence[object], offset: int, parent: object | None
) -> None:
    """Give the evidence page's headings to the sealed file's outline (bookmarks)."""
    last = parent
    for item in outline:
        if isinstance(item, list):
            _copy_outline(writer, reader, item, offset, last)
            continue
        page = reader.get_destination_page_number(item)  # type: ignore[arg-type]
        last = writer.add_outline_item(title=item.title, page_number=offset + page, parent=parent)  # type: ignore[attr-defined]


def _attach(writer: PdfWriter, agreed: bytes, name: str, moment: datetime) -> None:
    """Embed the agreed PDF as the record's source document (PDF/A-3 associated file, /AFRelationship /Source)."""
    embedded = writer.add_attachment(name, agreed)
    embedded.description = TextStringObject(ATTACHMENT_DESCRIPTION)
    embedded.subtype = NameObject("/application/pdf")
    embedded.associated_file_relationship = NameObject("/Source")
    embedded.size = NumberObject(len(agreed))
    embedded.modification_date = moment
    embedded.checksum = ByteStringObject(hashlib.md5(agreed).digest())  # the /CheckSum PDF defines is MD5
    embedded.alternative_name = TextStringObject(name)
    writer.root_object[NameObject("/AF")] = ArrayObject([embedded.pdf_object.indirect_reference])




"""The parts of a .docx that docxtpl fills in, and a reader's name for every place in them."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from docx.opc.oxml import parse_xml
from docxtpl import DocxTemplate
from lxml import etree

from ..forms import STRICT_XML, W

FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# The core properties docxtpl renders (DocxTemplate.render_properties).
PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")

P, TBL, TR, TC, T = f"{W}p", f"{W}tbl", f"{W}tr", f"{W}tc", f"{W}t"
# Containers Word wraps around blocks, rows or cells without changing what a reader counts.
WRAPPERS = (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag")
MARK = "countersign-mark"
MARK_RE = re.compile(r'<countersign-mark n="(\d+)"/>')
NEWLINE = re.compile(r"\r\n|\r|\n")  # how Jinja counts lines


@dataclass
class Part:
    """One part of the form, marked so Jinja's line numbers lead back to a place in it."""

    label: str  # "body", "header 1", ...
    root: etree._Element  # a copy of the part's XML with a marker after each p, tr and tc
    places: dict[int, str]  # marker number -> human location


def document_parts(template: DocxTemplate) -> Iterator[tuple[str, str, Callable[[], etree._Element]]]:
    """Yield each part docxtpl fills in: its label, the prefix of its locations, and its XML."""
    yield "body", "", lambda: copy.deepcopy(template.docx.element.body)
    for label, uri in (("header", template.HEADER_URI), ("footer", template.FOOTER_URI)):
        for _, part in template.get_headers_footers(uri):
            number = re.search(r"(\d+)\.xml$", str(part.partname))
            name = f"{label} {number.group(1)}" if number else label
            yield name, f"{name}, ", lambda blob=part.blob: parse_xml(blob)
    for part in template.docx.part.package.iter_parts():
        if part.content_type == FOOTNOTES:
            yield "footnotes", "footnote ", lambda blob=part.blob: etree.fromstring(blob, STRICT_XML)


def templated_properties(template: DocxTemplate) -> Iterator[tuple[str, str]]:
    """Yield each core document property docxtpl fills in that holds a tag."""
    properties = template.docx.core_properties
    for prop in PROPERTIES:
        text = getattr(properties, prop) or ""
        if "{" in text:
            yield prop, text


def marked(label: str, prefix: str, root: etree._Element) -> Part:
    """Name every paragraph, row and cell as a reader would, and put a numbered marker after each."""
    names: dict[etree._Element, str] = {}
    if root.tag == f"{W}footnotes":
        notes = [n for n in root if n.tag == f"{W}footnote" and n.get(f"{W}type") in (None, "normal")]
        for number, note in enumerate(notes, 1):
            _name_blocks(note, f"footnote {number}, ", names)
    else:
        _name_blocks(root, prefix, names)
    places: dict[int, str] = {}
    for number, element in enumerate(list(root.iter(P, TR, TC))):
        places[number] = _place(element, names, label)
        marker = etree.Element(MARK)
        marker.set("n", str(number))
        marker.tail, element.tail = element.tail, None
        element.addnext(marker)
    return Part(label, root, places)


def _name_blocks(container: etree._Element, prefix: str, names: dict, single: str | None = None) -> None:
    """Name the paragraphs and tables of container, and each table's rows and cells."""
    blocks = list(_children(container, (P, TBL)))
    paragraphs = sum(1 for block in blocks if block.tag == P)
    counts = Counter[str]()
    for block in blocks:
        counts[block.tag] += 1
        if block.tag == P:
            names[block] = single if single and paragraphs == 1 else f"{prefix}paragraph {counts[P]}"
            continue
        table = names[block] = f"{prefix}table {counts[TBL]}"
        for row_number, row in enumerate(_children(block, (TR,)), 1):
            names[row] = f"{table}, row {row_number}"
            for cell_number, cell in enumerate(_children(row, (TC,)), 1):
                names[cell] = f"{table}, row {row_number}, cell {cell_number}"
                _name_blocks(cell, names[cell] + ", ", names, single=names[cell])


def _children(container: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Yield container's children with these tags, looking through Word's wrappers."""
    for child in container:
        if child.tag in tags:
            yield child
        elif child.tag in WRAPPERS:
            yield from _children(child, tags)


def _place(element: etree._Element, names: dict, label: str) -> str:
    """Return a reader's name for element with the start of its text."""
    name = names.get(element)
    if name is None:  # e.g. a paragraph in a text box: say which paragraph holds the box
        holder = next((names[a] for a in element.iterancestors() if a in names), None)
        name = f"{holder}, text box" if holder else label
    if element.tag == TR:
        text = " | ".join(text_of(cell) for cell in _children(element, (TC,)))
    else:
        text = text_of(element)
    return f"{name} ('{shorten(text)}')" if text.strip(" |") else name


def text_of(element: etree._Element) -> str:
    """Return the text Word shows in element."""
    return "".join(t.text or "" for t in element.iter(T))


def shorten(text: str, limit: int = 80) -> str:
    """Collapse white space in text and cut it to limit characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def template_source(patched: str) -> str:
    """Put each paragraph on a line of its own as docxtpl does, and end a line after each marker."""
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
    return MARK_RE.sub(lambda m: m.group(0) + "\n", source)


def line_owners(text: str, part: Part) -> dict[int, str]:
    """Map each line of text to the element whose marker comes first at or after it."""
    owners: dict[int, str] = {}
    pending: list[int] = []
    for number, line in enumerate(NEWLINE.split(text), 1):
        pending.append(number)
        marker = MARK_RE.search(line)
        if marker:
            place = part.places.get(int(marker.group(1)), part.label)
            owners.update(dict.fromkeys(pending, place))
            pending = []
    return owners


def owner_at(text: str, offset: int, part: Part) -> str:
    """Return the place whose marker comes first at or after offset in text."""
    marker = MARK_RE.search(text, offset)
    return part.places.get(int(marker.group(1)), part.label) if marker else part.label


def part_place(label: str) -> str:
    """Return how a message names the part as a whole."""
    return "the document body" if label == "body" else label

"""Whether a document has an index for LibreOffice to bring up to date before it is exported.

A table of contents (or an index, a table of authorities, a bibliography) is a field whose text
Word saved when the form was last edited; filled in, its entries and page numbers may have moved.
LibreOffice updates them when asked, at the cost of laying the document out twice more: a tenth
of a conversion. It is asked only for a document that has one, which no bundled form does.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from .styles import WORD_XML, W

# The parts a field may be in: the body, headers and footers, notes.
FIELD_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
INDEX_FIELDS = frozenset({"TOC", "INDEX", "TOA", "BIBLIOGRAPHY"})


def has_index(docx: bytes) -> bool:
    """Return whether the document has an index field; True when it cannot be read, to be safe."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            for name in source.namelist():
                if FIELD_PARTS.fullmatch(name) and any(
                    (instruction.split() or [""])[0].upper() in INDEX_FIELDS
                    for instruction in _instructions(etree.fromstring(source.read(name), WORD_XML))
                ):
                    return True
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError):
        return True
    return False


def _instructions(part: etree._Element) -> list[str]:
    """Each field's instruction: a simple field's attribute, or a complex field's text split over runs."""
    found = [simple.get(f"{{{W}}}instr", "") for simple in part.iter(f"{{{W}}}fldSimple")]
    open_fields: list[list[str]] = []  # complex fields begun, innermost last, each its instruction so far
    done: list[bool] = []  # whether each one's instruction is complete (its separator has come)
    for element in part.iter(f"{{{W}}}fldChar", f"{{{W}}}instrText"):
        kind = element.get(f"{{{W}}}fldCharType")
        if element.tag == f"{{{W}}}instrText":
            if open_fields and not done[-1]:
                open_fields[-1].append(element.text or "")
        elif kind == "begin":
            open_fields.append([])
            done.append(False)
        elif open_fields and (kind == "separate" or kind == "end"):
            if not done[-1]:
                found.append("".join(open_fields[-1]))
                done[-1] = True
            if kind == "end":
                open_fields.pop()
                done.pop()
    return found

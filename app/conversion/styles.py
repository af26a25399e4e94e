"""A Word file with only the styles it uses: what LibreOffice and mammoth are given to read.

Word's and python-docx's templates carry every built-in style (about 160, 350 KB of
word/styles.xml), and a form made from one keeps them all. Reading them is most of the time mammoth
takes over a contract's text, and a quarter of the time LibreOffice takes to convert it. The copy
they are given has its styles part cut to the styles the document uses, those they are based on,
link to or are followed by, and the defaults: the text is the same, and the PDF the same pixel for
pixel. Documents filled from one form share its styles part and mostly use the same styles, so
the cut part is kept, keyed by the part's SHA-256 and the styles used.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterator

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STYLES_PART = "word/styles.xml"
# The parts that may name a style (the body, headers and footers, notes, comments, list definitions).
STYLE_USERS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments|numbering)\.xml")
# Parts neither reads: Word 2010's copy of the styles (as large again) is left out of the copy.
UNREAD = frozenset({"word/stylesWithEffects.xml"})
# Where a part names a style, and how one style names another.
STYLE_USES = tuple(f"{{{W}}}{name}" for name in ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink"))
STYLE_LINKS = tuple(f"{{{W}}}{name}" for name in ("basedOn", "link", "next"))
# Word parts are read with no entities expanded and nothing fetched (fields.py reads them so too).
WORD_XML = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
CUT_STYLES_KEPT = 32  # a cut styles part is a few kilobytes
_cuts: OrderedDict[tuple[bytes, frozenset[str]], bytes] = OrderedDict()
_cuts_lock = threading.Lock()


def only_used_styles(docx: bytes) -> bytes:
    """Return a copy of the .docx with its styles part cut to the styles it uses; unchanged if it cannot be read so."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            names = source.namelist()
            if STYLES_PART not in names:
                return docx
            used: set[str] = set()
            for name in names:
                if STYLE_USERS.fullmatch(name):
                    used.update(_styles_named(etree.fromstring(source.read(name), WORD_XML)))
            styles = _cut_styles(source.read(STYLES_PART), frozenset(used))
            out = io.BytesIO()  # a copy read at once: stored, not compressed
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
                for item in source.infolist():
                    if item.filename in UNREAD:
                        continue
                    target.writestr(item.filename, styles if item.filename == STYLES_PART else source.read(item.filename))
            return out.getvalue()
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError):
        return docx  # the reader reports what is wrong with it, as before


def _cut_styles(part: bytes, used: frozenset[str]) -> bytes:
    """Return a styles part with only the styles used and those they reach (raise XMLSyntaxError if it is not XML)."""
    key = (hashlib.sha256(part).digest(), used)
    with _cuts_lock:
        if key in _cuts:
            _cuts.move_to_end(key)
            return _cuts[key]
    styles = etree.fromstring(part, WORD_XML)
    _keep_only(styles, set(used))
    cut = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
    with _cuts_lock:
        _cuts[key] = cut
        while len(_cuts) > CUT_STYLES_KEPT:
            _cuts.popitem(last=False)
    return cut


def _styles_named(part: etree._Element) -> Iterator[str]:
    for element in part.iter(*STYLE_USES):
        value = element.get(f"{{{W}}}val")
        if value:
            yield value


def _keep_only(styles: etree._Element, used: set[str]) -> None:
    """Remove from a styles part the latent styles and every style neither used nor reached from one that is."""
    for latent in styles.findall(f"{{{W}}}latentStyles"):
        styles.remove(latent)
    by_id = {style.get(f"{{{W}}}styleId"): style for style in styles.findall(f"{{{W}}}style")}
    wanted = [*used, *(i for i, style in by_id.items() if style.get(f"{{{W}}}default") in ("1", "true"))]
    kept: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in kept or style_id not in by_id:
            continue
        kept.add(style_id)
        for link in by_id[style_id].iter(*STYLE_LINKS):
            if link.get(f"{{{W}}}val"):
                wanted.append(link.get(f"{{{W}}}val"))
    for style_id, style in by_id.items():
        if style_id not in kept:
            styles.remove(style)

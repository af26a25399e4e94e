"""A filled Word form as text a browser and a screen reader can read: semantic HTML, sanitised.

mammoth turns Word's structure into HTML (heading styles into headings, header rows into header
cells, lists into lists) and ignores its look; nh3 (ammonia) then keeps only an allow-list of
tags, so whatever a field value or a trust's form holds, the page gets no script, attribute or link.
The document's headings move two levels down, under the page's own h1 and "The document" h2, and
each table is put in a container that scrolls sideways, so a 320 px screen never does.

mammoth reads word/styles.xml with minidom, and Word's and python-docx's templates carry every
built-in style (about 160, 350 KB): reading them was six-sevenths of the time a contract's text took.
Before mammoth sees a document, its styles part is cut to the styles the document uses (and those
they are based on, link to or are followed by, and the defaults); the HTML is the same. Documents
filled from one form share its styles part and mostly use the same styles, so the cut part is kept,
keyed by the part's SHA-256 and the styles used.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterator

import mammoth
import nh3
from lxml import etree

from .places import MARKER

# Word's title styles, which mammoth leaves as paragraphs; Heading 1 to 6 it maps itself.
STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => h2:fresh
"""
TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th",
                  "td", "strong", "em", "br"})
ATTRIBUTES = {"th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
HEADING_SHIFT = 2  # the page has its h1 (the title) and an h2 ("The document") above the text
# Images are left out: a logo or a scanned signature is no text, and the page images show them.
NO_IMAGES = mammoth.images.img_element(lambda image: {})
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STYLES_PART = "word/styles.xml"
# The parts that may name a style (the body, headers and footers, notes, comments, list definitions).
STYLE_USERS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments|numbering)\.xml")
# Parts mammoth never reads: Word 2010's copy of the styles (as large again) is left out of its copy.
UNREAD = frozenset({"word/stylesWithEffects.xml"})
# Where a part names a style, and how one style names another.
STYLE_USES = tuple(f"{{{W}}}{name}" for name in ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink"))
STYLE_LINKS = tuple(f"{{{W}}}{name}" for name in ("basedOn", "link", "next"))
_XML = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
CUT_STYLES_KEPT = 32  # a cut styles part is a few kilobytes
_cuts: OrderedDict[tuple[bytes, frozenset[str]], bytes] = OrderedDict()
_cuts_lock = threading.Lock()
_HEADING = re.compile(r"<(/?)h([1-6])>")
_TABLE = re.compile(r"</?table>")


def docx_to_html(docx: bytes) -> str:
    """Return a filled .docx as sanitised HTML, its signature place markers removed."""
    result = mammoth.convert_to_html(io.BytesIO(only_used_styles(docx)), style_map=STYLE_MAP, convert_image=NO_IMAGES)
    return in_scroll_containers(shifted_headings(sanitised(MARKER.sub("", result.value))))


def only_used_styles(docx: bytes) -> bytes:
    """Return a copy of the .docx for mammoth, its styles part cut to the styles it uses; unchanged if it cannot be read so."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            names = source.namelist()
            if STYLES_PART not in names:
                return docx
            used: set[str] = set()
            for name in names:
                if STYLE_USERS.fullmatch(name):
                    used.update(_styles_named(etree.fromstring(source.read(name), _XML)))
            styles = _cut_styles(source.read(STYLES_PART), frozenset(used))
            out = io.BytesIO()  # mammoth's own copy, read at once: stored, not compressed
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
                for item in source.infolist():
                    if item.filename in UNREAD:
                        continue
                    target.writestr(item.filename, styles if item.filename == STYLES_PART else source.read(item.filename))
            return out.getvalue()
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError):
        return docx  # mammoth reports what is wrong with it, as before


def _cut_styles(part: bytes, used: frozenset[str]) -> bytes:
    """Return a styles part with only the styles used and those they reach (raise XMLSyntaxError if it is not XML)."""
    key = (hashlib.sha256(part).digest(), used)
    with _cuts_lock:
        if key in _cuts:
            _cuts.move_to_end(key)
            return _cuts[key]
    styles = etree.fromstring(part, _XML)
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


def sanitised(html: str) -> str:
    """Keep only headings, paragraphs, lists, tables, bold, italic and line breaks; drop every other attribute."""
    return nh3.clean(html, tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                     strip_comments=True, link_rel=None)


def shifted_headings(html: str) -> str:
    """Move every heading of sanitised HTML two levels down (an h5 or h6 becomes h6)."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + HEADING_SHIFT)}>", html)


def in_scroll_containers(html: str) -> str:
    """Put each outermost table of sanitised HTML in a labelled region that scrolls sideways by itself."""
    tags = list(_tables(html))
    total = sum(1 for match, depth in tags if depth == 0 and match.group() == "<table>")
    out, number, last = [], 0, 0
    for match, depth in tags:
        out.append(html[last:match.start()])
        last = match.end()
        if match.group() == "<table>" and depth == 0:
            number += 1
            label = f"Table {number} of {total} in the document" if total > 1 else "Table in the document"
            out.append(f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}"><table>')
        elif match.group() == "</table>" and depth == 0:
            out.append("</table></div>")
        else:
            out.append(match.group())
    out.append(html[last:])
    return "".join(out)


def _tables(html: str) -> Iterator[tuple[re.Match[str], int]]:
    """Yield each table tag with how many tables enclose it (0 for an outermost table's own tags)."""
    depth = 0
    for match in _TABLE.finditer(html):
        if match.group() == "<table>":
            yield match, depth
            depth += 1
        else:
            depth = max(0, depth - 1)
            yield match, depth

"""A filled Word form as text a browser and a screen reader can read: semantic HTML, sanitised.

mammoth turns Word's structure into HTML (heading styles into headings, header rows into header
cells, lists into lists) and ignores its look; nh3 (ammonia) then keeps only an allow-list of
tags, so whatever a field value or a trust's form holds, the page gets no script, attribute or link.
The document's headings move two levels down, under the page's own h1 and "The document" h2, and
each table is put in a container that scrolls sideways, so a 320 px screen never does.

mammoth reads word/styles.xml with minidom, and Word's and python-docx's templates carry every
built-in style (about 160, 350 KB): reading them was six-sevenths of the time a contract's text took,
so mammoth is given the copy with only the styles the document uses (app/conversion/styles.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import mammoth
import nh3

from ..conversion.styles import only_used_styles
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
_HEADING = re.compile(r"<(/?)h([1-6])>")
_TABLE = re.compile(r"</?table>")


def docx_to_html(docx: bytes) -> str:
    """Return a filled .docx as sanitised HTML, its signature place markers removed."""
    result = mammoth.convert_to_html(io.BytesIO(only_used_styles(docx)), style_map=STYLE_MAP, convert_image=NO_IMAGES)
    return in_scroll_containers(shifted_headings(sanitised(MARKER.sub("", result.value))))


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

"""The evidence page (who agreed, when, from where, the hashes and how to check them), drawn directly as PDF.

reportlab's Platypus lays it out: real headings (also the PDF's outline), tables with header
rows, and the fonts embedded (DejaVu Sans and Sans Mono, subset), so no Word and no LibreOffice
are needed at sealing. reportlab writes no tags; tagging.py marks what it draws and adds the
structure tree (headings, table header cells), so the page reads in order to a screen reader.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import ParamSpec, TypeVar
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import wording
from .summaries import browser_and_system
from .tagging import TaggedParagraph, Tagger, tag_pdf, tagged

# Characters no PDF text should carry; a hostile user agent may contain them.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
GREY = colors.Color(0.25, 0.25, 0.25)
BORDER = colors.Color(0.65, 0.65, 0.65)
SHADE = colors.Color(0.93, 0.93, 0.93)
LABEL_WIDTH = 4.4 * cm
FONTS = {
    "CSSans": "DejaVuSans.ttf",
    "CSSans-Bold": "DejaVuSans-Bold.ttf",
    "CSMono": "DejaVuSansMono.ttf",
}
_registered: set[str] = set()
# reportlab keeps process-wide state that it fills lazily and not thread-safely (its table of named colours,
# standard fonts, the fonts registered): two seals drawing at once in one process's job threads failed with
# "Invalid color value 'black'". Every reportlab drawing in the app holds this (see draws), so drawings in a
# process take turns (each takes milliseconds; converting and signing around them still run side by side).
DRAWING = threading.RLock()
Result = TypeVar("Result")
Params = ParamSpec("Params")


def draws(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """Make a function that draws with reportlab take its turn with every other drawing in the process."""

    @functools.wraps(function)
    def in_turn(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        with DRAWING:
            return function(*args, **kwargs)

    return in_turn


@dataclass(frozen=True)
class EvidenceParty:
    """One party's agreement, each value already formatted ("—" when unknown) but the user agent, which the
    page summarises (browser and system)."""

    name: str
    email: str
    role: str
    sent_at: str
    first_viewed_at: str
    agreed_at: str
    ip: str
    user_agent: str
    statement: str = "—"  # what they agreed to, in the trust's words


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
    seal_fingerprint: str = ""
    attachment_name: str = wording.ATTACHMENT_NAME


@draws
def register_fonts(font_dir: Path) -> None:
    """Register the page's TrueType fonts with reportlab (once per process), embedded when used."""
    for name, file in FONTS.items():
        if name not in _registered:
            pdfmetrics.registerFont(TTFont(name, str(Path(font_dir) / file)))
            _registered.add(name)


def clean(value: object) -> str:
    """Return a value as Platypus markup that shows it literally (no tags, no control characters)."""
    return escape(CONTROL.sub("\ufffd", str(value)))


@draws
def evidence_pdf(evidence: Evidence, *, font_dir: Path, pagesize: tuple[float, float]) -> bytes:
    """Return the evidence page(s) as a PDF of the given page size, fonts embedded."""
    register_fonts(font_dir)
    styles = _styles()
    width = pagesize[0] - 4 * cm
    tagger = Tagger()
    story: list[Flowable] = [
        _Heading(wording.HEADING, styles["h1"], level=0, tagger=tagger),
        tagged(clean(wording.INTRO), styles["body"], tagger),
        _Heading(wording.DOCUMENT_HEADING, styles["h2"], level=1, tagger=tagger),
    ]
    values = (evidence.title, evidence.document_id, str(evidence.version), evidence.trust_name, evidence.sealed_at)
    story.append(_table(width, styles, list(zip(wording.DOCUMENT_ROWS, values, strict=True)), tagger=tagger))
    story.append(_Heading(wording.PARTIES_HEADING, styles["h2"], level=1, tagger=tagger))
    for party in evidence.parties:
        values = (party.name, party.email, party.role, party.sent_at, party.first_viewed_at, party.agreed_at,
                  party.statement, party.ip, browser_and_system(party.user_agent))
        rows = list(zip(wording.PARTY_ROWS, values, strict=True))
        story.append(_table(width, styles, rows, caption=f"{party.role}: {party.name}", mono={"IP address"},
                            tagger=tagger))
        story.append(Spacer(1, 4))
    story.append(_Heading(wording.INTEGRITY_HEADING, styles["h2"], level=1, tagger=tagger))
    hashes = (evidence.agreed_sha256, evidence.seal_fingerprint, evidence.audit_head)
    rows = list(zip(wording.INTEGRITY_ROWS, (*hashes, evidence.verify_url), strict=True))
    story.append(_table(width, styles, rows, mono=set(wording.INTEGRITY_ROWS[:3]), tagger=tagger))
    story.append(_Heading(wording.CHECKING_HEADING, styles["h2"], level=1, tagger=tagger))
    for text in wording.checking(evidence.trust_name, evidence.attachment_name, evidence.verify_url):
        story.append(tagged(clean(text), styles["body"], tagger))
    story.append(
        tagged(clean(wording.SEAL.format(trust=evidence.trust_name, sealed_at=evidence.sealed_at)), styles["body"],
               tagger)
    )

    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=1.8 * cm,
        title=f"{wording.HEADING}: {evidence.document_id} v{evidence.version}",
        author="Countersign",
        lang="en-GB",
        invariant=True,  # no random document id or creation time: the seal's time is the one that counts
        # reportlab starts every page in Helvetica, which is not embedded: start in the embedded font (PDF/A).
        initialFontName="CSSans",
    )
    document.build(story)
    return tag_pdf(out.getvalue(), tagger, lang="en-GB")


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName="CSSans", fontSize=8.5, leading=11, spaceAfter=4)
    return {
        "body": body,
        "h1": ParagraphStyle("h1", parent=body, fontName="CSSans-Bold", fontSize=14, leading=18, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontName="CSSans-Bold", fontSize=10.5, leading=13,
                             spaceBefore=8, spaceAfter=3),
        "label": ParagraphStyle("label", parent=body, textColor=GREY, spaceAfter=0),
        "value": ParagraphStyle("value", parent=body, spaceAfter=0),
        "mono": ParagraphStyle("mono", parent=body, fontName="CSMono", fontSize=7.5, spaceAfter=0),
        "header": ParagraphStyle("header", parent=body, fontName="CSSans-Bold", spaceAfter=0),
    }


def _table(
    width: float,
    styles: dict[str, ParagraphStyle],
    rows: Sequence[tuple[str, str]],
    *,
    caption: str | None = None,
    mono: set[str] | frozenset[str] = frozenset(),
    tagger: Tagger,
) -> Table:
    """Return a two-column table with a header row (repeated on a new page), long values wrapped."""
    header = caption if caption is not None else wording.TABLE_HEADER[0]
    data = [[Paragraph(clean(header), styles["header"]), Paragraph(clean(wording.TABLE_HEADER[1]), styles["header"])]]
    if caption is not None:
        data[0][1] = Paragraph("", styles["header"])
    for label, value in rows:
        data.append([Paragraph(clean(label), styles["label"]),
                     Paragraph(clean(value), styles["mono" if label in mono else "value"])])
    table = Table(data, colWidths=(LABEL_WIDTH, width - LABEL_WIDTH), repeatRows=1, hAlign="LEFT",
                  renderCB=tagger.table_events)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), "CSSans"),  # else reportlab sets Helvetica (not embedded) per cell
        ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if caption is not None:
        style.append(("SPAN", (0, 0), (1, 0)))
    table.setStyle(TableStyle(style))
    return table


class _Heading(TaggedParagraph):
    """A heading paragraph (tagged H1, H2) that is also an entry in the PDF's outline (bookmarks)."""

    _count = 0

    def __init__(self, text: str, style: ParagraphStyle, *, level: int, tagger: Tagger) -> None:
        super().__init__(clean(text), style)
        self.tag(tagger, f"H{level + 1}")
        self.level = level
        self.title = text
        _Heading._count += 1
        self.key = f"h{_Heading._count}"

    def draw(self) -> None:
        super().draw()
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level)

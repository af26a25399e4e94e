"""Signature places: mark where each party's agreement goes in the form, then find those places in its PDF.

A form shows `{{ signed.supervisor.place }}` (a 1 pt white run) at the top left of each
signature cell. At preparation each party's place gets a marker no one could have typed (a
fresh random nonce per render); once LibreOffice has made the PDF, the marker's position and
the table borders drawn around it give the cell's box. The seal stamps each agreement there.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..conversion.checks import PDFIUM_LOCK

# A rule of a table border is drawn thinner than this (points), and longer than MIN_RULE.
RULE = 2.5
MIN_RULE = 8.0
# Without borders around it (a place in running text), the box runs to the right margin and this far down.
LOOSE_HEIGHT = 36.0
MARGIN = 56.7  # 2 cm, the bundled forms' side margins


@dataclass(frozen=True)
class Place:
    """Where on which page (0-based) one party's agreement is stamped, in PDF points from the bottom left."""

    page: int
    x: float
    y: float
    width: float
    height: float

    def as_json(self) -> dict[str, float]:
        """Return the place as stored with the version."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Place:
        """Return a place stored with a version."""
        return cls(int(data["page"]), float(data["x"]), float(data["y"]), float(data["width"]), float(data["height"]))

    def contains(self, left: float, bottom: float, right: float, top: float, slack: float = 0.5) -> bool:
        """Return whether a box lies inside this place."""
        return (
            left >= self.x - slack
            and right <= self.x + self.width + slack
            and bottom >= self.y - slack
            and top <= self.y + self.height + slack
        )


# What every marker looks like, so the text of a filled form can leave them out (they are white 1 pt runs).
MARKER = re.compile(r"cs[0-9a-f]{12}p[0-9]+e")


def new_markers(party_ids: Iterable[int]) -> dict[int, str]:
    """Return a marker per party, unique to this render so no typed text can pose as a place."""
    nonce = secrets.token_hex(6)
    return {party_id: f"cs{nonce}p{party_id}e" for party_id in party_ids}


def find_places(pdf: bytes, markers: Mapping[int, str]) -> dict[str, list[dict[str, float]]]:
    """Return, per party id (as text), every place its marker marks in the PDF."""
    found: dict[str, list[dict[str, float]]] = {}
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    _find_on_page(page, index, markers, found)
                finally:
                    page.close()
        finally:
            document.close()
    return found


def _find_on_page(
    page: pdfium.PdfPage, index: int, markers: Mapping[int, str], found: dict[str, list[dict[str, float]]]
) -> None:
    text = page.get_textpage()
    try:
        rules: list[tuple[float, float, float, float]] | None = None
        for party_id, marker in markers.items():
            searcher = text.search(marker, match_case=True, match_whole_word=False)
            try:
                while (hit := searcher.get_next()) is not None:
                    start, _count = hit
                    left, _bottom, _right, top = text.get_charbox(start, loose=True)
                    if rules is None:
                        rules = _rules(page)
                    place = _cell_around(left, top, rules, page.get_size())
                    found.setdefault(str(party_id), []).append(Place(index, *place).as_json())
            finally:
                searcher.close()
    finally:
        text.close()


def _rules(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Return the bounds (left, bottom, right, top) of every thin straight line drawn on the page."""
    rules = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        width, height = right - left, top - bottom
        if (width <= RULE and height >= MIN_RULE) or (height <= RULE and width >= MIN_RULE):
            rules.append((left, bottom, right, top))
    return rules


def _cell_around(
    x: float, y: float, rules: list[tuple[float, float, float, float]], size: tuple[float, float]
) -> tuple[float, float, float, float]:
    """Return (x, y, width, height) of the smallest ruled box around a point, inside the borders."""
    page_width, page_height = size
    lefts = [x1 for x0, y0, x1, y1 in rules if x1 - x0 <= RULE and x1 <= x + RULE and y0 <= y <= y1]
    rights = [x0 for x0, y0, x1, y1 in rules if x1 - x0 <= RULE and x0 >= x and y0 <= y <= y1]
    # The marker's top may touch the rule above it: look for rules from a little below the point.
    tops = [y0 for x0, y0, x1, y1 in rules if y1 - y0 <= RULE and y0 >= y - RULE and x0 <= x <= x1]
    bottoms = [y1 for x0, y0, x1, y1 in rules if y1 - y0 <= RULE and y1 <= y - RULE and x0 <= x <= x1]
    left = max(lefts, default=None)
    right = min(rights, default=None)
    top = min(tops, default=None)
    bottom = max(bottoms, default=None)
    if None in (left, right, top, bottom):
        # Not in a ruled cell: from the marker to the right margin, a few lines down.
        left, right = x, page_width - MARGIN
        top = min(y + 2, page_height)
        bottom = max(top - LOOSE_HEIGHT, 0.0)
    assert left is not None and right is not None and top is not None and bottom is not None
    return left, bottom, right - left, top - bottom

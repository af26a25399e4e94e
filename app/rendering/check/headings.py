"""Whether a form has a heading: screen readers and tagged PDFs navigate by Word's heading styles."""

from __future__ import annotations

import re

from docxtpl import DocxTemplate
from lxml import etree

from ..forms import W
from .problem import Problem

# Word's own names for its heading styles ("heading 1" in styles.xml, shown as "Heading 1").
HEADING_NAME = re.compile(r"^(heading [1-9]|title)$", re.IGNORECASE)
BODY_TEXT_LEVEL = 9  # w:outlineLvl 9 means "body text"; 0-8 are heading levels

NO_HEADING = Problem(
    "no_heading",
    "the form",
    "the form has no heading: screen readers and tagged PDFs need one (use Word's Heading 1 style for the title)",
    severity="warning",
)


def heading_problems(template: DocxTemplate) -> list[Problem]:
    """Return a warning if no paragraph of the body uses a heading style or outline level."""
    styles = _heading_styles(template.docx.styles.element)
    for paragraph in template.docx.element.body.iter(f"{W}p"):
        properties = paragraph.find(f"{W}pPr")
        if properties is None:
            continue
        style = properties.find(f"{W}pStyle")
        if style is not None and style.get(f"{W}val") in styles:
            return []
        if _is_heading_level(properties.find(f"{W}outlineLvl")):
            return []
    return [NO_HEADING]


def _heading_styles(styles: etree._Element) -> set[str]:
    """Return the ids of paragraph styles that are headings, themselves or by the style they are based on."""
    based_on: dict[str, str | None] = {}
    heading: set[str] = set()
    for style in styles.iter(f"{W}style"):
        if style.get(f"{W}type") not in (None, "paragraph"):
            continue
        style_id = style.get(f"{W}styleId")
        if not style_id:
            continue
        name = style.find(f"{W}name")
        level = style.find(f"{W}pPr/{W}outlineLvl")
        if (name is not None and HEADING_NAME.match(name.get(f"{W}val") or "")) or _is_heading_level(level):
            heading.add(style_id)
        parent = style.find(f"{W}basedOn")
        based_on[style_id] = parent.get(f"{W}val") if parent is not None else None
    for style_id in based_on:
        seen: set[str] = set()
        current = based_on[style_id]
        while current and current not in seen:  # a loop of basedOn would otherwise never end
            if current in heading:
                heading.add(style_id)
                break
            seen.add(current)
            current = based_on.get(current)
    return heading


def _is_heading_level(level: etree._Element | None) -> bool:
    """Whether a w:outlineLvl element marks a heading level (0-8) rather than body text."""
    if level is None:
        return False
    value = level.get(f"{W}val") or ""
    return value.isdigit() and int(value) < BODY_TEXT_LEVEL

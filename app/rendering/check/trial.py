"""Fill a part in with the example values in the sandbox, reporting whatever goes wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from jinja2.exceptions import TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree

from ..forms import DOCXTPL_ESCAPES, MARKERS, STRICT_XML, describe_error, jinja_line
from ..sandbox import LimitError
from .parts import MARK, P, Part, line_owners, part_place, shorten, text_of
from .problem import Problem


def trial_run(
    env: SandboxedEnvironment,
    source: str,
    provided: Mapping[str, Any],
    printed: list[str],
    where: Callable[[int | None], str],
    part: Part | None,
) -> list[Problem]:
    """Fill the part in with the example values, catching whatever goes wrong."""
    try:
        rendered = env.from_string(source).render(dict(provided))
    except Exception as exc:  # a form must never crash the check
        line = jinja_line(exc)
        if isinstance(exc, LimitError):
            return [Problem("limit", where(line), describe_error(exc))]
        if isinstance(exc, MemoryError):  # e.g. under the memory limit of an isolated check
            return [Problem("limit", where(line), "filling in the form used too much memory")]
        if isinstance(exc, SecurityError):
            return [Problem("unsafe", where(line), describe_error(exc))]
        if isinstance(exc, UndefinedError):
            return [Problem("unknown_variable", where(line), describe_error(exc))]
        if isinstance(exc, TemplateError):
            return [Problem("syntax", where(line), describe_error(exc))]
        return [Problem("syntax", where(line), f"filling in the form fails: {exc}")]
    if part is None:
        return []
    for escaped, literal in DOCXTPL_ESCAPES:
        rendered = rendered.replace(escaped, literal)
    try:
        root = etree.fromstring(rendered, STRICT_XML)
    except etree.XMLSyntaxError as exc:
        owners = line_owners(rendered, part)
        return [
            Problem(
                "syntax",
                owners.get(exc.lineno) or part_place(part.label),
                f"filling in the form breaks the Word document's structure ({exc.msg}); a tag probably "
                "spans paragraphs, cells or other elements",
            )
        ]
    return _leftovers(root, printed, part)


def _leftovers(root: etree._Element, printed: list[str], part: Part) -> list[Problem]:
    """Report paragraphs that still show tag braces after filling in (as the renderer would refuse)."""
    expected: Counter[str] = Counter()
    for value in printed:
        for marker in MARKERS:
            expected[marker] += value.count(marker)
    found: Counter[str] = Counter()
    hits: dict[str, str] = {}
    for paragraph in root.iter(P):
        text = text_of(paragraph)
        counts = Counter({marker: text.count(marker) for marker in MARKERS if marker in text})
        if counts:
            found.update(counts)
            marker = paragraph.xpath(f"following::{MARK}[1]")
            place = part.places.get(int(marker[0].get("n")), part.label) if marker else part.label
            hits.setdefault(place, text)
    if not any(found[marker] > expected[marker] for marker in MARKERS):
        return []
    return [
        Problem(
            "split_tag",
            place,
            f"'{shorten(text, 60)}' would still show tag braces after filling in: the tag is broken "
            "(Word may have split it, or a brace is missing). Retype the whole tag in one go.",
        )
        for place, text in hits.items()
    ]

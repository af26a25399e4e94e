"""Tags Word split across runs or paragraphs, which docxtpl would leave unfilled or merge."""

from __future__ import annotations

import re

from ..forms import MARKERS
from .parts import MARK_RE, Part, owner_at, shorten
from .problem import Problem

# docxtpl's patch_xml, first step: "{<tags>{" becomes "{{" (and the same for %}, #}, }}).
BRACE_JOIN = re.compile(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", re.DOTALL)
# Its second step: the XML inside each tag, up to the next closing delimiter, is dropped.
TAG_SPAN = re.compile(r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*", re.DOTALL)
VISIBLE_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>(.*?)</w:t>", re.DOTALL)


def split_tags(marked: str, part: Part) -> list[Problem]:
    """Find tags docxtpl would join across a paragraph break, silently merging paragraphs."""
    problems = []
    for join in BRACE_JOIN.finditer(marked):
        if "</w:p>" in join.group(0):
            problems.append(
                Problem(
                    "split_tag",
                    owner_at(marked, join.start(), part),
                    "this paragraph ends with a brace and the next starts with one: docxtpl would join "
                    "them into one tag and merge the paragraphs. Retype the tag in one paragraph.",
                )
            )
    joined = BRACE_JOIN.sub("", marked)
    for span in TAG_SPAN.finditer(joined):
        if "</w:p>" in span.group(0):
            opening = _visible(span.group(0).split("</w:p>", 1)[0])
            problems.append(
                Problem(
                    "split_tag",
                    owner_at(joined, span.start(), part),
                    f"the tag '{shorten(opening, 50)}' is not closed in its paragraph (Word may have split "
                    "its closing braces); docxtpl would swallow the text up to the next closing braces and "
                    "merge the paragraphs between. Retype the whole tag in one go.",
                )
            )
    return problems


def split_delimiters(source: str, part: Part) -> list[Problem]:
    """Find tag braces that read as one in Word but that docxtpl's patching leaves apart."""
    problems = []
    segments = MARK_RE.split(source)  # text, marker number, text, marker number, ..., text
    for index in range(0, len(segments), 2):
        chars: list[str] = []
        offsets: list[int] = []
        for match in VISIBLE_TEXT.finditer(segments[index]):
            chars.extend(match.group(1))
            offsets.extend(range(match.start(1), match.end(1)))
        visible = "".join(chars)
        for position in range(len(visible) - 1):
            if visible[position : position + 2] in MARKERS and offsets[position + 1] != offsets[position] + 1:
                place = (
                    part.places.get(int(segments[index + 1]), part.label)
                    if index + 1 < len(segments)
                    else part.label
                )
                tag = _tag_around(visible, position)
                problems.append(
                    Problem(
                        "split_tag",
                        place,
                        f"Word has split the tag '{tag}' with hidden markup between its braces (a tracked "
                        "change, a field or a space); it would be left unfilled. Retype the whole tag in "
                        "one go (accept or reject tracked changes first).",
                    )
                )
                break  # one report per paragraph is enough to send the author there
    return problems


def _tag_around(visible: str, position: int) -> str:
    """Return the visible tag around the brace pair at position."""
    if visible[position] == "{":
        closing = re.search(r"[}%#]}", visible[position + 2 :])
        end = position + 2 + closing.end() if closing else position + 40
        return shorten(visible[position:end], 60)
    start = max(visible.rfind(opener, 0, position) for opener in ("{{", "{%", "{#", "{"))
    return shorten(visible[max(start, 0) : position + 2], 60)


def _visible(xml: str) -> str:
    """Return the text Word shows in a stretch of XML that may start inside a w:t element."""
    return xml.split("<", 1)[0] + "".join(VISIBLE_TEXT.findall(xml))

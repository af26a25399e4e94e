"""Check a trust's Word form before it is installed: syntax, variables, split tags, unsafe code.

The check looks at the form the way docxtpl will: it takes each part docxtpl fills in (body,
headers, footers, footnotes, document properties), runs docxtpl's own ``patch_xml`` over it and
parses the result in the renderer's sandbox. To say where a problem is, an empty marker element
is put after every paragraph, table row and table cell before patching, and a line break after
each marker: Jinja's line numbers then lead back to the element that held the tag.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError
from lxml import etree

from ..sandbox import SandboxLimits, sandboxed_environment
from .headings import heading_problems
from .parts import (
    Part,
    document_parts,
    line_owners,
    marked,
    part_place,
    template_source,
    templated_properties,
)
from .problem import KINDS, SEVERITIES, Problem
from .split_tags import split_delimiters, split_tags
from .trial import trial_run
from .variables import Walker

__all__ = ["KINDS", "MAX_UNPACKED_BYTES", "SEVERITIES", "Problem", "check_template", "variables_used"]

# A .docx is a zip: refuse one that would unpack to more than this rather than read it.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# What each form uses, by (SHA-256 of the form, SHA-256 of the variables it was read against).
_USED: dict[tuple[str, str], frozenset[str]] = {}
_USED_KEPT = 512
_used_lock = threading.Lock()


def variables_used(docx: bytes, *, provided: Mapping[str, Any]) -> frozenset[str]:
    """Return the path of every provided variable the form uses ("terms.frequency", "actions.what").

    A path's parents are listed too ("actions" with "actions.what"); a path listed without any
    child ("terms" for a form that loops over terms.items()) means the form uses all of it.
    Read the way check_template reads it; cached per form SHA-256 and variables. A form that
    cannot be read uses nothing.
    """
    key = (hashlib.sha256(docx).hexdigest(),
           hashlib.sha256(json.dumps(provided, sort_keys=True, default=str).encode()).hexdigest())
    with _used_lock:
        found = _USED.get(key)
    if found is None:
        found = _references(docx, provided)
        with _used_lock:
            if len(_USED) >= _USED_KEPT:
                _USED.pop(next(iter(_USED)))
            _USED[key] = found
    return found


def _references(docx: bytes, provided: Mapping[str, Any]) -> frozenset[str]:
    """Walk every part the form fills in and collect the variables it refers to."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            if sum(info.file_size for info in package.infolist()) > MAX_UNPACKED_BYTES:
                return frozenset()
        template = DocxTemplate(io.BytesIO(docx))
        template.init_docx()
    except Exception:  # an unreadable form prints nothing; the check says why when it is installed
        return frozenset()
    sources = [text for _prop, text in templated_properties(template)]
    for _label, _prefix, load in document_parts(template):
        try:
            xml = etree.tostring(load(), encoding="unicode")
        except Exception:  # a part that is not XML holds no variables
            continue
        sources.append(template_source(template.patch_xml(xml)))
    references: set[str] = set()
    for source in sources:
        env = sandboxed_environment([])
        try:
            ast = env.parse(source)
        except TemplateSyntaxError:
            continue
        walker = Walker(env, provided, lambda _line: "")
        walker.statements(ast.body, {}, frozenset())
        references.update(walker.references)
    return frozenset(references)


def check_template(
    docx: bytes,
    *,
    provided: Mapping[str, Any],
    required: Iterable[str] = (),
    warnings: bool = False,
    limits: SandboxLimits | None = None,
) -> list[Problem]:
    """Return every problem that would stop the form filling in correctly with these variables.

    With warnings, also return what is worth fixing but stops nothing (severity "warning"),
    such as a form without a heading; callers then decide only on the errors.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            if sum(info.file_size for info in package.infolist()) > MAX_UNPACKED_BYTES:
                return [Problem("unreadable", "the file", "the Word document is too large to check")]
        template = DocxTemplate(io.BytesIO(docx))
        template.init_docx()
    except Exception as exc:  # any failure to open it means the same thing to the author
        return [Problem("unreadable", "the file", f"this is not a readable Word (.docx) document ({exc})")]

    problems: list[Problem] = []
    references: set[str] = set()
    for label, prefix, load in document_parts(template):
        try:
            part = marked(label, prefix, load())
        except Exception as exc:  # e.g. a footnotes part that is not XML: report it, do not crash
            problems.append(Problem("unreadable", part_place(label), f"this part cannot be read ({exc})"))
            continue
        problems.extend(_check_part(template, part, provided, references, limits))
    for prop, text in templated_properties(template):
        problems.extend(
            _check_source(
                text, f"document properties ({prop})", lambda line: None, provided, references, limits=limits
            )
        )
    for path in required:
        if not any(ref == path or ref.startswith(path + ".") for ref in references):
            if path.endswith(".place"):
                problems.append(_no_place(path))
                continue
            problems.append(
                Problem(
                    "missing_required",
                    "the form",
                    f"the form never shows '{path}', which it must; add {{{{ {path} }}}}",
                )
            )
    if warnings:
        problems.extend(heading_problems(template))
    return list(dict.fromkeys(problems))


def _no_place(path: str) -> Problem:
    """Say that an agreeing party has nowhere for the seal to stamp their agreement."""
    who = path.split(".")[1].rstrip("s") if path.startswith("signed.supervisees") else path.split(".")[1]
    return Problem(
        "missing_required",
        "the form",
        f"the form has no signature place for the {who}, so their agreement cannot be stamped on the sealed "
        f"copy; add {{{{ {path.replace('supervisees.', 'supervisees[loop.index0].')} }}}} where it goes "
        "(see docs/templates.md)",
    )


def _check_part(
    template: DocxTemplate,
    part: Part,
    provided: Mapping[str, Any],
    references: set[str],
    limits: SandboxLimits | None,
) -> list[Problem]:
    """Return the problems of one part: split tags, then its template source."""
    xml = etree.tostring(part.root, encoding="unicode")
    problems = split_tags(xml, part)
    source = template_source(template.patch_xml(xml))
    problems.extend(split_delimiters(source, part))
    owners = line_owners(source, part)
    split = {problem.location for problem in problems}
    problems.extend(
        problem
        for problem in _check_source(
            source, part.label, owners.get, provided, references, part=part, limits=limits
        )
        # A split tag also reads as broken syntax or leftover braces there: say it once, as split.
        if not (problem.kind in ("split_tag", "syntax") and problem.location in split)
    )
    return problems


def _check_source(
    source: str,
    label: str,
    locate: Callable[[int | None], str | None],
    provided: Mapping[str, Any],
    references: set[str],
    *,
    part: Part | None = None,
    limits: SandboxLimits | None = None,
) -> list[Problem]:
    """Parse template source, walk it against the variables, then fill it in once."""

    def where(line: int | None) -> str:
        return locate(line) or (label if part is None else part_place(label))

    printed: list[str] = []
    env = sandboxed_environment(printed, limits)
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Problem("syntax", where(exc.lineno), f"template syntax error: {exc.message}")]
    walker = Walker(env, provided, where)
    walker.statements(ast.body, {}, frozenset())
    references.update(walker.references)
    if walker.problems:
        return walker.problems  # a trial run would only stop at the first of these
    return trial_run(env, source, provided, printed, where, part)

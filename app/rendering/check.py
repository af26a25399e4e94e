"""Check a trust's Word form before it is installed: syntax, variables, split tags, unsafe code.

The check looks at the form the way docxtpl will: it takes each part docxtpl fills in (body,
headers, footers, footnotes, document properties), runs docxtpl's own ``patch_xml`` over it and
parses the result in the renderer's sandbox. To say where a problem is, an empty marker element
is put after every paragraph, table row and table cell before patching, and a line break after
each marker: Jinja's line numbers then lead back to the element that held the tag.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from docx.opc.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree

from .forms import DOCXTPL_ESCAPES, MARKERS, RAW_FILTERS, STRICT_XML, W, _describe, _environment, _jinja_line

KINDS = ("syntax", "unknown_variable", "missing_required", "split_tag", "unsafe", "unreadable")

# A .docx is a zip: refuse one that would unpack to more than this rather than read it.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# The core properties docxtpl renders (DocxTemplate.render_properties).
PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")

P, TBL, TR, TC, T = f"{W}p", f"{W}tbl", f"{W}tr", f"{W}tc", f"{W}t"
# Containers Word wraps around blocks, rows or cells without changing what a reader counts.
WRAPPERS = (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag")
MARK = "countersign-mark"
MARK_RE = re.compile(r'<countersign-mark n="(\d+)"/>')
NEWLINE = re.compile(r"\r\n|\r|\n")  # how Jinja counts lines

# docxtpl's patch_xml, first step: "{<tags>{" becomes "{{" (and the same for %}, #}, }}).
BRACE_JOIN = re.compile(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", re.DOTALL)
# Its second step: the XML inside each tag, up to the next closing delimiter, is dropped.
TAG_SPAN = re.compile(r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*", re.DOTALL)
VISIBLE_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>(.*?)</w:t>", re.DOTALL)
XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w:.-]*)(?:\s[^>]*?)?(/?)>")

# Names that lead from a template to the application or the interpreter.
UNSAFE_NAMES = frozenset({"self", "config", "request", "session", "g", "url_for", "get_flashed_messages"})
UNSAFE_ATTRIBUTES = frozenset(
    {
        "mro", "func_globals", "func_code", "func_closure", "f_globals", "f_locals", "f_builtins",
        "f_code", "f_back", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
        "tb_frame", "tb_next", "im_func", "im_self", "im_class", "co_code", "format", "format_map",
    }
)  # fmt: skip
# Filters that read an attribute named by a string argument: (positional index, keyword).
ATTRIBUTE_FILTERS = {
    "attr": (0, None),
    "map": (None, "attribute"),
    "selectattr": (0, None),
    "rejectattr": (0, None),
    "groupby": (0, "attribute"),
    "sort": (None, "attribute"),
    "sum": (None, "attribute"),
    "unique": (None, "attribute"),
    "min": (None, "attribute"),
    "max": (None, "attribute"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a Word form, where it is and what to do about it."""

    kind: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def check_template(
    docx: bytes, *, provided: Mapping[str, Any], required: Iterable[str] = ()
) -> list[Problem]:
    """Return every problem that would stop the form filling in correctly with these variables."""
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
    for label, prefix, load in _parts(template):
        try:
            part = _marked(label, prefix, load())
        except Exception as exc:  # e.g. a footnotes part that is not XML: report it, do not crash
            problems.append(Problem("unreadable", _part_place(label), f"this part cannot be read ({exc})"))
            continue
        problems.extend(_check_part(template, part, provided, references))
    for prop, text in _properties(template):
        problems.extend(
            _check_source(text, f"document properties ({prop})", lambda line: None, provided, references)
        )
    for path in required:
        if not any(ref == path or ref.startswith(path + ".") for ref in references):
            problems.append(
                Problem(
                    "missing_required",
                    "the form",
                    f"the form never shows '{path}', which it must; add {{{{ {path} }}}}",
                )
            )
    return list(dict.fromkeys(problems))


# --- the parts docxtpl fills in ------------------------------------------------------------------


@dataclass
class _Part:
    label: str  # "body", "header 1", ...
    root: etree._Element  # a copy of the part's XML with a marker after each p, tr and tc
    places: dict[int, str]  # marker number -> human location


def _parts(template: DocxTemplate) -> Iterator[tuple[str, str, Callable[[], etree._Element]]]:
    """Yield each part docxtpl fills in: its label, the prefix of its locations, and its XML."""
    yield "body", "", lambda: copy.deepcopy(template.docx.element.body)
    for label, uri in (("header", template.HEADER_URI), ("footer", template.FOOTER_URI)):
        for _, part in template.get_headers_footers(uri):
            number = re.search(r"(\d+)\.xml$", str(part.partname))
            name = f"{label} {number.group(1)}" if number else label
            yield name, f"{name}, ", lambda blob=part.blob: parse_xml(blob)
    for part in template.docx.part.package.iter_parts():
        if part.content_type == FOOTNOTES:
            yield "footnotes", "footnote ", lambda blob=part.blob: etree.fromstring(blob, STRICT_XML)


def _properties(template: DocxTemplate) -> Iterator[tuple[str, str]]:
    properties = template.docx.core_properties
    for prop in PROPERTIES:
        text = getattr(properties, prop) or ""
        if "{" in text:
            yield prop, text


def _marked(label: str, prefix: str, root: etree._Element) -> _Part:
    """Name every paragraph, row and cell as a reader would, and put a numbered marker after each."""
    names: dict[etree._Element, str] = {}
    if root.tag == f"{W}footnotes":
        notes = [n for n in root if n.tag == f"{W}footnote" and n.get(f"{W}type") in (None, "normal")]
        for number, note in enumerate(notes, 1):
            _name_blocks(note, f"footnote {number}, ", names)
    else:
        _name_blocks(root, prefix, names)
    places: dict[int, str] = {}
    for number, element in enumerate(list(root.iter(P, TR, TC))):
        places[number] = _place(element, names, label)
        marker = etree.Element(MARK)
        marker.set("n", str(number))
        marker.tail, element.tail = element.tail, None
        element.addnext(marker)
    return _Part(label, root, places)


def _name_blocks(container: etree._Element, prefix: str, names: dict, single: str | None = None) -> None:
    blocks = list(_children(container, (P, TBL)))
    paragraphs = sum(1 for block in blocks if block.tag == P)
    counts = Counter[str]()
    for block in blocks:
        counts[block.tag] += 1
        if block.tag == P:
            names[block] = single if single and paragraphs == 1 else f"{prefix}paragraph {counts[P]}"
            continue
        table = names[block] = f"{prefix}table {counts[TBL]}"
        for row_number, row in enumerate(_children(block, (TR,)), 1):
            names[row] = f"{table}, row {row_number}"
            for cell_number, cell in enumerate(_children(row, (TC,)), 1):
                names[cell] = f"{table}, row {row_number}, cell {cell_number}"
                _name_blocks(cell, names[cell] + ", ", names, single=names[cell])


def _children(container: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    for child in container:
        if child.tag in tags:
            yield child
        elif child.tag in WRAPPERS:
            yield from _children(child, tags)


def _place(element: etree._Element, names: dict, label: str) -> str:
    name = names.get(element)
    if name is None:  # e.g. a paragraph in a text box: say which paragraph holds the box
        holder = next((names[a] for a in element.iterancestors() if a in names), None)
        name = f"{holder}, text box" if holder else label
    if element.tag == TR:
        text = " | ".join(_text(cell) for cell in _children(element, (TC,)))
    else:
        text = _text(element)
    return f"{name} ('{_shorten(text)}')" if text.strip(" |") else name


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(T))


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- checking one part ---------------------------------------------------------------------------


def _check_part(
    template: DocxTemplate, part: _Part, provided: Mapping[str, Any], references: set[str]
) -> list[Problem]:
    marked = etree.tostring(part.root, encoding="unicode")
    problems = _split_tags(marked, part)
    source = _template_source(template.patch_xml(marked))
    problems.extend(_split_delimiters(source, part))
    owners = _owners(source, part)
    split = {problem.location for problem in problems}
    problems.extend(
        problem
        for problem in _check_source(source, part.label, owners.get, provided, references, part=part)
        # A split tag also reads as broken syntax or leftover braces there: say it once, as split.
        if not (problem.kind in ("split_tag", "syntax") and problem.location in split)
    )
    return problems


def _template_source(patched: str) -> str:
    """Put each paragraph on a line of its own as docxtpl does, and end a line after each marker."""
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
    return MARK_RE.sub(lambda m: m.group(0) + "\n", source)


def _owners(text: str, part: _Part) -> dict[int, str]:
    """Map each line of text to the element whose marker comes first at or after it."""
    owners: dict[int, str] = {}
    pending: list[int] = []
    for number, line in enumerate(NEWLINE.split(text), 1):
        pending.append(number)
        marker = MARK_RE.search(line)
        if marker:
            place = part.places.get(int(marker.group(1)), part.label)
            owners.update(dict.fromkeys(pending, place))
            pending = []
    return owners


def _owner_at(text: str, offset: int, part: _Part) -> str:
    marker = MARK_RE.search(text, offset)
    return part.places.get(int(marker.group(1)), part.label) if marker else part.label


def _split_tags(marked: str, part: _Part) -> list[Problem]:
    """Find tags docxtpl would join across a paragraph break, silently merging paragraphs."""
    problems = []
    for join in BRACE_JOIN.finditer(marked):
        if "</w:p>" in join.group(0):
            problems.append(
                Problem(
                    "split_tag",
                    _owner_at(marked, join.start(), part),
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
                    _owner_at(joined, span.start(), part),
                    f"the tag '{_shorten(opening, 50)}' is not closed in its paragraph (Word may have split "
                    "its closing braces); docxtpl would swallow the text up to the next closing braces and "
                    "merge the paragraphs between. Retype the whole tag in one go.",
                )
            )
    return problems


def _split_delimiters(source: str, part: _Part) -> list[Problem]:
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
    if visible[position] == "{":
        closing = re.search(r"[}%#]}", visible[position + 2 :])
        end = position + 2 + closing.end() if closing else position + 40
        return _shorten(visible[position:end], 60)
    start = max(visible.rfind(opener, 0, position) for opener in ("{{", "{%", "{#", "{"))
    return _shorten(visible[max(start, 0) : position + 2], 60)


def _visible(xml: str) -> str:
    """Return the text Word shows in a stretch of XML that may start inside a w:t element."""
    return xml.split("<", 1)[0] + "".join(VISIBLE_TEXT.findall(xml))


def _mirrored(xml: str) -> bool:
    """Whether removing or repeating this XML keeps the document well formed (</a></b><b><a>)."""
    closes: list[str] = []
    opens: list[str] = []
    for closing, name, empty in XML_TAG.findall(xml):
        if empty:
            continue
        if not closing:
            opens.append(name)
        elif opens:
            if opens.pop() != name:
                return False
        else:
            closes.append(name)
    return closes == opens[::-1]


# --- the template itself: syntax, variables, unsafe access, a trial run --------------------------


def _check_source(
    source: str,
    label: str,
    locate: Callable[[int | None], str | None],
    provided: Mapping[str, Any],
    references: set[str],
    *,
    part: _Part | None = None,
) -> list[Problem]:
    def where(line: int | None) -> str:
        return locate(line) or (label if part is None else _part_place(label))

    printed: list[str] = []
    env = _environment(printed)
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Problem("syntax", where(exc.lineno), f"template syntax error: {exc.message}")]
    walker = _Walker(env, provided, where)
    walker.statements(ast.body, {}, frozenset())
    references.update(walker.references)
    if walker.problems:
        return walker.problems  # a trial run would only stop at the first of these
    return _trial_run(env, source, provided, printed, where, part)


def _part_place(label: str) -> str:
    return "the document body" if label == "body" else label


def _trial_run(
    env: SandboxedEnvironment,
    source: str,
    provided: Mapping[str, Any],
    printed: list[str],
    where: Callable[[int | None], str],
    part: _Part | None,
) -> list[Problem]:
    """Fill the part in with the example values, catching whatever goes wrong."""
    try:
        rendered = env.from_string(source).render(dict(provided))
    except Exception as exc:  # a form must never crash the check
        line = _jinja_line(exc)
        if isinstance(exc, SecurityError):
            return [Problem("unsafe", where(line), _describe(exc))]
        if isinstance(exc, UndefinedError):
            return [Problem("unknown_variable", where(line), _describe(exc))]
        if isinstance(exc, TemplateError):
            return [Problem("syntax", where(line), _describe(exc))]
        return [Problem("syntax", where(line), f"filling in the form fails: {exc}")]
    if part is None:
        return []
    for escaped, literal in DOCXTPL_ESCAPES:
        rendered = rendered.replace(escaped, literal)
    try:
        root = etree.fromstring(rendered, STRICT_XML)
    except etree.XMLSyntaxError as exc:
        owners = _owners(rendered, part)
        return [
            Problem(
                "syntax",
                owners.get(exc.lineno) or _part_place(part.label),
                f"filling in the form breaks the Word document's structure ({exc.msg}); a tag probably "
                "spans paragraphs, cells or other elements",
            )
        ]
    return _leftovers(root, printed, part)


def _leftovers(root: etree._Element, printed: list[str], part: _Part) -> list[Problem]:
    """Report paragraphs that still show tag braces after filling in (as the renderer would refuse)."""
    expected: Counter[str] = Counter()
    for value in printed:
        for marker in MARKERS:
            expected[marker] += value.count(marker)
    found: Counter[str] = Counter()
    hits: dict[str, str] = {}
    for paragraph in root.iter(P):
        text = _text(paragraph)
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
            f"'{_shorten(text, 60)}' would still show tag braces after filling in: the tag is broken "
            "(Word may have split it, or a brace is missing). Retype the whole tag in one go.",
        )
        for place, text in hits.items()
    ]


# --- walking the template ------------------------------------------------------------------------

ANY = object()  # a value the check cannot know (a call's result, a number, ...)
GLOBAL = object()  # one of the sandbox's global helpers (range, cycler, ...)
TAINTED = object()  # an expression already reported as unsafe


@dataclass(frozen=True)
class _Value:
    example: Any
    canon: str | None = None  # the path into the provided variables: "actions.what"
    display: str | None = None  # as the template writes it: "a.what"
    owner: str | None = None  # for messages: "supervisor", "each item of actions"


UNKNOWN = _Value(ANY)


class _Walker:
    """Follow the template's syntax tree, resolving each variable against the example context."""

    def __init__(self, env: SandboxedEnvironment, provided: Mapping[str, Any], where: Callable):
        self.env, self.provided, self.where = env, provided, where
        self.problems: list[Problem] = []
        self.references: set[str] = set()

    def report(self, kind: str, node: nodes.Node, message: str) -> None:
        self.problems.append(Problem(kind, self.where(node.lineno), message))

    # statements

    def statements(self, body: list[nodes.Node], scope: dict[str, _Value], guards: frozenset[str]) -> None:
        for node in body:
            self.statement(node, scope, guards)

    def statement(self, node: nodes.Node, scope: dict[str, _Value], guards: frozenset[str]) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expr(child, scope, guards)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope, guards)
            self.structure(node, "if", [node.body, node.else_] + [e.body for e in node.elif_])
            self.statements(node.body, scope, guards | _guarded(node.test, True))
            otherwise = guards | _guarded(node.test, False)
            for branch in node.elif_:
                self.expr(branch.test, scope, otherwise)
                self.statements(branch.body, scope, otherwise | _guarded(branch.test, True))
                otherwise |= _guarded(branch.test, False)
            self.statements(node.else_, scope, otherwise)
        elif isinstance(node, nodes.For):
            self.structure(node, "for", [node.body, node.else_])
            items = self.expr(node.iter, scope, guards)
            inner = dict(scope)
            self.bind(node.target, _item(items), inner)
            inner["loop"] = _Value(ANY, display="loop")
            if node.test is not None:
                self.expr(node.test, inner, guards)
            self.statements(node.body, inner, guards)
            self.statements(node.else_, dict(scope), guards)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node, scope, guards), scope)
        elif isinstance(node, nodes.AssignBlock):
            if node.filter is not None:
                self.expr(node.filter, scope, guards)
            self.statements(node.body, dict(scope), guards)
            self.bind(node.target, UNKNOWN, scope)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                self.bind(target, self.expr(value, scope, guards), inner)
            self.statements(node.body, inner, guards)
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            if isinstance(node, nodes.Macro):
                scope[node.name] = UNKNOWN
            else:
                self.expr(node.call, scope, guards)
            for default in node.defaults:
                self.expr(default, scope, guards)
            inner = dict(scope)
            for name in ("varargs", "kwargs", "caller"):
                inner[name] = UNKNOWN
            for arg in node.args:
                inner[arg.name] = UNKNOWN
            self.statements(node.body, inner, guards)
        elif isinstance(node, nodes.FilterBlock):
            self.expr(node.filter, scope, guards)
            self.statements(node.body, scope, guards)
        elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            self.report("syntax", node, "a form cannot include, import or extend other templates")
        elif isinstance(node, nodes.ExprStmt):
            self.expr(node.node, scope, guards)
        else:  # Scope, Block, EvalContextModifier, ...: check what they hold
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope, guards)
                else:
                    self.statement(child, scope, guards)

    def structure(self, node: nodes.Node, keyword: str, bodies: list[list[nodes.Node]]) -> None:
        """Report a block whose start and end sit at different depths of the Word XML."""
        for body in bodies:
            xml = "".join(
                child.data for stmt in body if isinstance(stmt, nodes.Output)
                for child in stmt.nodes if isinstance(child, nodes.TemplateData)
            )  # fmt: skip
            if not _mirrored(xml):
                self.report(
                    "syntax",
                    node,
                    f"the {{% {keyword} %}} here and its {{% end{keyword} %}} sit in different kinds of place "
                    f"(for example one in a paragraph, the other in a table cell); filling in would break "
                    f"the document. Put {{%p {keyword} … %}} and {{%p end{keyword} %}} in paragraphs of "
                    f"their own, or {{%tr {keyword} … %}} and {{%tr end{keyword} %}} in rows of their own.",
                )
                return

    def bind(self, target: nodes.Node, value: _Value, scope: dict[str, _Value]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = _Value(value.example, value.canon, target.name, value.owner or target.name)
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, UNKNOWN, scope)

    # expressions

    def expr(
        self, node: nodes.Node, scope: dict[str, _Value], guards: frozenset[str], lenient: bool = False
    ) -> _Value:
        if isinstance(node, nodes.Name):
            return self.name(node, scope, guards, lenient)
        if isinstance(node, nodes.Getattr):
            return self.member(node, node.node, node.attr, scope, guards, lenient)
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
                return self.member(node, node.node, node.arg.value, scope, guards, lenient)
            base = self.expr(node.node, scope, guards)
            self.expr(node.arg, scope, guards)
            return (
                base
                if base.example is TAINTED
                else _item(base)
                if not isinstance(node.arg, nodes.Slice)
                else base
            )
        if isinstance(node, nodes.Const):
            return _Value(node.value, display=repr(node.value))
        if isinstance(node, nodes.Filter | nodes.Test):
            return self.filter_or_test(node, scope, guards)
        if isinstance(node, nodes.And | nodes.Or):
            self.expr(node.left, scope, guards)
            self.expr(node.right, scope, guards | _guarded(node.left, isinstance(node, nodes.And)))
            return UNKNOWN
        if isinstance(node, nodes.CondExpr):
            self.expr(node.test, scope, guards)
            self.expr(node.expr1, scope, guards | _guarded(node.test, True))
            if node.expr2 is not None:
                self.expr(node.expr2, scope, guards | _guarded(node.test, False))
            return UNKNOWN
        if isinstance(node, nodes.Call):
            func = self.expr(node.node, scope, guards)
            for child in [*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs]:
                if child is not None:
                    self.expr(child, scope, guards)
            if func.example is TAINTED:
                return func
            return _Value(ANY, display=f"{func.display or '…'}()")
        for child in node.iter_child_nodes():
            self.expr(child, scope, guards)
        return UNKNOWN

    def name(self, node: nodes.Name, scope: dict, guards: frozenset[str], lenient: bool) -> _Value:
        name = node.name
        if name in scope:
            return scope[name]
        if name in UNSAFE_NAMES:
            self.report(
                "unsafe", node, f"'{name}' reaches the template engine's internals; a form may not use it"
            )
            return _Value(TAINTED)
        if name in self.provided:
            self.references.add(name)
            return _Value(self.provided[name], name, name, name)
        if name in self.env.globals:
            return _Value(GLOBAL, display=name)
        if not (lenient or name in guards):
            hint = _suggest(name, self.provided)
            self.report(
                "unknown_variable",
                node,
                f"unknown variable '{name}': forms of this kind have no such variable{hint}",
            )
        return _Value(ANY, display=name)

    def member(
        self, node: nodes.Node, base_node: nodes.Node, key: str | int, scope: dict, guards, lenient
    ) -> _Value:
        base = self.expr(base_node, scope, guards)
        if base.example is TAINTED:
            return base
        display = f"{base.display or '…'}.{key}" if isinstance(key, str) else f"{base.display or '…'}[{key}]"
        example = base.example
        if isinstance(key, str):
            reason = None
            if key.startswith("_"):
                reason = "names beginning with '_' lead to Python internals"
            elif base.example is GLOBAL:
                reason = f"'{base.display}' is a helper of the template engine, not a value"
            elif key in UNSAFE_ATTRIBUTES and not (isinstance(example, Mapping) and key in example):
                reason = f"'{key}' can reach Python internals"
            elif example is not ANY and not isinstance(example, Mapping) and hasattr(example, key):
                if not self.env.is_safe_attribute(example, key, getattr(example, key)):
                    reason = f"the sandbox refuses '{key}'"
            if reason:
                self.report("unsafe", node, f"'{display}' is not allowed in a form: {reason}")
                return _Value(TAINTED)
        canon = f"{base.canon}.{key}" if base.canon and isinstance(key, str) else base.canon
        if example is ANY:
            return _Value(ANY, canon, display, display)
        if isinstance(example, Mapping) and key in example:
            if canon:
                self.references.add(canon)
            return _Value(example[key], canon, display, canon or display)
        if isinstance(example, list | tuple) and isinstance(key, int):
            return _Value(example[0] if example else ANY, base.canon, display, f"each item of {base.owner}")
        if isinstance(key, str) and hasattr(example, key):  # a method such as items() or upper()
            return _Value(ANY, display=display)
        if not (lenient or display in guards):
            hint = _suggest(key, example) if isinstance(example, Mapping) else ""
            self.report(
                "unknown_variable",
                node,
                f"unknown variable '{display}': {base.owner or base.display} has no '{key}'{hint}",
            )
        return _Value(ANY, display=display)

    def filter_or_test(self, node: nodes.Filter | nodes.Test, scope: dict, guards: frozenset[str]) -> _Value:
        is_filter = isinstance(node, nodes.Filter)
        known = self.env.filters if is_filter else self.env.tests
        lenient = node.name in (("default", "d") if is_filter else ("defined", "undefined"))
        operand = self.expr(node.node, scope, guards, lenient) if node.node is not None else UNKNOWN
        for child in [*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs]:
            if child is not None:
                self.expr(child, scope, guards)
        if node.name not in known:
            what = "filter" if is_filter else "test"
            why = " (it would print a value without escaping)" if node.name in RAW_FILTERS else ""
            self.report("syntax", node, f"there is no {what} named '{node.name}' in a form{why}")
            return UNKNOWN
        if operand.example is TAINTED:
            return operand
        if is_filter and node.name in ATTRIBUTE_FILTERS:
            return self.attribute_filter(node, operand)
        if is_filter and node.name in ("default", "d"):
            return operand
        return UNKNOWN

    def attribute_filter(self, node: nodes.Filter, operand: _Value) -> _Value:
        """Check the attribute named by |attr, |map(attribute=…), |selectattr(…) and the like."""
        index, keyword = ATTRIBUTE_FILTERS[node.name]
        argument = node.args[index] if index is not None and len(node.args) > index else None
        for kw in node.kwargs:
            if kw.key == keyword:
                argument = kw.value
        if argument is None:
            return UNKNOWN
        if not (isinstance(argument, nodes.Const) and isinstance(argument.value, str | int)):
            if node.name == "attr":
                self.report("unsafe", node, "'|attr' with a computed name is not allowed in a form")
                return _Value(TAINTED)
            return UNKNOWN
        path = str(argument.value)
        for key in path.split("."):
            if key.startswith("_") or key in UNSAFE_ATTRIBUTES:
                self.report(
                    "unsafe",
                    node,
                    f"'|{node.name}({path!r})' is not allowed in a form: it reaches Python internals",
                )
                return _Value(TAINTED)
        value = operand if node.name == "attr" else _item(operand)
        for key in path.split("."):
            example = value.example
            if example is ANY or not isinstance(example, Mapping):
                return UNKNOWN
            if key not in example:
                hint = _suggest(key, example)
                self.report(
                    "unknown_variable",
                    node,
                    f"unknown variable in '|{node.name}({path!r})': {value.owner or value.display} has no '{key}'{hint}",
                )
                return UNKNOWN
            canon = f"{value.canon}.{key}" if value.canon else None
            if canon:
                self.references.add(canon)
            value = _Value(example[key], canon, f"{value.display}.{key}", canon)
        return value if node.name == "attr" else UNKNOWN


def _item(value: _Value) -> _Value:
    """Return what iterating over value yields: a list's first example item, else anything."""
    if isinstance(value.example, list | tuple) and value.example:
        return _Value(
            value.example[0], value.canon, value.display, f"each item of {value.owner or value.display}"
        )
    return _Value(ANY, display=value.display)


def _guarded(test: nodes.Node, holds: bool) -> frozenset[str]:
    """Return the paths known to be defined where test evaluates to holds."""
    if isinstance(test, nodes.Test) and test.name in ("defined", "undefined"):
        path = _path(test.node)
        return frozenset({path}) if path and (test.name == "defined") == holds else frozenset()
    if isinstance(test, nodes.Not):
        return _guarded(test.node, not holds)
    if isinstance(test, nodes.And) and holds or isinstance(test, nodes.Or) and not holds:
        return _guarded(test.left, holds) | _guarded(test.right, holds)
    return frozenset()


def _path(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return base and f"{base}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _path(node.node)
        key = node.arg.value
        return base and (f"{base}.{key}" if isinstance(key, str) else f"{base}[{key}]")
    return None


def _suggest(key: Any, options: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(str(key), [str(option) for option in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

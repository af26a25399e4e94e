"""Render a trust's Word form with docxtpl inside a Jinja sandbox, escaping every value."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError
from lxml import etree

from .sandbox import LimitError, SandboxLimits, sandboxed_environment

# Text that means a Jinja tag survived rendering (Word split it, or it sits where docxtpl
# does not look); a value may still contain these, so they are counted, not just searched.
MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")
# docxtpl turns these escapes into literal braces after rendering (its "{_{" syntax).
DOCXTPL_ESCAPES = (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_ELEMENTS = (f"{W}t", f"{W}delText", f"{W}instrText")
RENDERED_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
STRICT_XML = etree.XMLParser(resolve_entities=False, huge_tree=False)


class RenderError(Exception):
    """A Word form could not be rendered; the message names the template and, if known, the line."""

    def __init__(self, template: str, detail: str, *, line: int | None = None, part: str | None = None):
        where = template
        if line is not None:
            where += f", line {line}" + (f" of {part}" if part else "")
        super().__init__(f"{where}: {detail}")
        self.template = template
        self.detail = detail
        self.line = line
        self.part = part

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields, so it can come back pickled from an isolated render.
        return (_rebuild_render_error, (self.template, self.detail, self.line, self.part))


def _rebuild_render_error(template: str, detail: str, line: int | None, part: str | None) -> RenderError:
    """Rebuild a pickled RenderError."""
    return RenderError(template, detail, line=line, part=part)


def render_docx(
    template_file: Path | bytes, context: Mapping[str, Any], *, limits: SandboxLimits | None = None,
    name: str | None = None,
) -> bytes:
    """Render a .docx template (a path, or the form's bytes) with context and return the document's bytes."""
    source: Path | io.BytesIO
    if isinstance(template_file, bytes):
        name, source = name or "the form", io.BytesIO(template_file)
    else:
        source = Path(template_file)
        name = name or source.name
        if not source.is_file():
            raise RenderError(name, "no template file at this path")
    printed: list[str] = []
    template = _StrictTemplate(source)
    try:
        template.render(dict(context), jinja_env=sandboxed_environment(printed, limits))
        out = io.BytesIO()
        template.save(out)
    except _PartError as exc:
        detail = describe_error(exc.error) + (f" (in the paragraph {exc.excerpt!r})" if exc.excerpt else "")
        raise RenderError(name, detail, line=exc.line, part=exc.part) from exc.error
    except TemplateError as exc:
        raise RenderError(name, describe_error(exc)) from exc
    except etree.XMLSyntaxError as exc:
        raise RenderError(name, f"the rendered form is not well-formed XML ({exc})") from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        raise RenderError(name, f"not a readable Word document ({exc})") from exc
    rendered = out.getvalue()
    _check_no_tags_left(name, rendered, printed)
    return rendered


class _PartError(Exception):
    """A Jinja error inside one part of the document, with the line Jinja reported."""

    def __init__(self, error: TemplateError, part: str, line: int | None, excerpt: str):
        super().__init__(str(error))
        self.error, self.part, self.line, self.excerpt = error, part, line, excerpt


class _StrictTemplate(DocxTemplate):
    """docxtpl's template, told which line failed and refusing XML it would silently repair."""

    def render_xml_part(self, src_xml: str, part: Any, context: dict[str, Any], jinja_env: Any = None) -> str:
        try:
            return super().render_xml_part(src_xml, part, context, jinja_env)
        except TemplateError as exc:
            line = jinja_line(exc)
            raise _PartError(exc, str(part.partname).lstrip("/"), line, _excerpt(src_xml, line)) from exc

    def fix_tables(self, xml: str) -> Any:
        # docxtpl parses the rendered body with recover=True, which drops whatever breaks
        # the XML; parse strictly first so a broken form fails instead.
        etree.fromstring(xml, STRICT_XML)
        return super().fix_tables(xml)


def jinja_line(exc: BaseException) -> int | None:
    """Return the template line Jinja blames: the syntax error's, or the deepest template frame's."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    line = None
    frame = exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename == "<template>":
            line = frame.tb_lineno
        frame = frame.tb_next
    return line


def _excerpt(src_xml: str, line: int | None) -> str:
    """Return the text of the paragraph on a template line (docxtpl puts one per line)."""
    if line is None:
        return ""
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml).splitlines()
    if not 0 < line <= len(lines):
        return ""
    return re.sub(r"<[^>]+>", "", lines[line - 1]).strip()[:160]


def describe_error(exc: TemplateError) -> str:
    """Return what went wrong in words a form's author can act on."""
    if isinstance(exc, LimitError):
        return f"refused, too much work for a form: {exc}"
    if isinstance(exc, SecurityError):
        return f"refused by the template sandbox: {exc}"
    if isinstance(exc, UndefinedError):
        return f"undefined template variable: {exc.message}"
    if isinstance(exc, TemplateSyntaxError):
        return f"template syntax error: {exc.message}"
    return f"template error: {exc}"


def _check_no_tags_left(name: str, docx: bytes, printed: list[str]) -> None:
    """Raise RenderError if any part still shows Jinja tag text that no value accounts for."""
    expected: Counter[str] = Counter()
    for value in printed:
        text = value.replace("\n", "").replace("\t", "")
        for escaped, literal in DOCXTPL_ESCAPES:
            text = text.replace(escaped, literal)
        for marker in MARKERS:
            expected[marker] += text.count(marker)
    found: Counter[str] = Counter()
    samples: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        for part in package.namelist():
            if not RENDERED_PART.match(part):
                continue
            try:
                root = etree.fromstring(package.read(part), STRICT_XML)
            except etree.XMLSyntaxError as exc:
                raise RenderError(name, f"{part} is not well-formed XML after rendering ({exc})") from exc
            for text in _paragraph_texts(root):
                hits = {marker: text.count(marker) for marker in MARKERS if marker in text}
                if hits:
                    found.update(hits)
                    samples.append(f"{part}: {text.strip()[:120]!r}")
    if any(found[marker] > expected[marker] for marker in MARKERS):
        raise RenderError(
            name,
            "template tags were left unrendered (Word may have split a tag across runs; retype it "
            "in one go): " + "; ".join(samples[:5]),
        )


def _paragraph_texts(root: Any) -> list[str]:
    """Return the text of each paragraph, joining its runs, nested paragraphs kept apart."""
    texts: dict[Any, list[str]] = {}
    for element in root.iter(*TEXT_ELEMENTS):
        paragraph = next(element.iterancestors(f"{W}p"), None)
        texts.setdefault(paragraph, []).append(element.text or "")
    return ["".join(parts) for parts in texts.values()]

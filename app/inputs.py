"""One rule for every text that enters Countersign: no control characters, no broken Unicode.

Web forms and query strings are checked here by a request hook; commands, profiles (TOML) and
data files (JSON) call clean_line, clean_text and tree_problems. A value that breaks the rule is
refused with the field's name, never stored: PostgreSQL cannot hold NUL, an email header cannot
hold CR or LF, and a record read in court must show exactly what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, render_template, request

View = TypeVar("View", bound=Callable[..., Any])

# Refused everywhere: C0/C1 controls (tab, LF and CR are decided per field), lone surrogates,
# U+FFFD (what the web layer puts where a byte was not UTF-8) and Unicode noncharacters.
_NONCHARACTERS = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
_NEVER = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd" + re.escape(_NONCHARACTERS) + "]"
)
# Also refused in one-line text: line breaks of any kind, and the bidirectional controls that can
# make a name or a reference display as something other than what it is.
_NOT_IN_A_LINE = re.compile("[\t\n\r\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_LINE = 500
MAX_TEXT = 20000
_MULTILINE = "countersign_multiline_fields"


class InputInvalid(ValueError):
    """A value cannot be accepted; field names where it was given, message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _describe(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if character in "\n\r\u2028\u2029":
        return f"a line break ({code}); it must be one line"
    if character == "\t":
        return f"a tab ({code}); it must be one line"
    if "\ud800" <= character <= "\udfff":
        return f"broken Unicode (a lone surrogate, {code})"
    if character == "\ufffd":
        return f"a character that could not be read ({code}: the text was not valid UTF-8)"
    name = unicodedata.name(character, "")
    return f"a control character ({code}{' ' + name if name else ''})"


def problem(value: str, *, multiline: bool) -> str | None:
    """Return why value cannot be accepted as text (one line unless multiline), or None."""
    found = _NEVER.search(value) or (None if multiline else _NOT_IN_A_LINE.search(value))
    return f"contains {_describe(found.group())}" if found else None


def user_agent() -> str | None:
    """Return the request's User-Agent as the audit log keeps it: what it may hold, at most 500 characters."""
    value = request.headers.get("User-Agent")
    if value is None:
        return None
    # A header is not a field anyone typed: keep what can be stored rather than refuse the request.
    return _NOT_IN_A_LINE.sub("", _NEVER.sub("", value))[:500] or None


def has_control(value: str) -> bool:
    """Tell whether value holds any character a one-line field refuses."""
    return problem(value, multiline=False) is not None


def clean_line(value: Any, field: str, *, max_length: int = MAX_LINE) -> str:
    """Return one line of text stripped of outer spaces; raise InputInvalid naming field."""
    return _clean(value, field, multiline=False, max_length=max_length)


def clean_text(value: Any, field: str, *, max_length: int = MAX_TEXT) -> str:
    """Return text that may hold line breaks and tabs, stripped; raise InputInvalid naming field."""
    return _clean(value, field, multiline=True, max_length=max_length)


def _clean(value: Any, field: str, *, multiline: bool, max_length: int) -> str:
    if not isinstance(value, str):
        raise InputInvalid(field, "must be text")
    found = problem(value, multiline=multiline)
    if found:
        raise InputInvalid(field, found)
    value = value.strip()
    if len(value) > max_length:
        raise InputInvalid(field, f"is too long ({max_length:,} characters at most)")
    return value


def tree_problems(value: Any, where: str, *, multiline: bool = True) -> list[str]:
    """Return a problem for every key or text in nested lists and tables that holds a refused character."""
    return [f"{field}: {why}" for field, why in tree_field_problems(value, where, multiline=multiline)]


def tree_field_problems(value: Any, where: str, *, multiline: bool = True) -> list[tuple[str, str]]:
    """Return (where, why) for every key or text in nested lists and tables that holds a refused character."""
    problems = []
    if isinstance(value, str):
        found = problem(value, multiline=multiline)
        if found:
            problems.append((where, found))
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and (found := problem(key, multiline=False)):
                problems.append((where or "a key", f"the key {key!r} {found}"))
                continue
            problems += tree_field_problems(item, name, multiline=multiline)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            problems += tree_field_problems(item, f"{where}[{index}]", multiline=multiline)
    return problems


# --- the web ---------------------------------------------------------------------------------------


def lines_allowed(*fields: str) -> Callable[[View], View]:
    """Declare which form fields of a view are long text (glob patterns): only they may hold line breaks."""

    def mark(view: View) -> View:
        setattr(view, _MULTILINE, (*getattr(view, _MULTILINE, ()), *fields))
        return view

    return mark


def form_problems(form: Any, multiline_fields: Iterable[str]) -> dict[str, str]:
    """Map each form field whose name or value cannot be accepted to a sentence naming it."""
    patterns = tuple(multiline_fields)
    problems: dict[str, str] = {}
    for name, value in form.items(multi=True):
        found = problem(name, multiline=False)
        if found:
            problems.setdefault("form", f"A field name {found}.")
            continue
        found = problem(value, multiline=any(fnmatchcase(name, p) for p in patterns))
        if found:
            problems.setdefault(name, f"{label(name)} {found}. Remove it and try again.")
    return problems


def undecodable_fields(raw: bytes) -> dict[str, str]:
    """Name each field of a URL-encoded body or query string whose bytes are not UTF-8.

    The web layer keeps such bytes as literal '%E9' text, so they are only visible here.
    """
    problems: dict[str, str] = {}
    for pair in raw.split(b"&"):
        name, _, value = pair.replace(b"+", b" ").partition(b"=")
        field = unquote_to_bytes(name).decode("utf-8", "replace")
        try:
            unquote_to_bytes(name).decode("utf-8")
            unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            problems.setdefault(field, f"{label(field)} contains a character that could not be read "
                                       "(the text was not valid UTF-8). Type it again.")
    return problems


def label(name: str) -> str:
    """Return a field's name as a person reads it: 'case-0-discussion' is 'Case 1 discussion'."""
    words = [str(int(w) + 1) if w.isdigit() else w for w in re.split(r"[-_]", name) if w]
    return " ".join(words).capitalize() or "A field"


def init_app(app: Flask) -> None:
    """Refuse a form (or a query string sent with it) that holds what no field may, naming each field.

    Call it before CSRF protection parses the form, so the body's own bytes can still be read.
    """

    @app.before_request
    def refuse_bad_text() -> tuple[str, int] | None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            # Reading never stores anything; a search for such text simply finds nothing
            # (documents.queries.Search), and a number or choice that is not one is ignored.
            return None
        view = current_app.view_functions.get(request.endpoint or "")
        allowed = getattr(view, _MULTILINE, ())
        problems = undecodable_fields(request.query_string)
        if request.mimetype == "application/x-www-form-urlencoded":
            problems |= undecodable_fields(request.get_data(cache=True))  # the form is parsed from this copy
        problems = form_problems(request.args, ()) | form_problems(request.form, allowed) | problems
        if not problems:
            return None
        return render_template("input_refused.html", errors=problems), 400

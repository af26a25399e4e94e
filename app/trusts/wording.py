"""What a trust calls each kind of document, what its parties agree to, and how its emails open.

Countersign's defaults are in document_templates/wording.toml; a profile's [wording.<kind>]
overrides any of them. No wording lives here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..config import PROJECT_ROOT
from ..inputs import problem
from ..kinds import KINDS, Kind
from .kind_tables import kind_tables_problems

WORDING_FILE = PROJECT_ROOT / "document_templates" / "wording.toml"
# Each one-line text of a kind's wording, with its longest length.
TEXTS = {"name": 120, "statement": 300, "agreed": 200}
# The emails a party is sent, whose opening lines the wording gives (app/templates/email/<name>.txt).
OPENINGS = ("agree_request", "reissue_request", "reminder", "answer_request", "answer_reminder", "sealed", "issued")
OPENING_LENGTH = 1000
PLACEHOLDERS = ("author", "role", "title", "document", "reference", "version", "trust")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Wording:
    """One kind's wording for one trust."""

    name: str
    statement: str
    agreed: str
    openings: Mapping[str, str]

    def opening(self, email: str, values: Mapping[str, Any]) -> str:
        """Return an email's opening lines with each {placeholder} filled in (the document's name as {document})."""
        known = {**{k: str(v) for k, v in values.items()}, "document": self.name}
        return _PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), self.openings[email])


@cache
def _defaults() -> dict[str, Any]:
    return tomllib.loads(WORDING_FILE.read_text(encoding="utf-8"))


def default_texts(kind_name: str) -> dict[str, Any]:
    """Return Countersign's wording of a kind, before any trust's: name, statement, agreed, openings."""
    table, common = _defaults().get(kind_name, {}), _defaults()["default"]
    found: dict[str, Any] = {key: table.get(key, common.get(key, "")) for key in TEXTS}
    found["name"] = found["name"] or KINDS[kind_name].title
    found["openings"] = {**common["openings"], **table.get("openings", {})}
    return found


def wording_for(profile: Mapping[str, Any] | None, kind_name: str) -> Wording:
    """Return a kind's wording for the trust of this profile: its own where it gives any, else the defaults."""
    texts = default_texts(kind_name)
    own = ((profile or {}).get("wording") or {}).get(kind_name) or {}
    openings = {**texts["openings"], **{k: v for k, v in (own.get("openings") or {}).items() if k in OPENINGS}}
    given = {key: own.get(key) or texts[key] for key in TEXTS}
    return Wording(**given, openings=openings)


def document_name(profile: Mapping[str, Any] | None, kind_name: str) -> str:
    """Return what the trust calls a kind of document."""
    return wording_for(profile, kind_name).name


def texts_for(spec: Kind) -> tuple[str, ...]:
    """Return the one-line texts of a kind's wording that its documents use (one nobody agrees has only a name)."""
    return tuple(TEXTS) if spec.needs_agreement else ("name",)


def openings_for(spec: Kind) -> tuple[str, ...]:
    """Return the emails a party may be sent about a document of this kind, whose opening lines its wording gives."""
    if not spec.needs_agreement:
        return ("issued",)
    found = ("answer_request", "answer_reminder") if spec.answered_online else ()
    found += ("agree_request",) + (("reissue_request",) if spec.reviewed_yearly else ()) + ("reminder", "sealed")
    return found


def wording_problems(wording: Any) -> list[tuple[str, str]]:
    """Return (field, why) for each bad entry of a profile's [wording] table."""
    return kind_tables_problems(
        "wording", wording, keys=(*TEXTS, "openings"),
        shape="a table of name, statement, agreed and openings", check=_kind_wording_problems,
    )


def _kind_wording_problems(where: str, table: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for key, longest in TEXTS.items():
        if key in table:
            problems += _text_problems(f"{where}.{key}", table[key], longest, multiline=False)
    openings = table.get("openings", {})
    if not isinstance(openings, dict):
        problems.append((f"{where}.openings", f"must be a table of {', '.join(OPENINGS)}"))
        openings = {}
    for email, text in openings.items():
        if email not in OPENINGS:
            problems.append((f"{where}.openings.{email}", f"unknown email (known: {', '.join(OPENINGS)})"))
            continue
        found = _text_problems(f"{where}.openings.{email}", text, OPENING_LENGTH, multiline=True)
        problems += found or _placeholder_problems(f"{where}.openings.{email}", text)
    return problems


def _text_problems(where: str, value: Any, longest: int, *, multiline: bool) -> list[tuple[str, str]]:
    if not isinstance(value, str) or not value.strip():
        return [(where, "must be non-empty text")]
    if found := problem(value, multiline=multiline):
        return [(where, found)]
    if len(value) > longest:
        return [(where, f"is too long ({longest:,} characters at most)")]
    return []


def _placeholder_problems(where: str, text: str) -> list[tuple[str, str]]:
    unknown = [m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(1) not in PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        return [(where, f"unknown placeholder {unknown[0]} (you can use {known})")]
    return []

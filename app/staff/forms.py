"""Turn a staff create/revise form into a kind's fields, and back, so a form round-trips exactly.

Only what the page offers is read (app/offers.py), so a field the trust's form does not print is
neither asked for nor overwritten. Cases and actions take as many rows as the page was given:
"add another" posts the form back with one more row.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from ..kinds import KINDS, FieldError, Kind, record_sections, terms_of
from ..offers import Offer

MAX_ROWS = 200  # the most cases or actions one document holds (app/kinds.py refuses more)
LIST_OF_TEXT = ("agenda_items", "extra_items")
# The form's textareas: only these may hold line breaks and tabs (every other field is one line).
LONG_TEXT = ("supervisees", *LIST_OF_TEXT, "section-*", "case-*-discussion", "case-*-advice", "case-*-actions",
             "term-*", *sorted({f.name for spec in KINDS.values() for f in spec.fields if f.type == "multiline"}))
ROW = re.compile(r"(case|action)-(\d+)-")


def rows_in(form: Any, which: str, stored: int = 0) -> int:
    """Return how many rows of cases or actions the page shows: those given (or stored), and one empty more at first."""
    given = form.get(f"{which}_rows", "")
    if given.isdigit():
        count = int(given)
    else:
        indexes = [int(m.group(2)) for key in form for m in [ROW.match(key)] if m and m.group(1) == which]
        count = max([stored, *(i + 1 for i in indexes)]) + (0 if indexes else 1)
    return max(1, min(count, MAX_ROWS))


def fields_from_form(spec: Kind, profile: dict[str, Any], form: MultiDict, offer: Offer, *,
                     all_terms: bool = False) -> dict[str, Any]:
    """Return the fields a submitted form gives; terms only where they differ from the default, unless all_terms."""
    fields: dict[str, Any] = {}
    for f in offer.fields:
        if f.name in LIST_OF_TEXT:
            lines = [line.strip() for line in form.get(f.name, "").splitlines() if line.strip()]
            if lines:
                fields[f.name] = lines
        elif f.name == "sections":
            titles = [s["title"] for s in record_sections(profile)]
            fields["sections"] = [{"title": t, "text": form.get(f"section-{i}", "")} for i, t in enumerate(titles)]
        elif f.name in ("cases", "actions"):
            which, keys = ("case", offer.case_keys) if f.name == "cases" else ("action", offer.action_keys)
            rows = [{k: form.get(f"{which}-{i}-{k}", "") for k in keys} for i in range(rows_in(form, which))]
            fields[f.name] = [row for row in rows if any(v.strip() for v in row.values())]
        elif f.name == "done_actions":
            fields["done_actions"] = [int(v) for v in form.getlist("done_actions") if v.isdigit()]
        elif form.get(f.name, "").strip():
            fields[f.name] = form.get(f.name, "")
    if offer.actions_need_section:
        missing = [n for n, a in enumerate(fields.get("actions", []), start=1) if not a.get("section")]
        if missing:
            raise FieldError([f"actions: item {missing[0]}: choose the section the action belongs to "
                              "(this trust's form prints each action under its section)"])
    defaults = terms_of(profile)
    for key in offer.terms:
        value = form.get(f"term-{key}")
        if value is not None and (all_terms or value.strip() != defaults[key].strip()):
            fields[key] = value
    return fields


def form_from_fields(spec: Kind, stored: dict[str, Any]) -> dict[str, Any]:
    """Return form values that reproduce stored fields (for revising a version)."""
    values: dict[str, Any] = {}
    for f in spec.fields:
        value = stored.get(f.name)
        if f.name in LIST_OF_TEXT:
            values[f.name] = "\n".join(value or [])
        elif f.name == "sections":
            for i, section in enumerate(value or []):
                values[f"section-{i}"] = section["text"]
        elif f.name in ("cases", "actions"):
            which = "case" if f.name == "cases" else "action"
            for i, row in enumerate(value or []):
                values.update({f"{which}-{i}-{k}": v for k, v in row.items()})
            values[f"{which}_rows"] = str(max(1, len(value or [])))
        elif f.name == "done_actions":
            values["done_actions"] = [str(v) for v in value or []]
        elif isinstance(value, str):
            values[f.name] = value
    for key, value in stored.get("terms", {}).items():
        values[f"term-{key}"] = value
    return values

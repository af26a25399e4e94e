"""Turn a staff create/revise form into a kind's fields, and back, so a form round-trips exactly."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from ..kinds import KINDS, Kind, terms_of

CASE_SLOTS = 3
ACTION_SLOTS = 5
LIST_OF_TEXT = ("agenda_items", "extra_items")
# The form's textareas: only these may hold line breaks and tabs (every other field is one line).
LONG_TEXT = ("supervisees", *LIST_OF_TEXT, "section-*", "case-*-discussion", "case-*-advice", "case-*-actions",
             "term-*", *sorted({f.name for spec in KINDS.values() for f in spec.fields if f.type == "multiline"}))


def fields_from_form(spec: Kind, profile: dict[str, Any], form: MultiDict, *, all_terms: bool = False) -> dict[str, Any]:
    """Return the fields a submitted form gives; terms only where they differ from the default, unless all_terms."""
    fields: dict[str, Any] = {}
    for f in spec.fields:
        if f.name in LIST_OF_TEXT:
            lines = [line.strip() for line in form.get(f.name, "").splitlines() if line.strip()]
            if lines:
                fields[f.name] = lines
        elif f.name == "sections":
            titles = profile.get("record", {}).get("sections", [])
            fields["sections"] = [{"title": t, "text": form.get(f"section-{i}", "")} for i, t in enumerate(titles)]
        elif f.name == "cases":
            fields["cases"] = [
                {k: form.get(f"case-{i}-{k}", "") for k in f.item}
                for i in range(CASE_SLOTS)
                if any(form.get(f"case-{i}-{k}", "").strip() for k in f.item)
            ]
        elif f.name == "actions":
            fields["actions"] = [
                {k: form.get(f"action-{i}-{k}", "") for k in f.item}
                for i in range(ACTION_SLOTS)
                if any(form.get(f"action-{i}-{k}", "").strip() for k in f.item)
            ]
        elif f.name == "done_actions":
            fields["done_actions"] = [int(v) for v in form.getlist("done_actions") if v.isdigit()]
        elif f.name == "answers" or f.name == "answered_date":
            continue
        elif form.get(f.name, "").strip():
            fields[f.name] = form.get(f.name, "")
    defaults = terms_of(profile)
    for key, default in defaults.items():
        value = form.get(f"term-{key}")
        if value is not None and (all_terms or value.strip() != default.strip()):
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
        elif f.name == "cases":
            for i, case in enumerate((value or [])[:CASE_SLOTS]):
                values.update({f"case-{i}-{k}": v for k, v in case.items()})
        elif f.name == "actions":
            for i, action in enumerate((value or [])[:ACTION_SLOTS]):
                values.update({f"action-{i}-{k}": v for k, v in action.items()})
        elif isinstance(value, str):
            values[f.name] = value
    for key, value in stored.get("terms", {}).items():
        values[f"term-{key}"] = value
    return values

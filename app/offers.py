"""What a create, revise or reissue page asks for, and what a person calls each field.

A page asks for what the trust's form for the kind prints (found by the form check's reading of
its variables), plus what the kind needs to work whether printed or not: the parties, the school
(who may see the document, whose defaults apply), the dates that drive reviews and reminders, and
which open actions a record closes. Nothing else is offered, so nothing typed is dropped.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from .kinds import Field, Kind, record_sections, terms_of

# Fields that sit on a person in the form's variables (supervisor.position, supervisees[].line_manager).
PERSONAL = frozenset({
    "supervisor_position", "supervisee_position", "supervisor_line_manager", "supervisee_line_manager",
    "supervisor_role_and_base", "supervisee_role_and_base",
})
# Asked for whether the form prints them or not: the kind needs them to work.
NEEDED = frozenset({"school", "agreed_date", "review_date", "session_date", "done_actions"})
# Never asked for on a staff page: an audit's answers, and the name its respondent may give, come from the
# supervisee online (answering sets respondent_name, so a name typed by staff would be overwritten).
ANSWERED_ONLINE = frozenset({"answers", "answered_date", "respondent_name"})
CASE_KEYS = ("reference", "discussion", "advice", "actions")


def field_paths(spec: Kind, f: Field) -> tuple[str, ...]:
    """Return the variable paths through which a form prints a field (any one of them is enough)."""
    if f.name in PERSONAL:
        who, rest = f.name.split("_", 1)
        return (f"supervisor.{rest}",) if who == "supervisor" else (f"supervisee.{rest}", f"supervisees.{rest}")
    if spec.name == "case-proforma" and f.name.startswith("case_"):
        return (f"case.{f.name[5:]}",)
    return {
        "sections": ("sections.text",),
        "actions": ("actions", "sections.actions"),
        "done_actions": ("open_actions.done",),
    }.get(f.name, (f.name,))


def prints(used: Set[str], path: str) -> bool:
    """Return whether a form using these variables prints path: it, something under it, or all of a parent."""
    if path in used or any(u.startswith(path + ".") for u in used):
        return True
    parts = path.split(".")
    for end in range(1, len(parts)):
        parent = ".".join(parts[:end])
        if parent in used and not any(u.startswith(parent + ".") for u in used):
            return True  # the form uses the parent whole (a loop over terms.items(), a printed dict)
    return False


@dataclass(frozen=True)
class Offer:
    """What one page asks for."""

    fields: tuple[Field, ...]
    terms: tuple[str, ...]
    case_keys: tuple[str, ...] = ()
    action_keys: tuple[str, ...] = ()
    actions_need_section: bool = False  # the form prints actions only under their sections
    unprinted: frozenset[str] = frozenset()  # asked for although the form does not print them

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)


def offered(spec: Kind, profile: dict[str, Any], used: Set[str] | None) -> Offer:
    """Return what a page for this kind asks for, given the variables the trust's form uses (None: not known, ask all)."""
    def printed(*paths: str) -> bool:
        return used is None or any(prints(used, p) for p in paths)

    if spec.name == "record" and not profile.get("record", {}).get("actions_table", True):
        # The form is given has_actions_table false: actions print only under their sections, if at all.
        used = None if used is None else frozenset(u for u in used if not u.startswith("actions"))

    sections = record_sections(profile)
    fields, unprinted = [], set()
    for f in spec.fields:
        if f.name in ANSWERED_ONLINE:
            continue
        if f.name == "cases" and any(s["cases"] is not None for s in sections) and not any(s["cases"] for s in sections):
            continue  # the trust records cases elsewhere (its child-protection system)
        if f.name == "sections" and not sections:
            continue
        shown = printed(*field_paths(spec, f))
        if shown or f.required or f.name in NEEDED:
            fields.append(f)
            if not shown:
                unprinted.add(f.name)
    names = {f.name for f in fields}
    case_keys = tuple(k for k in CASE_KEYS if k == "reference" or printed(f"cases.{k}")) if "cases" in names else ()
    action_keys: tuple[str, ...] = ()
    need_section = False
    if "actions" in names:
        action_keys = ("what", *(k for k in ("who", "due") if printed(f"actions.{k}", f"sections.actions.{k}")))
        if any(s["actions"] for s in sections) and printed("sections.actions", "actions.section"):
            action_keys += ("section",)
            need_section = used is not None and not prints(used, "actions")
    terms = tuple(k for k in terms_of(profile) if printed(f"terms.{k}"))
    return Offer(tuple(fields), terms, case_keys, action_keys, need_section, frozenset(unprinted))


def field_changes(spec: Kind, old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Return (name, old, new) for each field, then each term, that differs between two versions' fields."""
    changes: list[tuple[str, Any, Any]] = []
    for name in spec.field_names:
        if old.get(name, "") != new.get(name, ""):
            changes.append((name, old.get(name, ""), new.get(name, "")))
    old_terms, new_terms = old.get("terms", {}), new.get("terms", {})
    for key in [*new_terms, *(k for k in old_terms if k not in new_terms)]:
        if old_terms.get(key, "") != new_terms.get(key, ""):
            changes.append((key, old_terms.get(key, ""), new_terms.get(key, "")))
    return changes


def term_label(profile: dict[str, Any], key: str) -> str:
    """Return the label the trust gives a term, else its name in words ("session_length": "Session length")."""
    for where in (profile.get("term_labels"), profile.get("terms")):
        found = where.get(key) if isinstance(where, dict) else None
        if isinstance(found, str) and found.strip():
            return found
        if isinstance(found, dict) and str(found.get("label", "")).strip():
            return str(found["label"])
    return key.replace("_", " ").capitalize()


def label_of(spec: Kind, profile: dict[str, Any], name: str) -> str:
    """Return what a person calls a field or term of this kind, never its internal name."""
    found = spec.get(name)
    return found.label if found is not None else term_label(profile, name)



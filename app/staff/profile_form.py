"""The profile pages' fields: a trust's profile shown as form values, and posted values read back into a profile.

Reading a form changes nothing and judges nothing the profile rules judge (app/trusts/profiles.py
does, for the web and `flask trusts install` alike); it only says where on the page each profile
field is, so every problem is shown beside its own field.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from ..kinds import KINDS, record_sections, terms_of
from ..trusts.profiles import NUMBER_DEFAULTS, REMINDER_KEYS, REQUIRED_TERMS, term_name_problem
from ..trusts.wording import default_texts, openings_for, texts_for

MULTILINE = ("term-*-text", "term-*-help", "section-*-prompt", "opening-*")
_ROW = re.compile(r"^(term|section)-(\d+)-")


@dataclass
class Posted:
    """A profile read from the page, where each of its fields is on the page, and what the page itself refused."""

    profile: dict[str, Any]
    where: dict[str, str] = field(default_factory=dict)  # profile field -> the page field showing it
    problems: dict[str, str] = field(default_factory=dict)  # page field -> why

    def place(self, problems: dict[str, str]) -> dict[str, str]:
        """Return the profile rules' problems by the page field each belongs to (else the form as a whole)."""
        placed = dict(self.problems)
        for name, why in problems.items():
            placed.setdefault(self.where.get(name) or self.where.get(name.rsplit(".", 1)[0], "form"), why)
        return placed


def rows(values: Any, which: str) -> list[int]:
    """Return the row numbers of a repeated part of the page (terms, sections) present in the values."""
    return sorted({int(m.group(2)) for name in values if (m := _ROW.match(name)) and m.group(1) == which})


def profile_values(profile: dict[str, Any]) -> dict[str, Any]:
    """Return the profile page's fields filled in from a profile."""
    defaults, about = profile.get("defaults", {}), profile.get("terms", {})
    values: dict[str, Any] = {}
    for n, (key, text) in enumerate(terms_of(profile).items()):
        term = about.get(key) if isinstance(about.get(key), dict) else {}
        values |= {f"term-{n}-key": key, f"term-{n}-text": text, f"term-{n}-label": term.get("label", ""),
                   f"term-{n}-help": term.get("help", "")}
    for key in NUMBER_DEFAULTS:
        values[key] = "" if defaults.get(key) is None else str(defaults[key])
    reminders = profile.get("reminders", {})
    for key in REMINDER_KEYS:
        values[f"reminders-{key}"] = "" if reminders.get(key) is None else str(reminders[key])
    values["kinds"] = list(profile.get("kinds") or KINDS)
    for n, section in enumerate(record_sections(profile)):
        values |= {f"section-{n}-title": section["title"], f"section-{n}-prompt": section["prompt"],
                   f"section-{n}-actions": "yes" if section["actions"] else "",
                   f"section-{n}-cases": "" if section["cases"] is False else "yes"}
    values["actions_table"] = "yes" if profile.get("record", {}).get("actions_table", True) else ""
    return values


def _text(form: Any, name: str) -> str:
    """Return a posted text with its outer spaces gone and a browser's CRLF line breaks as LF."""
    return str(form.get(name, "")).replace("\r\n", "\n").strip()


def _number(text: str) -> int | str:
    """Return a whole number as a number; anything else as typed, for the profile rules to refuse."""
    return int(text) if text.isascii() and text.isdigit() else text


def profile_from_form(profile: dict[str, Any], form: Any) -> Posted:
    """Return the profile the page's posted fields describe; every part the page does not show is kept."""
    changed = copy.deepcopy(profile)
    posted = Posted(changed)
    _read_terms(profile, form, posted)
    defaults = changed["defaults"]
    for key in NUMBER_DEFAULTS:
        text = _text(form, key)
        defaults.pop(key, None)
        if text:
            defaults[key] = _number(text)
        posted.where[f"defaults.{key}"] = key
    reminders = {key: _number(_text(form, f"reminders-{key}")) for key in REMINDER_KEYS if _text(form, f"reminders-{key}")}
    if reminders or "reminders" in changed:
        changed["reminders"] = {**{k: v for k, v in changed.get("reminders", {}).items() if k not in REMINDER_KEYS},
                                **reminders}
    posted.where |= {f"reminders.{k}": f"reminders-{k}" for k in REMINDER_KEYS} | {"[reminders]": "reminders-first_after_days"}
    kinds = [k for k in KINDS if k in form.getlist("kinds")]
    if kinds != list(KINDS) or "kinds" in changed:
        changed["kinds"] = kinds
    posted.where["kinds"] = "kinds"
    _read_sections(profile, form, posted)
    return posted


def _read_terms(profile: dict[str, Any], form: Any, posted: Posted) -> None:
    """Read each term's wording, label and help text; a new row adds a term, a ticked Remove drops one."""
    old_about = profile.get("terms", {})
    terms: dict[str, str] = {}
    about: dict[str, Any] = {}
    for n in rows(form, "term"):
        key, text = _text(form, f"term-{n}-key"), _text(form, f"term-{n}-text")
        label, hint = _text(form, f"term-{n}-label"), _text(form, f"term-{n}-help")
        if form.get(f"term-{n}-new"):
            if not (key or text or label or hint):
                continue  # an added row left blank
            if why := term_name_problem(key):
                posted.problems[f"term-{n}-key"] = f"Name used in the form: {why}"
                continue
            if key in terms or key in profile["defaults"] or key in NUMBER_DEFAULTS:
                posted.problems[f"term-{n}-key"] = f"There is already a term called {key}"
                continue
        elif key not in profile["defaults"]:
            continue  # a row for a term the profile no longer has
        if form.get(f"term-{n}-remove") and key not in REQUIRED_TERMS:
            continue
        terms[key] = text
        kept = old_about.get(key) if isinstance(old_about.get(key), dict) else {}
        entry = {**{k: v for k, v in kept.items() if k not in ("label", "help")},
                 **({"label": label} if label else {}), **({"help": hint} if hint else {})}
        if entry:
            about[key] = entry
        posted.where |= {f"defaults.{key}": f"term-{n}-text", f"terms.{key}": f"term-{n}-label",
                         f"terms.{key}.label": f"term-{n}-label", f"terms.{key}.help": f"term-{n}-help"}
    posted.profile["defaults"] = terms  # the numbers follow, as a profile file lists them
    if about or "terms" in profile:
        posted.profile["terms"] = about


def _read_sections(profile: dict[str, Any], form: Any, posted: Posted) -> None:
    """Read the record's sections; a row with neither title nor prompt is removed."""
    sections, where = [], {}
    for n in rows(form, "section"):
        title, prompt = _text(form, f"section-{n}-title"), _text(form, f"section-{n}-prompt")
        if not title and not prompt:
            continue
        entry: dict[str, Any] = {"title": title}
        if prompt:
            entry["prompt"] = prompt
        entry |= {"actions": bool(form.get(f"section-{n}-actions")), "cases": bool(form.get(f"section-{n}-cases"))}
        sections.append(entry)
        where[len(sections)] = n
    record = posted.profile.setdefault("record", {})
    # Unchanged sections keep the profile's own shape (a title alone says "actions and cases may attach").
    if [_shape(s) for s in sections] != [_shape(s) for s in record_sections(profile)]:
        record["sections"] = sections
    record["actions_table"] = bool(form.get("actions_table"))
    if "actions_table" not in profile.get("record", {}) and record["actions_table"]:
        del record["actions_table"]
    for number, n in where.items():
        for key in ("title", "prompt", "actions", "cases"):
            posted.where[f"record.sections[{number}].{key}"] = f"section-{n}-{key}"
        posted.where[f"record.sections[{number}]"] = f"section-{n}-title"
    posted.where |= {"record.sections": "section-0-title", "record.actions_table": "actions_table"}


def _shape(section: dict[str, Any]) -> tuple[str, str, bool, bool]:
    return (section["title"], section.get("prompt") or "", bool(section.get("actions", True)),
            section.get("cases") is not False)


def wording_values(profile: dict[str, Any], kind_name: str) -> dict[str, str]:
    """Return a kind's wording page fields: the trust's own wording, blank where it keeps the default."""
    own = profile.get("wording", {}).get(kind_name, {})
    values = {key: own.get(key, "") for key in texts_for(KINDS[kind_name])}
    values |= {f"opening-{email}": own.get("openings", {}).get(email, "") for email in openings_for(KINDS[kind_name])}
    return values


def wording_from_form(profile: dict[str, Any], kind_name: str, form: Any) -> Posted:
    """Return the profile with a kind's wording as posted: a blank field, or the default itself, keeps the default."""
    changed = copy.deepcopy(profile)
    posted = Posted(changed)
    defaults = default_texts(kind_name)
    table = dict(changed.get("wording", {}).get(kind_name, {}))
    for key in texts_for(KINDS[kind_name]):
        text = _text(form, key)
        table.pop(key, None)
        if text and text != defaults[key]:
            table[key] = text
        posted.where[f"wording.{kind_name}.{key}"] = key
    openings = dict(table.pop("openings", {}))
    for email in openings_for(KINDS[kind_name]):
        text = _text(form, f"opening-{email}")
        openings.pop(email, None)
        if text and text != defaults["openings"][email]:
            openings[email] = text
        posted.where[f"wording.{kind_name}.openings.{email}"] = f"opening-{email}"
    if openings:
        table["openings"] = openings
    wording = dict(changed.get("wording", {}))
    wording.pop(kind_name, None)
    if table:
        wording[kind_name] = table
    changed.pop("wording", None)
    if wording:
        changed["wording"] = wording
    return posted

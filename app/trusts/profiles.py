"""Read and validate trust profiles (TOML files), naming every bad or missing field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..extensions import db
from ..inputs import problem, tree_field_problems
from ..kinds import KINDS
from .kind_tables import kind_tables_problems
from .models import Trust
from .wording import wording_problems

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TERM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
TERM_LENGTH = 20000
REMINDER_KEYS = ("first_after_days", "every_days")
REQUIRED_TERMS = ("frequency", "session_length", "venue")
NUMBER_DEFAULTS = {
    "review_period_months": (1, 60, True),
    "link_expiry_days": (1, 90, True),
    "session_interval_days": (1, 366, False),
}
ANSWER_TYPES = ("number", "yes_no", "text")
# What a retention period counts from: the record's sealing (or issue, or cancellation), the end of the
# supervision arrangement it belongs to, or the day its supervisee left the trust's employment.
RETENTION_ANCHORS = ("sealed", "arrangement_end", "employment_end")
# Who approves a destruction batch: an admin other than the one who drew it up, or any admin after confirming.
RETENTION_APPROVALS = ("second_admin", "confirm")


class ProfileError(Exception):
    """A profile is unreadable or has bad fields; problems lists each one."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def read_profile(path: Path, templates_dir: Path) -> dict[str, Any]:
    """Parse and validate one profile file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(str(path), [f"cannot be read: {exc}"]) from None
    problems = validate_profile(data, templates_dir)
    if problems:
        raise ProfileError(str(path), problems)
    return data


def profile_problems(data: dict[str, Any], templates_dir: Path) -> dict[str, str]:
    """Return why each bad or missing field of a profile cannot be accepted, by field.

    The one set of rules: `flask trusts install` prints them as "field: why", the profile page
    shows each beside its field.
    """
    # Text a document or an email prints: no control characters or broken Unicode anywhere.
    found = tree_field_problems(data, "")
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        found.append(("slug", "required, lowercase letters, digits and hyphens"))
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        found.append(("name", "required text"))
    elif why := problem(data["name"], multiline=False):
        found.append(("name", why))
    defaults = data.get("defaults")
    if not isinstance(defaults, dict):
        found.append(("[defaults]", "required table"))
        defaults = {}
    found += _default_problems(defaults)
    found += _term_problems(data.get("terms", {}), defaults)
    found += _kinds_problems(data.get("kinds", list(KINDS)))
    found += [_field_and_why(p) for p in _templates_problems(data.get("templates", {}), templates_dir)]
    found += _reminder_problems(data.get("reminders", {}))
    found += _record_problems(data.get("record", {}))
    found += _audit_problems(data.get("audit", {}))
    found += _retention_problems(data.get("retention", {}))
    found += wording_problems(data.get("wording", {}))
    agenda = data.get("agenda", {})
    if not isinstance(agenda, dict) or not _texts(agenda.get("items", [])):
        found.append(("agenda.items", "must be a list of text"))
    problems: dict[str, str] = {}
    for field, why in found:
        problems.setdefault(field, why)  # a bad character may be found by two checks: say it once
    return problems


def validate_profile(data: dict[str, Any], templates_dir: Path) -> list[str]:
    """Return a sentence ("field: why") for every bad or missing field of a profile."""
    return [f"{field}: {why}" for field, why in profile_problems(data, templates_dir).items()]


def _field_and_why(sentence: str) -> tuple[str, str]:
    field, _, why = sentence.partition(": ")
    return field, why


def term_name_problem(name: str) -> str | None:
    """Say why a term cannot have this name (its form prints it as {{ terms.<name> }}), or None."""
    if TERM_NAME.match(name):
        return None
    return "a term's name is lowercase letters, digits and underscores, starting with a letter"


def _default_problems(defaults: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key in REQUIRED_TERMS:
        if not isinstance(defaults.get(key), str) or not defaults[key].strip():
            found.append((f"defaults.{key}", "required text"))
    for key, (low, high, required) in NUMBER_DEFAULTS.items():
        value = defaults.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            found.append((f"defaults.{key}", f"{'required ' if required else ''}whole number from {low} to {high}"))
    for key, value in defaults.items():
        if key in NUMBER_DEFAULTS:
            continue
        if why := term_name_problem(str(key)):
            found.append((f"defaults.{key}", why))
        elif not (isinstance(value, str) and value.strip()):
            found.append((f"defaults.{key}", "must be non-empty text"))
        elif len(value) > TERM_LENGTH:
            found.append((f"defaults.{key}", f"is too long ({TERM_LENGTH:,} characters at most)"))
    return found


def _term_problems(terms: Any, defaults: dict[str, Any]) -> list[tuple[str, str]]:
    """Check [terms]: each term's label and help text, for a text default of that name."""
    if not isinstance(terms, dict):
        return [("[terms]", "must be a table of term = { label, help }")]
    found = []
    for key, about in terms.items():
        where = f"terms.{key}"
        if key not in defaults or key in NUMBER_DEFAULTS:
            found.append((where, "no term of this name in [defaults]"))
        elif not isinstance(about, dict):
            found.append((where, "must be { label = ..., help = ... }"))
        else:
            label, hint = about.get("label", ""), about.get("help", "")
            if not isinstance(label, str) or len(label) > 200:
                found.append((f"{where}.label", "must be text of at most 200 characters"))
            elif why := problem(label, multiline=False):
                found.append((f"{where}.label", why))
            if not isinstance(hint, str) or len(hint) > 1000:
                found.append((f"{where}.help", "must be text of at most 1,000 characters"))
            unknown = set(about) - {"label", "help"}
            if unknown:
                found.append((where, f"unknown keys {', '.join(sorted(unknown))}"))
    return found


def _kinds_problems(kinds: Any) -> list[tuple[str, str]]:
    """Check `kinds`: which kinds of document the trust uses (all when not given)."""
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        return [("kinds", f"must list at least one kind (known: {', '.join(KINDS)})")]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        return [("kinds", f"unknown kind {unknown[0]!r} (known: {', '.join(KINDS)})")]
    if len(set(kinds)) != len(kinds):
        return [("kinds", "names a kind twice")]
    return []


def _templates_problems(templates: Any, templates_dir: Path) -> list[str]:
    problems = []
    if not isinstance(templates, dict):
        problems.append("[templates]: must be a table of kind = path")
        templates = {}
    for kind, relative in templates.items():
        if kind not in KINDS:
            problems.append(f"templates.{kind}: unknown kind (known: {', '.join(KINDS)})")
        elif not isinstance(relative, str):
            problems.append(f"templates.{kind}: must be a path")
        else:
            problems += _template_problems(f"templates.{kind}", relative, templates_dir)
    return problems


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _template_problems(where: str, relative: str, templates_dir: Path) -> list[str]:
    # A bundled form the profile names need not be there yet: until it is (or the trust installs its own
    # form, kept in its form store), the kind uses the generic form, and the settings page says so.
    target = (templates_dir / relative).resolve()
    if templates_dir.resolve() not in target.parents:
        return [f"{where}: must stay inside {templates_dir}"]
    if target.suffix != ".docx":
        return [f"{where}: must name a Word form (.docx)"]
    return []


def _reminder_problems(reminders: Any) -> list[tuple[str, str]]:
    if not isinstance(reminders, dict):
        return [("[reminders]", "must be a table")]
    problems = []
    for key in REMINDER_KEYS:
        value = reminders.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 90):
            problems.append((f"reminders.{key}", "whole number from 1 to 90"))
    unknown = set(reminders) - set(REMINDER_KEYS)
    if unknown:
        problems.append(("[reminders]", f"unknown keys {', '.join(sorted(unknown))}"))
    return problems


def _record_problems(record: Any) -> list[tuple[str, str]]:
    """Check [record]: its sections (titles, or tables of title, prompt, actions, cases) and actions_table."""
    if not isinstance(record, dict):
        return [("[record]", "must be a table")]
    sections = record.get("sections", [])
    if not isinstance(sections, list):
        return [("record.sections", "must be a list of section titles")]
    problems, titles = [], set()
    for n, entry in enumerate(sections, start=1):
        where = f"record.sections[{n}]"
        if isinstance(entry, dict):
            problems += _section_table_problems(where, entry)
            title, where = entry.get("title"), f"{where}.title"
        else:
            title = entry
        if not isinstance(title, str) or not title.strip():
            problems.append((where, "a section title (text) is required"))
        elif why := problem(title, multiline=False):
            problems.append((where, why))
        elif len(title) > 200:
            problems.append((where, "is too long (200 characters at most)"))
        elif title in titles:
            problems.append((where, "titles must differ"))
        titles.add(title)
    if not isinstance(record.get("actions_table", True), bool):
        problems.append(("record.actions_table", "must be true or false"))
    return problems


def _section_table_problems(where: str, entry: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    prompt = entry.get("prompt", "")
    if not isinstance(prompt, str) or len(prompt) > 2000:
        problems.append((f"{where}.prompt", "must be text of at most 2,000 characters"))
    for flag in ("actions", "cases"):
        if not isinstance(entry.get(flag, True), bool):
            problems.append((f"{where}.{flag}", "must be true or false"))
    unknown = set(entry) - {"title", "prompt", "actions", "cases"}
    if unknown:
        problems.append((where, f"unknown keys {', '.join(sorted(unknown))}"))
    return problems


def _audit_problems(audit: Any) -> list[tuple[str, str]]:
    if not isinstance(audit, dict):
        return [("[audit]", "must be a table")]
    problems: list[tuple[str, str]] = []
    questions = audit.get("questions", [])
    if not isinstance(questions, list):
        return [("audit.questions", "must be a list of { text, answer, comments }")]
    for number, question in enumerate(questions, start=1):
        where = f"audit.questions[{number}]"
        if not isinstance(question, dict):
            problems.append((where, "must be { text = ..., answer = ... }"))
            continue
        if not isinstance(question.get("text"), str) or not question["text"].strip():
            problems.append((f"{where}.text", "required text"))
        if question.get("answer") not in ANSWER_TYPES:
            problems.append((f"{where}.answer", f"one of {', '.join(ANSWER_TYPES)}"))
        if not isinstance(question.get("comments", False), bool):
            problems.append((f"{where}.comments", "true or false"))
        unknown = set(question) - {"text", "answer", "comments"}
        if unknown:
            problems.append((where, f"unknown keys {', '.join(sorted(unknown))}"))
    return problems


def _retention_problems(retention: Any) -> list[tuple[str, str]]:
    if not isinstance(retention, dict):
        return [("[retention]", "must be a table")]
    problems = []
    if retention.get("approval", "second_admin") not in RETENTION_APPROVALS:
        problems.append(("retention.approval", f"one of {', '.join(RETENTION_APPROVALS)}"))
    return problems + kind_tables_problems(
        "retention", retention, keys=("after", "years", "months"), besides=("approval",),
        shape="{ after = ..., years = ..., months = ... }", check=_retention_rule_problems,
    )


def _retention_rule_problems(where: str, rule: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    if rule.get("after") not in RETENTION_ANCHORS:
        problems.append((f"{where}.after", f"one of {', '.join(RETENTION_ANCHORS)}"))
    for unit, high in (("years", 100), ("months", 1200)):
        value = rule.get(unit, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
            problems.append((f"{where}.{unit}", f"whole number from 0 to {high}"))
    if not rule.get("years") and not rule.get("months"):
        problems.append((where, "give years or months (a period of at least one month)"))
    return problems


def install_profile(data: dict[str, Any]) -> Trust:
    """Create or update the trust described by a validated profile."""
    with transaction():
        trust = db.session.scalar(select(Trust).where(Trust.slug == data["slug"]))
        if trust is None:
            trust = Trust(slug=data["slug"], name=data["name"], profile=data)
            db.session.add(trust)
        else:
            trust.name = data["name"]
            trust.profile = data
        audit.record(EventType.PROFILE_INSTALLED, actor="command line", details={"trust": data["slug"]})
    return trust


def bundled_profiles(templates_dir: Path) -> list[Path]:
    """Return the profile files shipped under document_templates/trusts."""
    return sorted((templates_dir / "trusts").glob("*.toml"))

"""Read and validate trust profiles (TOML files), naming every bad or missing field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..db import transaction
from ..extensions import db
from ..inputs import problem, tree_problems
from ..kinds import KINDS
from .models import Trust

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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


def validate_profile(data: dict[str, Any], templates_dir: Path) -> list[str]:
    """Return a sentence for every bad or missing field of a profile."""
    # Text a document or an email prints: no control characters or broken Unicode anywhere.
    problems: list[str] = tree_problems(data, "")
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append("slug: required, lowercase letters, digits and hyphens")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append("name: required text")
    elif found := problem(data["name"], multiline=False):
        problems.append(f"name: {found}")
    defaults = data.get("defaults")
    if not isinstance(defaults, dict):
        problems.append("[defaults]: required table")
        defaults = {}
    for key in REQUIRED_TERMS:
        if not isinstance(defaults.get(key), str) or not defaults[key].strip():
            problems.append(f"defaults.{key}: required text")
    for key, (low, high, required) in NUMBER_DEFAULTS.items():
        value = defaults.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"defaults.{key}: {'required ' if required else ''}whole number from {low} to {high}")
    for key, value in defaults.items():
        if key not in NUMBER_DEFAULTS and not (isinstance(value, str) and value.strip()):
            problems.append(f"defaults.{key}: must be non-empty text")
    templates = data.get("templates", {})
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
    problems += _reminder_problems(data.get("reminders", {}))
    problems += _record_problems(data.get("record", {}))
    problems += _audit_problems(data.get("audit", {}))
    problems += _retention_problems(data.get("retention", {}))
    agenda = data.get("agenda", {})
    if not isinstance(agenda, dict) or not _texts(agenda.get("items", [])):
        problems.append("agenda.items: must be a list of text")
    return list(dict.fromkeys(problems))  # a bad character may be found by two checks: say it once


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


def _reminder_problems(reminders: Any) -> list[str]:
    if not isinstance(reminders, dict):
        return ["[reminders]: must be a table"]
    problems = []
    for key in ("first_after_days", "every_days"):
        value = reminders.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 90):
            problems.append(f"reminders.{key}: whole number from 1 to 90")
    unknown = set(reminders) - {"first_after_days", "every_days"}
    if unknown:
        problems.append(f"[reminders]: unknown keys {', '.join(sorted(unknown))}")
    return problems


def _record_problems(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return ["[record]: must be a table"]
    problems = []
    sections = record.get("sections", [])
    if not _texts(sections):
        problems.append("record.sections: must be a list of section titles")
    elif len(set(sections)) != len(sections):
        problems.append("record.sections: titles must differ")
    else:
        problems += [f"record.sections[{n}]: {found}" for n, title in enumerate(sections, start=1)
                     if (found := problem(title, multiline=False))]
    if not isinstance(record.get("actions_table", True), bool):
        problems.append("record.actions_table: must be true or false")
    return problems


def _audit_problems(audit: Any) -> list[str]:
    if not isinstance(audit, dict):
        return ["[audit]: must be a table"]
    problems = []
    questions = audit.get("questions", [])
    if not isinstance(questions, list):
        return ["audit.questions: must be a list of { text, answer, comments }"]
    for number, question in enumerate(questions, start=1):
        where = f"audit.questions[{number}]"
        if not isinstance(question, dict):
            problems.append(f"{where}: must be {{ text = ..., answer = ... }}")
            continue
        if not isinstance(question.get("text"), str) or not question["text"].strip():
            problems.append(f"{where}.text: required text")
        if question.get("answer") not in ANSWER_TYPES:
            problems.append(f"{where}.answer: one of {', '.join(ANSWER_TYPES)}")
        if not isinstance(question.get("comments", False), bool):
            problems.append(f"{where}.comments: true or false")
        unknown = set(question) - {"text", "answer", "comments"}
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    return problems


def _retention_problems(retention: Any) -> list[str]:
    if not isinstance(retention, dict):
        return ["[retention]: must be a table"]
    problems = []
    if retention.get("approval", "second_admin") not in RETENTION_APPROVALS:
        problems.append(f"retention.approval: one of {', '.join(RETENTION_APPROVALS)}")
    for name, rule in retention.items():
        if name == "approval":
            continue
        where = f"retention.{name}"
        if name not in KINDS:
            problems.append(f"{where}: unknown kind (known: {', '.join(KINDS)})")
            continue
        if not isinstance(rule, dict):
            problems.append(f"{where}: must be {{ after = ..., years = ..., months = ... }}")
            continue
        if rule.get("after") not in RETENTION_ANCHORS:
            problems.append(f"{where}.after: one of {', '.join(RETENTION_ANCHORS)}")
        for unit, high in (("years", 100), ("months", 1200)):
            value = rule.get(unit, 0)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
                problems.append(f"{where}.{unit}: whole number from 0 to {high}")
        if not rule.get("years") and not rule.get("months"):
            problems.append(f"{where}: give years or months (a period of at least one month)")
        unknown = set(rule) - {"after", "years", "months"}
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
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
    return trust


def bundled_profiles(templates_dir: Path) -> list[Path]:
    """Return the profile files shipped under document_templates/trusts."""
    return sorted((templates_dir / "trusts").glob("*.toml"))

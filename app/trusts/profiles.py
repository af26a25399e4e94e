"""Read and validate trust profiles (TOML files), naming every bad or missing field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..db import transaction
from ..extensions import db
from .models import Trust

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TEXT_DEFAULTS = (
    "frequency",
    "session_length",
    "venue",
    "preparation",
    "cancellation",
    "escalation",
    "confidentiality",
    "record_keeping",
    "case_decisions",
)
NUMBER_DEFAULTS = {"review_period_months": (1, 60), "link_expiry_days": (1, 90)}


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
    problems: list[str] = []
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append("slug: required, lowercase letters, digits and hyphens")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append("name: required text")
    defaults = data.get("defaults")
    if not isinstance(defaults, dict):
        problems.append("[defaults]: required table")
        defaults = {}
    for key in TEXT_DEFAULTS:
        value = defaults.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"defaults.{key}: required text")
    for key, (low, high) in NUMBER_DEFAULTS.items():
        value = defaults.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"defaults.{key}: required whole number from {low} to {high}")
    templates = data.get("templates")
    if not isinstance(templates, dict) or "contract" not in templates:
        problems.append("[templates]: required table naming at least the contract form")
        templates = {}
    for kind, relative in templates.items():
        if not isinstance(relative, str):
            problems.append(f"templates.{kind}: must be a path")
            continue
        target = (templates_dir / relative).resolve()
        if templates_dir.resolve() not in target.parents:
            problems.append(f"templates.{kind}: must stay inside {templates_dir}")
        elif not target.is_file():
            problems.append(f"templates.{kind}: no file at {relative}")
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

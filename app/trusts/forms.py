"""A trust's Word forms: check one before install, install it, and each form's health (cached per version)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from ..db import transaction
from ..documents.kinds import KINDS, example_context, kind, required_variables
from ..rendering import Problem, check_template
from .models import Trust

_health: dict[tuple[str, str, str], tuple[str, ...]] = {}
_health_lock = threading.Lock()


class FormRefused(Exception):
    """A form did not pass the check; problems says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def check_form(data: bytes, kind_name: str, profile: dict[str, Any] | None) -> list[Problem]:
    """Check a Word form for a kind (and a trust's terms, given its profile); [] when sound."""
    spec = kind(kind_name)
    return check_template(data, provided=example_context(spec, profile), required=required_variables(spec))


def install_form(trust: Trust, kind_name: str, data: bytes) -> str:
    """Check a form and, if sound, install it as the trust's form for a kind; return its path."""
    problems = check_form(data, kind_name, trust.profile)
    if problems:
        raise FormRefused(problems)
    templates = Path(current_app.config["TEMPLATES_DIR"])
    relative = f"forms/{trust.slug}/{kind_name}.docx"
    target = templates / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".docx.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    with transaction():
        trust.profile = {**trust.profile, "templates": {**trust.profile.get("templates", {}), kind_name: relative}}
    return relative


@dataclass(frozen=True)
class FormHealth:
    kind: str
    path: str
    own: bool  # the trust installed its own form for this kind (else the generic one)
    problems: tuple[str, ...]


def forms_health(trust: Trust) -> list[FormHealth]:
    """Return each kind's form and its check result; a form is checked once per version and profile."""
    templates = Path(current_app.config["TEMPLATES_DIR"])
    profile_digest = hashlib.sha256(json.dumps(trust.profile, sort_keys=True, default=str).encode()).hexdigest()
    found = []
    for name in KINDS:
        relative = trust.template_for(name)
        path = templates / relative
        if not path.is_file():
            problems: tuple[str, ...] = ("missing",)
        else:
            data = path.read_bytes()
            key = (hashlib.sha256(data).hexdigest(), name, profile_digest)
            with _health_lock:
                cached = _health.get(key)
            if cached is None:
                cached = tuple(str(p) for p in check_form(data, name, trust.profile))
                with _health_lock:
                    _health[key] = cached
            problems = cached
        found.append(FormHealth(name, relative, name in trust.profile.get("templates", {}), problems))
    return found


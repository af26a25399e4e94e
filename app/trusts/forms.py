"""A trust's Word forms: check one before install, install it, and each form's health (cached per version)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from ..config import PROJECT_ROOT
from ..db import transaction
from ..kinds import KINDS, example_context, kind, required_variables
from ..rendering import Problem, check_template, render_docx
from ..rendering.html import docx_to_html
from ..rendering.isolated import (
    MIB,
    Limits,
    check_template_isolated,
    docx_to_html_isolated,
    render_docx_isolated,
)
from .models import Trust

# SHA-256 of every form shipped with the app, written by document_templates/build_forms.py.
BUNDLED_MANIFEST = PROJECT_ROOT / "document_templates" / "forms" / "bundled.sha256"

_health: dict[tuple[str, str, str], tuple[str, ...]] = {}
_health_lock = threading.Lock()


class FormRefused(Exception):
    """A form did not pass the check; problems says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@lru_cache(maxsize=1)
def _bundled_digests() -> frozenset[str]:
    lines = BUNDLED_MANIFEST.read_text(encoding="utf-8").splitlines() if BUNDLED_MANIFEST.is_file() else []
    return frozenset(line.split()[0] for line in lines if line.strip())


def is_bundled(data: bytes) -> bool:
    """Return whether a form is byte for byte one the app ships (trusted like its code)."""
    return hashlib.sha256(data).hexdigest() in _bundled_digests()


def form_limits() -> Limits:
    """Return the limits a form not bundled with the app is checked and filled in under."""
    config = current_app.config
    return Limits(cpu_seconds=int(config["FORM_CPU_SECONDS"]), memory_bytes=int(config["FORM_MEMORY_MB"]) * MIB,
                  wall_seconds=float(config["FORM_WALL_SECONDS"]))


def check_form(data: bytes, kind_name: str, profile: dict[str, Any] | None, *, warnings: bool = False) -> list[Problem]:
    """Check a Word form for a kind (and a trust's terms, given its profile); [] when sound.

    A form the app does not ship is checked in a child process with CPU, memory and time limits.
    """
    spec = kind(kind_name)
    provided, required = example_context(spec, profile), required_variables(spec)
    if is_bundled(data):
        return check_template(data, provided=provided, required=required, warnings=warnings)
    return check_template_isolated(data, provided=provided, required=required, warnings=warnings,
                                   limits=form_limits())


def errors_only(problems: list[Problem]) -> list[Problem]:
    """Return the problems that stop a form being used (not the warnings)."""
    return [p for p in problems if p.severity == "error"]


def render_form(path: Path, context: Mapping[str, Any]) -> bytes:
    """Fill in a Word form; one the app does not ship is filled in in a limited child process."""
    if is_bundled(path.read_bytes()):
        return render_docx(path, context)
    return render_docx_isolated(path, context, limits=form_limits())


def form_text(path: Path, docx: bytes) -> str:
    """Return a document filled from a Word form as sanitised HTML; one from a form the app does not ship is read in a limited child."""
    if is_bundled(path.read_bytes()):
        return docx_to_html(docx)
    return docx_to_html_isolated(docx, limits=form_limits())


def install_form(trust: Trust, kind_name: str, data: bytes) -> str:
    """Check a form and, if sound, install it as the trust's form for a kind; return its path."""
    problems = errors_only(check_form(data, kind_name, trust.profile))
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


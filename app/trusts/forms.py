"""A trust's Word forms: which the app ships, check one, fill one in (in a limited child for a form we do not ship)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask import current_app

from ..config import PROJECT_ROOT
from ..kinds import example_context, kind, required_variables
from ..rendering import Problem, check_template, render_docx
from ..rendering.html import docx_to_html
from ..rendering.isolated import (
    MIB,
    Limits,
    check_template_isolated,
    docx_to_html_isolated,
    render_docx_isolated,
)

# SHA-256 of every form shipped with the app, written by document_templates/build_forms.py.
BUNDLED_MANIFEST = PROJECT_ROOT / "document_templates" / "forms" / "bundled.sha256"


class FormRefused(Exception):
    """A form did not pass the check; problems says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@lru_cache(maxsize=1)
def bundled_manifest() -> dict[str, str]:
    """Return every form the app ships: its path under forms/ (e.g. "generic/contract.docx") to its SHA-256."""
    lines = BUNDLED_MANIFEST.read_text(encoding="utf-8").splitlines() if BUNDLED_MANIFEST.is_file() else []
    return {line.split()[1]: line.split()[0] for line in lines if len(line.split()) == 2}


def is_bundled(data: bytes) -> bool:
    """Return whether a form is byte for byte one the app ships (trusted like its code)."""
    return hashlib.sha256(data).hexdigest() in set(bundled_manifest().values())


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


def render_form(form: bytes, context: Mapping[str, Any], *, name: str = "the form") -> bytes:
    """Fill in a Word form; one the app does not ship is filled in in a limited child process."""
    if is_bundled(form):
        return render_docx(form, context, name=name)
    return render_docx_isolated(form, context, limits=form_limits(), name=name)


def form_text(form: bytes, docx: bytes) -> str:
    """Return a document filled from a Word form as sanitised HTML; one from a form the app does not ship is read in a limited child."""
    if is_bundled(form):
        return docx_to_html(docx)
    return docx_to_html_isolated(docx, limits=form_limits())

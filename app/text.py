"""Countersign's own text (emails) rendered in a sandbox: values can never run code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

_EMAILS = SandboxedEnvironment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "email"),
    autoescape=False,  # plain-text mail; nothing is interpreted as markup
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """Return the subject and plain-text body of an email template."""
    tmpl = _EMAILS.get_template(f"{template}.txt")
    ctx = tmpl.new_context(dict(context))
    subject = "".join(tmpl.blocks["subject"](ctx)).strip()
    body = "".join(tmpl.blocks["body"](ctx)).strip() + "\n"
    # A subject is one line: a newline in a name must not become a header injection.
    return " ".join(subject.split()), body

"""Trusts: their profiles (defaults, terms, which form each kind uses), Word forms and seal keys."""

from flask import Flask

from .cli import GROUPS
from .wording import document_name, wording_for

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Attach `flask trusts`, `flask templates` and `flask kinds`, and the trust's wording for every page."""
    for group in GROUPS:
        app.cli.add_command(group)
    app.add_template_global(wording_for)
    app.add_template_global(document_name)

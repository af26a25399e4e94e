"""Trusts: their profiles (defaults, terms, which form each kind uses), Word forms and seal keys."""

from flask import Flask

from .cli import GROUPS

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Attach `flask trusts`, `flask templates` and `flask kinds`."""
    for group in GROUPS:
        app.cli.add_command(group)

"""Checking a sealed record: the public /verify page and `flask seal verify|certificate`."""

from __future__ import annotations

from flask import Flask

from .cli import seal_cli
from .views import bp

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Attach the public verification page and the `flask seal` commands."""
    app.register_blueprint(bp)
    app.cli.add_command(seal_cli)

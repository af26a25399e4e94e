"""Records governance: retention and destruction, legal holds, subject access exports, the audit report."""

from flask import Flask

from .cli import holds_cli, records_cli, retention_cli
from .views import bp


def init_app(app: Flask) -> None:
    """Attach the records pages, `flask retention`, `flask holds` and `flask records`."""
    app.register_blueprint(bp)
    for group in (retention_cli, holds_cli, records_cli):
        app.cli.add_command(group)

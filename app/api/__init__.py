"""The JSON API under /api/v1 for a trust's own systems: API keys (scoped, hashed, rate-limited),
problem details for errors, an audit event per call, and an OpenAPI description made from its schemas.

It calls the operations the staff pages call; nothing imports it back.
"""

from flask import Flask

from ..extensions import csrf
from . import auth, staff_views, views  # noqa: F401  (they attach routes and handlers on import)
from .cli import api_keys_cli
from .problems import problem
from .spec import PREFIX, bp

__all__ = ["PREFIX", "init_app", "problem"]


def init_app(app: Flask) -> None:
    """Attach the API (exempt from CSRF: it takes keys, not cookies) and `flask api-keys`."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.cli.add_command(api_keys_cli)

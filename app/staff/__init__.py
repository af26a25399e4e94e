"""Staff: passwordless sign-in, roles scoped to trust and school (access.py), and the staff pages."""

from flask import Flask

from ..documents.notify import REVISE_KIND
from ..mail import register_link
from . import (
    agree_views,
    configuration_views,
    create_views,
    document_views,
    form_views,
    people_views,
    profile_views,
    review_views,
    settings_views,
    sign_in_views,
)
from .auth import init_app as init_auth
from .blueprint import bp
from .cli import users_cli
from .dashboard import init_app as init_dashboard
from .document_views import revise_url

__all__ = [
    "agree_views", "configuration_views", "create_views", "document_views", "form_views", "init_app", "people_views",
    "profile_views", "review_views",
    "settings_views", "sign_in_views",
]


def init_app(app: Flask) -> None:
    """Attach sign-in, the staff pages and `flask users`."""
    init_auth(app)
    init_dashboard(app)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    register_link(app, REVISE_KIND, revise_url)

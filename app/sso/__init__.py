"""Staff sign-in with the trust's OpenID provider (Microsoft 365, Google), beside the emailed link.

Authlib runs the authorisation code flow with PKCE and checks the ID token; a verified address of
an active member of the provider's own trust is signed in. It builds on staff; nothing imports it.
"""

from flask import Flask

from . import staff_views, views  # noqa: F401  (the pages attach to the staff blueprint on import)
from .cli import sso_cli

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Attach `flask sso` (the pages are on the staff blueprint)."""
    app.cli.add_command(sso_cli)

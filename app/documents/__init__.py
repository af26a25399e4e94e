"""Documents: made from a trust's Word form, agreed by each party's personal link, sealed.

One verb per module: create, prepare, links, answers, revise, seal, download, preview; notify holds
every email; queries the reads that pages and commands share; tasks the jobs.
"""

from flask import Flask

from ..mail import register_link
from . import signing_page, tasks  # tasks registers the preparation and seal jobs with Celery
from .cli import GROUPS
from .links import link_url
from .notify import LINK_KIND
from .views import bp

__all__ = ["init_app", "tasks"]


def init_app(app: Flask) -> None:
    """Attach the personal-link pages, the document commands, and how emails build link URLs."""
    app.register_blueprint(bp)
    for group in GROUPS:
        app.cli.add_command(group)
    register_link(app, LINK_KIND, link_url)
    signing_page.init_app(app)

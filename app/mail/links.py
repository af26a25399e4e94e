"""How an email's link becomes a URL: each package that owns links registers a builder for its kind."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

EXTENSION = "countersign.mail_links"
LinkBuilder = Callable[[int], str]


def register_link(app: Flask, kind: str, build: LinkBuilder) -> None:
    """Say how to build the URL, with a freshly signed token, for an email linking to a kind's row."""
    app.extensions.setdefault(EXTENSION, {})[kind] = build


def link_url(kind: str, row_id: int) -> str:
    """Return the URL for an email's link; raise KeyError for a kind nobody registered."""
    return current_app.extensions[EXTENSION][kind](row_id)

"""Personal links: signed tokens around a link row's id and nonce, and their URLs."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from signing.tokens import LinkTokens

from .documents.models import Link

PATHS = {"agree": "s", "download": "d", "answer": "a"}


def link_tokens() -> LinkTokens:
    """Return the token signer for the configured keys (newest last)."""
    keys = [*current_app.config["OLD_SECRET_KEYS"], current_app.config["SECRET_KEY"]]
    return LinkTokens(keys)


def link_url(link: Link) -> str:
    """Return the absolute URL carrying a fresh token for link."""
    token = link_tokens().issue(link.purpose, link.id, link.nonce)
    return f"{current_app.config['BASE_URL']}/{PATHS[link.purpose]}/{token}"


def max_age_seconds(link_created: datetime, link_expires: datetime) -> int:
    """Return how long a token for this link may live (its window plus clock slack)."""
    return int((link_expires - link_created).total_seconds()) + 300

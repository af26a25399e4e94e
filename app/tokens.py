"""The signer of every personal token (signing links and sign-in links), under the configured keys."""

from __future__ import annotations

from flask import current_app

from signing.tokens import LinkTokens


def link_tokens() -> LinkTokens:
    """Return the token signer for the configured keys (newest last)."""
    return LinkTokens([*current_app.config["OLD_SECRET_KEYS"], current_app.config["SECRET_KEY"]])

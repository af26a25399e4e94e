"""The staff blueprint, and what every staff page's template can use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from ..documents.people import Request
from ..inputs import user_agent

bp = Blueprint("staff", __name__, url_prefix="/staff")
STATE_COLOURS = {
    "preparing": "grey", "awaiting_answers": "blue", "awaiting_agreement": "blue", "changes_requested": "orange",
    "agreed": "turquoise", "sealed": "green", "issued": "green", "superseded": "grey", "cancelled": "red",
    "destroyed": "grey",
}


def who() -> Request:
    """Return where the current request came from, for the audit log."""
    return Request(ip=request.remote_addr, user_agent=user_agent())


@bp.app_template_filter("state_label")
def state_label(state: str) -> str:
    return state.replace("_", " ").capitalize()


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"state_colours": STATE_COLOURS}

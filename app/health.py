"""`GET /health`: whether this process can answer, for a load balancer or process monitor in front of several.

It asks the database one trivial question; a proxy takes a host out of rotation while it says 503.
It reads nothing else and changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> tuple[Response, int]:
    """200 {"database": "ok"} while the database answers; 503 {"database": "unavailable"} when it does not."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        response = jsonify(database="unavailable")
        status = 503
    else:
        response = jsonify(database="ok")
        status = 200
    response.headers["Cache-Control"] = "no-store"
    return response, status


def init_app(app: Flask) -> None:
    """Attach `GET /health`."""
    app.register_blueprint(bp)

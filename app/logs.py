"""Keep personal-link tokens out of every log line, its arguments and its traceback.

SQL parameters (reasons, names, emails, addresses) are kept out by the engine's hide_parameters
(app/config.py); this module scrubs what remains: request paths and anything shaped like a token.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

# A path carrying a token: /s/<token>, /d/<token>, /a/<token>, /staff/sign-in/<token>.
TOKEN_PATH = re.compile(r"/(s|d|a|staff/sign-in)/[A-Za-z0-9_.\-]+")
# A token on its own (itsdangerous: payload.timestamp.signature, the payload dotted when compressed).
TOKEN_SHAPE = re.compile(r"\.?[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{4,12}\.[A-Za-z0-9_\-]{20,}")
# OpenID Connect's callback query: the authorisation code and state (single use, but secrets until used).
OIDC_QUERY = re.compile(r"([?&](?:code|state|id_token|session_state)=)[^&\s\"']+")
# Loggers whose own handlers (not only the root's) may write somewhere: each gets the filter too.
LOGGERS = ("", "flask.app", "app", "werkzeug", "celery", "celery.app.trace", "celery.worker",
           "gunicorn.error", "gunicorn.access", "sqlalchemy", "sqlalchemy.engine")


def redact(text: str) -> str:
    """Return text with every token path and token replaced by a placeholder."""
    return OIDC_QUERY.sub(r"\1[token]", TOKEN_SHAPE.sub("[token]", TOKEN_PATH.sub(r"/\1/[token]", text)))


def redact_record(record: logging.LogRecord) -> None:
    """Scrub a record's message, arguments, traceback and stack in place (idempotent)."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: keep its parts, scrubbed, rather than the raw arguments
        message = f"{record.msg} {record.args!r}"
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[0] is not None:
        # Formatted now, scrubbed, and the live traceback dropped: a formatter then appends exc_text.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactTokens(logging.Filter):
    """Keep personal-link tokens out of whatever a logger or handler passes on."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install() -> None:
    """Redact every record as it is made, and filter the known loggers and their handlers too."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts_tokens", False):
        logging.setLogRecordFactory(_redacting(factory))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, RedactTokens) for f in target.filters):
                target.addFilter(RedactTokens())


def _redacting(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    # The record factory sees every record of every logger, even ones whose handlers come later
    # (gunicorn's, Celery's, a test's capture), so nothing has to be configured in the right order.
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        redact_record(record)
        return record

    make.redacts_tokens = True  # type: ignore[attr-defined]
    return make

"""Errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app, jsonify
from pydantic import ValidationError

from ..kinds import FieldError

MEDIA_TYPE = "application/problem+json"
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")  # the API's own field names, as a request writes them
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed for this key",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid fields",
    429: "Too many requests",
    500: "Internal error",
}
SLUGS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden-scope", 404: "not-found",
         405: "method-not-allowed", 409: "conflict", 413: "too-large", 415: "unsupported-media-type",
         422: "invalid-fields", 429: "rate-limited", 500: "internal-error"}


class ApiProblem(Exception):
    """Raised by an API view to answer with a problem; errors are (pointer, detail) pairs."""

    def __init__(self, status: int, detail: str, errors: list[tuple[str, str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def problem(status: int, detail: str, errors: list[tuple[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """Return a problem details response."""
    body: dict[str, Any] = {
        "type": f"{current_app.config['BASE_URL']}/api/v1/problems/{SLUGS.get(status, 'error')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [{"pointer": pointer, "detail": text} for pointer, text in errors]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_validation(exc: ValidationError, root: str = "") -> ApiProblem:
    """Turn pydantic's errors into a 422 naming each field by JSON Pointer."""
    found: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        # A union's errors name each member tried ("PersonIn", "constrained-str"): not part of the request.
        parts = [p for p in error["loc"] if isinstance(p, int) or _FIELD.match(p)]
        path = "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)
        found.setdefault(f"#{root}/{path}" if path else "#", []).append(error["msg"])
    errors = [(pointer, "; ".join(dict.fromkeys(messages))) for pointer, messages in found.items()]
    return ApiProblem(422, "The request does not match the API's schema.", errors)


def from_field_error(exc: FieldError) -> ApiProblem:
    """Turn the create page's field problems ("name: message") into a 422 with a pointer for each."""
    errors = []
    people = {"supervisor": "#/supervisor", "supervisee": "#/supervisees", "supervisees": "#/supervisees"}
    for text in exc.problems:
        name, _, message = text.partition(": ")
        name = name.strip("' ")
        if message and " " not in name:
            errors.append((people.get(name, f"#/fields/{name}"), message))
        elif text.startswith("unknown field "):
            field = text.split("'")[1] if "'" in text else ""
            errors.append((f"#/fields/{field}" if field else "#/fields", text))
        else:
            errors.append(("#", text))
    return ApiProblem(422, "Some fields are missing or invalid; each is named in errors.", errors)

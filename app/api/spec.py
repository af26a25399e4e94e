"""Declare each API operation once: its route, scope, request and response schemas; the OpenAPI 3.1
description is generated from these declarations and the pydantic models they name."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, g, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from .models import Scope
from .problems import TITLES, ApiProblem, from_validation
from .schemas import Problem

PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: anything larger cannot exist
PDF = "application/pdf"
bp = Blueprint("api", __name__, url_prefix=PREFIX)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as OpenAPI writes it, under PREFIX
    name: str
    summary: str
    scope: Scope
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, tuple[str, type[BaseModel] | str | None]]  # status: (description, model or media type)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


OPERATIONS: list[Operation] = []


def operation(method: str, path: str, *, summary: str, scope: Scope, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None,
              responses: dict[int, tuple[str, type[BaseModel] | str | None]]) -> Callable[..., Any]:
    """Register an API view: check the key's scope, parse query and body into their models, then call it."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(method, path, view.__name__, summary, scope, body, query, responses)

        @wraps(view)
        def run(**kwargs: Any) -> Any:
            if not g.api_key.allows(scope):
                raise ApiProblem(403, f"This key does not have the {scope.value} scope.")
            if query is not None:
                try:
                    kwargs["query"] = query.model_validate(request.args.to_dict())
                except ValidationError as exc:
                    raise from_validation(exc) from None
            if body is not None:
                kwargs["body"] = _body(body)
            return view(**kwargs)

        rule = re.sub(r"\{(\w+)\}", rf"<int(min=1, max={MAX_ID}):\1>", path)
        bp.add_url_rule(rule, endpoint=op.name, view_func=run, methods=[method])
        OPERATIONS.append(op)
        return run

    return decorate


def _body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiProblem(415, "Send the request body as application/json.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, "The request body is not valid JSON.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch pydantic adds."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**options[0], **rest}
    return schema


def openapi_document(base_url: str) -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of every declared operation."""
    wanted: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        wanted += [(m, "validation") for m in (op.body, op.query) if m is not None]
        wanted += [(m, "serialization") for _, m in op.responses.values() if isinstance(m, type)]
    refs, top = models_json_schema(list(dict.fromkeys(wanted)), ref_template="#/components/schemas/{model}")
    schemas = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _describe(op, refs, schemas)
    paths[PREFIX + "/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This description", "security": [],
        "responses": {"200": {"description": "The OpenAPI description",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Countersign API", "version": "1.0.0",
                 "description": "Create, follow and fetch a trust's supervision documents. See docs/api.md."},
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "An API key made by a trust admin"}},
        },
        "security": [{"apiKey": []}],
    }


def _describe(op: Operation, refs: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    parameters = [{"name": n, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}} for n in op.path_params]
    if op.query is not None:
        schema = schemas[refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[1]]
        for name, prop in schema["properties"].items():
            parameters.append({"name": name, "in": "query", "required": name in schema.get("required", []),
                               "schema": _without_null(prop)})
    problem = {"content": {"application/problem+json": {"schema": refs[(Problem, "serialization")]}}}
    responses: dict[str, Any] = {}
    for status, (description, model) in op.responses.items():
        if isinstance(model, type):
            responses[str(status)] = {"description": description,
                                      "content": {"application/json": {"schema": refs[(model, "serialization")]}}}
        elif model == PDF:
            responses[str(status)] = {"description": description,
                                      "content": {PDF: {"schema": {"type": "string", "format": "binary"}}}}
        else:
            responses[str(status)] = {"description": description, **problem}
    errors = [401, 403, 429]
    if op.path_params:
        errors.append(404)
    if op.body is not None:
        errors += [400, 415, 422]
    if op.query is not None:
        errors.append(422)
    for status in errors:
        responses.setdefault(str(status), {"description": TITLES[status], **problem})
    described: dict[str, Any] = {"operationId": op.name, "summary": op.summary, "parameters": parameters,
                                 "responses": responses, "x-scope": op.scope.value}
    if op.body is not None:
        described["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[(op.body, "validation")]}}}
    return described

"""The standing bad-input suite: every route in the URL map, for every role, gets hostile input.

For each request: never a 5xx; nothing changes in any table unless the request was a valid write
(GET, HEAD, odd methods, a POST without its CSRF token or with a value no field accepts change
nothing); no email is queued; no token and no field value reaches the logs; text comes back escaped.
The audit log's own tables are left out of "nothing changes": refused links are logged by design.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from itertools import cycle
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.extensions import db

from ..flows.test_contract_spine import agree, csrf
from ..staff.test_access import sign_in
from .conftest import TRIED
from .hostile import (
    FIELDS,
    MARK,
    ODD_HEADERS,
    ODD_METHODS,
    REFUSED_VALUES,
    TEXT_VALUES,
    hostile_files,
    token_shapes,
)

AUDIT_TABLES = {"audit_event", "audit_head", "audit_personal", "audit_checkpoint", "rejection_tally"}
# A POST to these with a valid CSRF token is a write whatever its text fields say.
WRITES_ANYWAY = {"links.viewed", "staff.resend", "staff.reissue", "staff.reissue_all", "staff.sign_out",
                 "staff.sign_out_everywhere", "staff.sign_in_complete"}
# Sent last for each person: they end the session or use up the sign-in link the rest rely on.
LAST = ("staff.sign_in_complete", "staff.sign_out", "staff.sign_out_everywhere")
ROLES = {
    "anonymous": None,
    "admin": ("admin@hom.example.org", "Morgan Admin", "admin", "heart-of-mercia", None),
    "lead": ("lead@oakfield.example.org", "Lee Lead", "lead", "heart-of-mercia", "Oakfield Primary School"),
    "party": ("sam@example.org", "Sam Patel", "staff", "heart-of-mercia", "Oakfield Primary School"),
    "other_trust": ("admin@rt.example.org", "Rita Tees", "admin", "river-tees", None),
}
SUPERVISOR = ("Alex Morgan", "alex@example.org")
SUPERVISEE = ("Sam Patel", "sam@example.org")


@pytest.fixture
def world(app: Any, runner: Any, trusts: Any, mailbox: Any, wait: Any) -> dict[str, Any]:
    """Staff of two trusts; a sealed contract, one awaiting agreement, an audit awaiting answers; a sign-in link."""
    for role in ROLES.values():
        if role:
            email, name, kind, trust, school = role
            args = ["users", "create", email, "--name", name, "--role", kind, "--trust", trust]
            assert runner.invoke(args=args + (["--school", school] if school else [])).exit_code == 0
    people = ["--supervisor", f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>", "--supervisee", f"{SUPERVISEE[0]} <{SUPERVISEE[1]}>",
              "--set", "school=Oakfield Primary School"]
    ids = []
    for _ in range(2):
        result = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", *people])
        assert result.exit_code == 0, result.output
        ids.append(int(result.output.split()[-1]))
    sealed, waiting = ids
    client = app.test_client()
    for email, name in (SUPERVISOR[::-1], SUPERVISEE[::-1]):
        # With a worker the two contracts' emails may arrive in either order: pick the sealed one's.
        message = next(m for m in mailbox.to(email, "Please read", count=2) if f"CS-{sealed:06d}" in str(m))
        assert agree(client, mailbox.link(message), name).status_code == 303
    assert wait(lambda: _state(app, sealed) == "sealed")
    audit = runner.invoke(args=["questionnaire", "send", "--trust", "heart-of-mercia", "--supervisee",
                                f"{SUPERVISEE[0]} <{SUPERVISEE[1]}>"])
    assert audit.exit_code == 0, audit.output
    tokens = {
        "agree": _token(mailbox.link(next(m for m in mailbox.to(SUPERVISEE[1], "Please read", count=2)
                                          if f"CS-{waiting:06d}" in str(m)))),
        "download": _token(mailbox.link(mailbox.to(SUPERVISEE[1], "Sealed")[0])),
        "answer": _token(mailbox.link(mailbox.to(SUPERVISEE[1], "answer")[0])),
    }
    client.post("/staff/sign-in", data={"csrf_token": csrf(client.get("/staff/sign-in").text),
                                        "email": "lead@oakfield.example.org"})
    tokens["signin"] = _token(mailbox.link_to("lead@oakfield.example.org"))
    with app.app_context():
        from app.documents.models import Document

        party = db.session.scalar(select(Document).where(Document.id == waiting)).parties[1].id
    return {"sealed": sealed, "waiting": waiting, "party": party, "tokens": tokens}


def _state(app: Any, document_id: int) -> str:
    from app.documents.models import Document

    with app.app_context():
        state = db.session.scalar(select(Document.state).where(Document.id == document_id))
        db.session.rollback()
        return str(state)


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def snapshot(app: Any) -> str:
    """Return a digest of every row of every table but the audit log's."""
    digest = hashlib.sha256()
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in AUDIT_TABLES:
                continue
            rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            digest.update(f"{table.name}:{len(rows)}:".encode())
            for row in rows:
                digest.update(row.encode())
    return digest.hexdigest()


def values_for(name: str, converter: str, world: dict[str, Any], tokens: dict[str, str]) -> list[str]:
    """Return the values a URL parameter is tried with."""
    if name == "token":
        return list(tokens.values())
    if converter == "int":
        real = {"document_id": world["sealed"], "party_id": world["party"], "number": 1}.get(name, 1)
        return [str(real), str(world["waiting"]) if name == "document_id" else "2", "0", "999999", str(2**63)]
    return {"kind_name": ["contract", "record", "nope", MARK], "digest": ["0" * 64, "..", MARK]}.get(name, [MARK])


def requests_for(app: Any, world: dict[str, Any], tokens: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """Yield (endpoint, method, path) for every route, parameter combination and method, sign-out last."""
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                   key=lambda r: (r.endpoint in LAST, LAST.index(r.endpoint) if r.endpoint in LAST else 0, r.rule))
    odd = cycle(ODD_METHODS)
    for rule in rules:
        names = re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
        combos: list[dict[str, str]] = [{}]
        for converter, name in names:
            combos = [dict(c, **{name: v}) for c in combos for v in values_for(name, converter, world, tokens)]
        for combo in combos:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, c=combo: quote(c[m.group(1)], safe=""), rule.rule)
            for method in sorted(rule.methods - {"OPTIONS"}) + [next(odd)]:
                yield rule.endpoint, method, path


def app_logs(records: list[logging.LogRecord]) -> str:
    """Return what the app's own loggers wrote (the test SMTP server, aiosmtpd's "mail.log", is not the app)."""
    text = []
    for record in records:
        if record.name.startswith("mail.log"):
            continue
        text.append(record.getMessage())
        if record.exc_info:
            text.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            text.append(record.exc_text)
    return "\n".join(text)


def form_for(variant: str, token: str | None) -> dict[str, Any]:
    """Return a form body filled with one hostile value in every field the app reads."""
    value = {**REFUSED_VALUES, **TEXT_VALUES}[variant]
    data: dict[str, Any] = dict.fromkeys(FIELDS, value)
    data["action"] = "preview"
    if token:
        data["csrf_token"] = token
    return data


def test_every_route_for_every_role_survives_hostile_input(app, world, mailbox, caplog):
    from app.extensions import limiter

    # Rate limits would answer most of these with a 429 before the code under test runs; they are
    # proven on their own in tests/flows/test_link_noise.py. The limiter is one object per process,
    # so it is switched back on however this test ends.
    limiter.enabled = False
    try:
        _walk_every_route(app, world, mailbox, caplog)
    finally:
        limiter.enabled = True


def _walk_every_route(app, world, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    clients: dict[str, Any] = {}
    for role, person in ROLES.items():
        clients[role] = app.test_client()
        if person:
            sign_in(clients[role], mailbox, person[0])
    csrf_tokens = {role: csrf(c.get("/verify").text) for role, c in clients.items()}
    tokens = token_shapes(world["tokens"], app.config["SECRET_KEY"])
    secrets = list(world["tokens"].values())
    refused = cycle(REFUSED_VALUES)
    headers = cycle(ODD_HEADERS)
    files = cycle(hostile_files().items())
    failures: list[str] = []
    before = snapshot(app)
    for role, client in clients.items():
        for endpoint, method, path in requests_for(app, world, tokens if role == "anonymous" else
                                                   {k: v for k, v in tokens.items() if k.startswith("real") or k == "flipped"}):
            bodies: list[tuple[str, dict[str, Any] | None]] = [("none", None)]
            if method == "POST":
                bodies = [("no-csrf", form_for(next(refused), None)), ("refused", form_for(next(refused), csrf_tokens[role]))]
                if endpoint in ("verify.verify_upload", "staff.create_kind_submit"):
                    name, upload = next(files)
                    bodies[1][1]["pdf"] = (io.BytesIO(upload[0]), upload[1])
            for body_kind, data in bodies:
                logged = len(caplog.records)
                response = client.open(path, method=method, data=data, headers=next(headers))
                TRIED[f"requests as {role}"] += 1
                where = f"{role} {method} {path[:80]} [{body_kind}]"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                valid_write = method == "POST" and body_kind == "refused" and endpoint in WRITES_ANYWAY
                if not valid_write:
                    after = snapshot(app)
                    if after != before:
                        failures.append(f"{where}: changed the database")
                    before = after
                else:
                    before = snapshot(app)
                text = app_logs(caplog.records[logged:])
                if MARK in text or any(secret in text for secret in secrets):
                    failures.append(f"{where}: a field value or token reached the logs")
                if b"<script>alert(1)</script>" in response.data:
                    failures.append(f"{where}: text came back unescaped")
        TRIED["roles"] += 1
    TRIED["routes"] = sum(1 for r in app.url_map.iter_rules() if r.endpoint != "static")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])


def test_text_that_looks_like_code_is_shown_as_text(app, world, mailbox):
    client = app.test_client()
    sign_in(client, mailbox, "lead@oakfield.example.org")
    for variant, value in TEXT_VALUES.items():
        page = client.get("/staff/documents", query_string={"q": value, "person": value, "school": value})
        TRIED["text values searched"] += 1
        assert page.status_code == 200, variant
        assert b"<script>alert(1)</script>" not in page.data
        form = client.get("/staff/create/contract")
        preview = client.post("/staff/create/contract", data={
            "csrf_token": csrf(form.text), "action": "preview", "supervisor": "Alex Morgan <alex@example.org>",
            "supervisees": "Sam Patel <sam@example.org>", "school": "Oakfield Primary School", "term-venue": value})
        assert preview.status_code in (200, 400), (variant, preview.status_code)
        assert b"<script>alert(1)</script>" not in preview.data

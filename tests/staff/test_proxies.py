"""Behind a reverse proxy (PROXY_FIX=N) the visitor's address is logged; without it, X-Forwarded-For is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.extensions import db

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf

pytestmark = pytest.mark.skipif(bool(BROKER), reason="one app per setting, each with its own database")

ADMIN = "admin@hom.example.org"


@pytest.fixture
def make_app(settings: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    made: list[Any] = []

    def make(**extra: Any) -> Any:
        config = {**settings, "TESTING": True, **extra}
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / f'proxies-{len(made)}.sqlite3'}"
        application = create_app(config)
        with application.app_context():
            db.create_all()
            db.session.commit()
        runner = application.test_cli_runner()
        assert runner.invoke(args=["trusts", "load"]).exit_code == 0
        assert runner.invoke(args=["users", "create", ADMIN, "--name", "Morgan Admin", "--role", "admin",
                                   "--trust", "heart-of-mercia"]).exit_code == 0
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def ask(client: Any, forwarded_for: str, email: str = ADMIN) -> int:
    """Ask for a sign-in link through an HTTPS proxy, sending no Referer (as Referrer-Policy makes browsers do)."""
    page = client.get("/staff/sign-in")
    response = client.post("/staff/sign-in", data={"csrf_token": csrf(page.text), "email": email},
                           headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"})
    return response.status_code


def logged_addresses(application: Any) -> list[str | None]:
    with application.app_context():
        return list(db.session.scalars(select(AuditEvent.ip).where(AuditEvent.type == "sign_in_requested")))


@pytest.mark.parametrize(
    "proxies, forwarded_for, logged",
    [
        (0, "203.0.113.9", "127.0.0.1"),  # the default: a forwarded address is anyone's claim
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # only the trusted proxy's own entry counts
        (2, "198.51.100.1, 203.0.113.9", "198.51.100.1"),
    ],
)
def test_the_logged_address_is_the_visitors_only_behind_trusted_proxies(make_app, mailbox, proxies, forwarded_for, logged):
    application = make_app(PROXY_FIX=proxies) if proxies else make_app()
    assert application.config["PROXY_FIX"] == proxies
    assert ask(application.test_client(), forwarded_for) == 200
    assert logged_addresses(application) == [logged]


def test_behind_a_proxy_each_visitor_has_their_own_sign_in_limit(make_app, mailbox):
    application = make_app(PROXY_FIX=1)
    client = application.test_client()
    assert [ask(client, "203.0.113.9", "x@example.org") for _ in range(6)] == [200] * 5 + [429]
    assert ask(client, "203.0.113.10", "x@example.org") == 200  # not everyone shares the proxy's limit

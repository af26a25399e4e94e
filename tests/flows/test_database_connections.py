"""Pooled PostgreSQL connections: checked as they are taken only after sitting idle, and replaced if they died.

Under load a connection is given back and taken again within milliseconds, so checking it every
time would cost a round trip per request; one that sat idle may have died, and is checked first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from app import create_app
from app.extensions import db

from ..conftest import DATABASE

pytestmark = pytest.mark.skipif(not DATABASE, reason="PostgreSQL's pooled connections (SQLite opens a file)")


@contextmanager
def _app(settings: dict[str, Any], idle: float, **extra: Any) -> Iterator[Any]:
    application = create_app({**settings, "TESTING": True, "DATABASE_PING_IDLE_SECONDS": idle, **extra})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The checks sent, counted on their way to the real driver."""
    counted: list[int] = []
    dialect = type(sqlalchemy.create_engine(DATABASE).dialect)
    real = dialect.do_ping

    def counting(self: Any, dbapi_connection: Any) -> bool:
        counted.append(1)
        return real(self, dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return counted


def _backend(application: Any) -> int:
    with application.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()
    return int(pid)


def _kill(backend: int) -> None:
    """End a connection from PostgreSQL's side, as a restart, a failover or an idle timeout would."""
    other = sqlalchemy.create_engine(DATABASE)
    with other.begin() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    other.dispose()
    time.sleep(0.1)


def test_a_connection_given_back_a_moment_ago_is_taken_without_a_check(settings, pings):
    with _app(settings, idle=60) as application:
        client = application.test_client()
        for _ in range(5):
            assert client.get("/health").status_code == 200
        assert pings == []


def test_with_no_idle_allowance_every_connection_taken_is_checked(settings, pings):
    with _app(settings, idle=0) as application:
        client = application.test_client()
        for _ in range(5):
            assert client.get("/health").status_code == 200
        assert len(pings) >= 4  # the first request's connection is new, so needs none


def test_a_connection_that_died_while_idle_is_replaced_before_a_request_uses_it(settings, pings):
    with _app(settings, idle=0.2) as application:
        client = application.test_client()
        assert client.get("/health").status_code == 200
        dead = _backend(application)
        _kill(dead)
        time.sleep(0.2)
        assert client.get("/health").status_code == 200
        assert pings  # the dead connection was checked, found dead, and another taken
        assert _backend(application) != dead


def _counted_route(application: Any) -> list[int]:
    """A route answering GET and POST with SELECT 1, counting each time it runs."""
    runs: list[int] = []

    @application.route("/test-only/select", methods=["GET", "POST"])
    def select_one() -> str:
        runs.append(1)
        return str(db.session.scalar(text("SELECT 1")))

    return runs


@pytest.mark.parametrize("propagate", [True, False], ids=["exceptions propagate", "served"])
def test_a_read_whose_recently_used_connection_died_is_read_again_on_a_new_one(settings, pings, propagate):
    with _app(settings, idle=60, PROPAGATE_EXCEPTIONS=propagate) as application:
        runs = _counted_route(application)
        client = application.test_client()
        assert client.get("/test-only/select").text == "1"
        dead = _backend(application)
        _kill(dead)
        runs.clear()
        assert client.get("/test-only/select").text == "1"
        assert pings == [] and len(runs) == 2  # not checked (used just now), so it failed, and ran again
        assert _backend(application) != dead


def test_a_form_sent_on_a_connection_that_died_answers_the_error_page_once(settings, pings):
    with _app(settings, idle=60, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False) as application:
        runs = _counted_route(application)
        client = application.test_client()
        assert client.post("/test-only/select").text == "1"
        _kill(_backend(application))
        runs.clear()
        failed = client.post("/test-only/select")
        assert failed.status_code == 500 and "Nothing was changed" in failed.text
        assert len(runs) == 1  # a POST is not repeated
        assert client.post("/test-only/select").text == "1"  # the pool replaced its connections

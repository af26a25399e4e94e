"""Pooled PostgreSQL connections: checked as they are taken only after sitting idle, and replaced if they died.

Under load a connection is given back and taken again within milliseconds, so checking it every
time would cost a round trip per request; one that sat idle may have died, and is checked first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from app import create_app
from app.extensions import db

from ..conftest import DATABASE

pytestmark = pytest.mark.skipif(not DATABASE, reason="PostgreSQL's pooled connections (SQLite opens a file)")


def _app(settings: dict[str, Any], idle: float) -> Iterator[Any]:
    application = create_app({**settings, "TESTING": True, "DATABASE_PING_IDLE_SECONDS": idle})
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


def test_a_connection_given_back_a_moment_ago_is_taken_without_a_check(settings, pings):
    for application in _app(settings, idle=60):
        client = application.test_client()
        for _ in range(5):
            assert client.get("/health").status_code == 200
        assert pings == []


def test_with_no_idle_allowance_every_connection_taken_is_checked(settings, pings):
    for application in _app(settings, idle=0):
        client = application.test_client()
        for _ in range(5):
            assert client.get("/health").status_code == 200
        assert len(pings) >= 4  # the first request's connection is new, so needs none


def test_a_connection_that_died_while_idle_is_replaced_before_a_request_uses_it(settings, pings):
    for application in _app(settings, idle=0.2):
        client = application.test_client()
        assert client.get("/health").status_code == 200
        dead = _backend(application)
        other = sqlalchemy.create_engine(DATABASE)
        with other.begin() as connection:  # as a restart or an idle timeout would
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
        other.dispose()
        time.sleep(0.3)
        assert client.get("/health").status_code == 200
        assert pings  # the dead connection was checked, found dead, and another taken
        assert _backend(application) != dead

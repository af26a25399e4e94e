"""On PostgreSQL the app can run as a role that owns nothing (docs/app_role.sql): it appends to the
audit log, but cannot change a written row even while the owner has the triggers switched off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.audit import EventType, Noise, check_checkpoints, checkpoint, count, record, verify_chain
from app.audit.models import AuditEvent
from app.db import transaction
from app.extensions import db

from .audit_helpers import triggers_off
from .test_contract_spine import create_and_send

DATABASE = os.environ.get("COUNTERSIGN_DATABASE_URL", "")
GRANTS = Path(__file__).resolve().parents[2] / "docs" / "app_role.sql"
ROLE = f"countersign_app_test_{os.getpid()}"  # roles are cluster-wide: a name no one else uses

pytestmark = pytest.mark.skipif(not DATABASE.startswith("postgresql"), reason="database roles are PostgreSQL's")


def _grant(connection, role: str) -> None:
    """Run docs/app_role.sql as psql would, with :"role" set."""
    lines = [line for line in GRANTS.read_text().splitlines() if not line.startswith("--")]
    for statement in " ".join(lines).split(";"):
        if statement.strip():
            connection.exec_driver_sql(statement.replace(':"role"', f'"{role}"'))


@pytest.fixture
def app_role(app):
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{ROLE}" LOGIN')
        _grant(connection, ROLE)
    yield make_url(DATABASE).set(username=ROLE).render_as_string(hide_password=False)
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP OWNED BY "{ROLE}"')
            connection.exec_driver_sql(f'DROP ROLE "{ROLE}"')


def test_the_app_role_appends_but_cannot_change_the_log(app, runner, mailbox, trusts, wait, settings, app_role):
    create_and_send(app, runner, wait)
    as_role = create_app({**settings, "DATABASE_URL": app_role})
    with as_role.app_context():
        with transaction():
            record(EventType.LINK_REJECTED, details={"reason": "used", "link": None})
            count(Noise.LINK_INVALID, "192.0.2.1")
            assert checkpoint() is not None
        assert verify_chain()[1] is None and check_checkpoints()[1] == []
        db.session.remove()
        db.engine.dispose()

    engine = create_engine(app_role)
    try:
        with triggers_off(app):  # the owner has switched the triggers off; the role still may not
            for statement in (
                "UPDATE audit_event SET actor = 'someone else'",
                "DELETE FROM audit_event",
                "TRUNCATE audit_event",
                "UPDATE audit_checkpoint SET seq = 1",
                "DELETE FROM audit_checkpoint",
                "ALTER TABLE audit_event DISABLE TRIGGER USER",
            ):
                with engine.connect() as connection, pytest.raises(DBAPIError, match="permission denied|must be owner"):
                    connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.actor == "someone else")) == 0
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

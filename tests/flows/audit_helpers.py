"""What an attacker holding the database's superuser can do: switch the append-only triggers off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.audit.append_only import sqlite_statements, trigger_names
from app.extensions import db

APPEND_ONLY = ("audit_event", "audit_checkpoint")


@contextmanager
def triggers_off(app: Any) -> Iterator[None]:
    """Inside, audit rows can be edited as an owner could; the triggers are back afterwards."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as connection:
            for table in APPEND_ONLY:
                if postgres:
                    connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                else:
                    for name in trigger_names(table)[:2]:
                        connection.exec_driver_sql(f"DROP TRIGGER {name}")
        try:
            yield
        finally:
            db.session.remove()
            with db.engine.begin() as connection:
                for table in APPEND_ONLY:
                    if postgres:
                        connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                    else:
                        for statement in sqlite_statements(table):
                            connection.exec_driver_sql(statement)

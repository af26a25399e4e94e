"""Make a table append-only in the database itself: UPDATE, DELETE (and TRUNCATE) are refused by trigger.

The application never changes a written audit row; a trigger makes that a property of the database,
so a stray UPDATE or a hand-edit through the app's connection fails. An owner or superuser can still
disable the trigger, which is why the app should connect as a role that owns nothing (README) and why
checkpoints are signed with a key kept outside the database (checkpoints.py).
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

# The function raises without a '%' in its text: DDL strings pass through %-formatting.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION countersign_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$
"""


def trigger_names(table: str) -> list[str]:
    """Return the names of the triggers that keep a table append-only."""
    return [f"{table}_no_update", f"{table}_no_delete", f"{table}_no_truncate"]


def postgresql_statements(table: str) -> list[str]:
    """Return the PostgreSQL statements that refuse UPDATE, DELETE and TRUNCATE on table."""
    no_update, no_delete, no_truncate = trigger_names(table)
    run = "EXECUTE FUNCTION countersign_refuse_change()"
    return [
        PG_FUNCTION,
        f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} FOR EACH ROW {run}",
        f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} FOR EACH ROW {run}",
        f"CREATE TRIGGER {no_truncate} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {run}",
    ]


def sqlite_statements(table: str) -> list[str]:
    """Return the SQLite statements that refuse UPDATE and DELETE on table (SQLite has no TRUNCATE)."""
    no_update, no_delete, _ = trigger_names(table)
    return [
        f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
    ]


def protect(table: Table) -> None:
    """Install the triggers whenever the table is created from the models (create_all)."""
    # Migrations install the same triggers for databases built by `flask db upgrade`.
    for statement in postgresql_statements(table.name):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in sqlite_statements(table.name):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))

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


# An erasable event (one that chains a commitment to its personal details, app/audit/personal.py) may
# have those details blanked when its record is destroyed; nothing the chain covers may change.
ERASURE_ONLY = (
    "OLD.personal_commitment IS NOT NULL AND NEW.personal_commitment = OLD.personal_commitment "
    "AND NEW.actor = '[erased]' AND NEW.ip IS NULL AND NEW.user_agent IS NULL "
    "AND NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash AND NEW.prev_hash = OLD.prev_hash "
    "AND NEW.type = OLD.type AND NEW.occurred_at = OLD.occurred_at "
    "AND NEW.document_id IS NOT DISTINCT FROM OLD.document_id"
)
PG_ERASURE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION countersign_refuse_all_but_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {ERASURE_ONLY} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$
"""


def trigger_names(table: str) -> list[str]:
    """Return the names of the triggers that keep a table append-only."""
    return [f"{table}_no_update", f"{table}_no_delete", f"{table}_no_truncate"]


def postgresql_statements(table: str, *, erasable: bool = False) -> list[str]:
    """Return the PostgreSQL statements that refuse UPDATE (but an erasure, if erasable), DELETE and TRUNCATE."""
    no_update, no_delete, no_truncate = trigger_names(table)
    run = "EXECUTE FUNCTION countersign_refuse_change()"
    on_update = "EXECUTE FUNCTION countersign_refuse_all_but_erasure()" if erasable else run
    return [
        PG_FUNCTION,
        *([PG_ERASURE_FUNCTION] if erasable else []),
        f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} FOR EACH ROW {on_update}",
        f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} FOR EACH ROW {run}",
        f"CREATE TRIGGER {no_truncate} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {run}",
    ]


def sqlite_statements(table: str, *, erasable: bool = False) -> list[str]:
    """Return the SQLite statements that refuse UPDATE (but an erasure, if erasable) and DELETE (no TRUNCATE there)."""
    no_update, no_delete, _ = trigger_names(table)
    when = f"WHEN NOT ({ERASURE_ONLY.replace('IS NOT DISTINCT FROM', 'IS')}) " if erasable else ""
    return [
        f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} {when}"
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
    ]


def protect(table: Table, *, erasable: bool = False) -> None:
    """Install the triggers whenever the table is created from the models (create_all)."""
    # Migrations install the same triggers for databases built by `flask db upgrade`.
    for statement in postgresql_statements(table.name, erasable=erasable):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in sqlite_statements(table.name, erasable=erasable):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))

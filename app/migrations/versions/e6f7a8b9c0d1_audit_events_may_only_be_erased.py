"""Audit events stay append-only, but an erasable event's personal details may be blanked at destruction

Revision ID: e6f7a8b9c0d1
Revises: c7d2e9f1a3b4
Create Date: 2026-12-01 07:30:00

On SQLite the governance migration rebuilt audit_event in batch mode to add its commitment column,
which drops the table's triggers: they are installed again here, with the erasure allowed.
"""
from alembic import op

from app.audit.append_only import postgresql_statements, sqlite_statements, trigger_names

revision = "e6f7a8b9c0d1"
down_revision = "c7d2e9f1a3b4"
branch_labels = None
depends_on = None


def _replace(erasable: bool) -> None:
    bind = op.get_bind()
    no_update, no_delete, no_truncate = trigger_names("audit_event")
    if bind.dialect.name == "postgresql":
        for name in (no_update, no_delete, no_truncate):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_event")
        for statement in postgresql_statements("audit_event", erasable=erasable):
            op.execute(statement)
    elif bind.dialect.name == "sqlite":
        for name in (no_update, no_delete):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in sqlite_statements("audit_event", erasable=erasable):
            op.execute(statement)


def upgrade():
    _replace(erasable=True)


def downgrade():
    _replace(erasable=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS countersign_refuse_all_but_erasure()")

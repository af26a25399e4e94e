"""The audit log refuses UPDATE and DELETE; signed checkpoints of its head; anonymous noise tallied

Revision ID: 15c027e7aa20
Revises: d5e6f7a8b9c0
Create Date: 2026-12-01 07:00:00

Note for later migrations: on SQLite, batch mode rebuilds a table by copying it, which drops its
triggers; a migration that rebuilds audit_event or audit_checkpoint must create them again.
"""
import sqlalchemy as sa
from alembic import op

revision = "15c027e7aa20"
down_revision = "d5e6f7a8b9c0"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_event", "audit_checkpoint")

# A snapshot of app/audit/append_only.py at this revision (migrations do not import the app).
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION countersign_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$
"""


def _protect(bind, table: str) -> None:
    if bind.dialect.name == "postgresql":
        run = "EXECUTE FUNCTION countersign_refuse_change()"
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW {run}")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW {run}")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {run}")
    elif bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")


def _unprotect(bind, table: str) -> None:
    if bind.dialect.name == "postgresql":
        for verb in ("update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb} ON {table}")
    elif bind.dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def upgrade():
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("hmac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_checkpoint_seq"), ["seq"], unique=False)
    op.create_table(
        "rejection_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hour", "ip", "reason", name="uq_rejection_tally_hour_ip_reason"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
    for table in APPEND_ONLY:
        _protect(bind, table)


def downgrade():
    bind = op.get_bind()
    for table in APPEND_ONLY:
        _unprotect(bind, table)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS countersign_refuse_change()")
    op.drop_table("rejection_tally")
    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_checkpoint_seq"))
    op.drop_table("audit_checkpoint")

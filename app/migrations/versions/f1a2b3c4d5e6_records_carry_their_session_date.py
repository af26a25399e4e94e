"""Records carry their session date as an indexed column, so "supervision overdue" is one query

Revision ID: f1a2b3c4d5e6
Revises: a1b2c3d4e5f6
Create Date: 2026-12-01 10:10:00

"""
import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "f1a2b3c4d5e6"
down_revision = "a1b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document") as batch_op:
        batch_op.add_column(sa.Column("session_date", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_session_date"), ["session_date"], unique=False)
    bind = op.get_bind()
    document = sa.table("document", sa.column("id", sa.Integer), sa.column("current_version", sa.Integer),
                        sa.column("session_date", sa.Date))
    version = sa.table("document_version", sa.column("document_id", sa.Integer), sa.column("number", sa.Integer),
                       sa.column("fields", sa.JSON))
    rows = bind.execute(
        sa.select(document.c.id, version.c.fields).join(
            version, sa.and_(version.c.document_id == document.c.id, version.c.number == document.c.current_version)
        )
    ).all()
    for document_id, fields in rows:
        fields = fields if isinstance(fields, dict) else json.loads(fields or "{}")
        held = fields.get("session_date")
        if isinstance(held, str) and held:
            bind.execute(document.update().where(document.c.id == document_id)
                         .values(session_date=date.fromisoformat(held)))


def downgrade():
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_session_date"))
        batch_op.drop_column("session_date")

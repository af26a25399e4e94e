"""Contracts carry their review date as an indexed column, so "due for review" is one query

Revision ID: c4d5e6f7a8b9
Revises: b3e1c2d4f5a6
Create Date: 2026-12-01 07:10:00

"""
import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "c4d5e6f7a8b9"
down_revision = "b3e1c2d4f5a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document") as batch_op:
        batch_op.add_column(sa.Column("review_date", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_review_date"), ["review_date"], unique=False)
    bind = op.get_bind()
    document = sa.table("document", sa.column("id", sa.Integer), sa.column("current_version", sa.Integer),
                        sa.column("review_date", sa.Date))
    version = sa.table("document_version", sa.column("document_id", sa.Integer), sa.column("number", sa.Integer),
                       sa.column("fields", sa.JSON))
    rows = bind.execute(
        sa.select(document.c.id, version.c.fields).join(
            version, sa.and_(version.c.document_id == document.c.id, version.c.number == document.c.current_version)
        )
    ).all()
    for document_id, fields in rows:
        fields = fields if isinstance(fields, dict) else json.loads(fields or "{}")
        if fields.get("review_date"):
            bind.execute(document.update().where(document.c.id == document_id)
                         .values(review_date=date.fromisoformat(fields["review_date"])))


def downgrade():
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_review_date"))
        batch_op.drop_column("review_date")

"""Stored files can live in the database, in chunks, so several hosts share them without a shared disk

Revision ID: d5e6f7a8b9c0
Revises: c4d2e6f8a1b3
Create Date: 2026-12-01 07:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d5e6f7a8b9c0"
down_revision = "c4d2e6f8a1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "seq"),
    )


def downgrade():
    op.drop_table("stored_chunk")

"""Signature places found at preparation, and every sealed copy issued for a version

Revision ID: c4d2e6f8a9b1
Revises: 15c027e7aa20
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4d2e6f8a9b1"
down_revision = "15c027e7aa20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document_version") as batch_op:
        batch_op.add_column(sa.Column("places", sa.JSON(), nullable=True))
    op.create_table(
        "sealed_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stored_file.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["document_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sealed_copy") as batch_op:
        batch_op.create_index(batch_op.f("ix_sealed_copy_file_id"), ["file_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sealed_copy_version_id"), ["version_id"], unique=False)
    # Records sealed before this revision: their one sealed file is their first copy.
    op.execute(
        "INSERT INTO sealed_copy (version_id, file_id, created_at) "
        "SELECT id, sealed_file_id, COALESCE(sealed_at, created_at) FROM document_version "
        "WHERE sealed_file_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("sealed_copy") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sealed_copy_version_id"))
        batch_op.drop_index(batch_op.f("ix_sealed_copy_file_id"))
    op.drop_table("sealed_copy")
    with op.batch_alter_table("document_version") as batch_op:
        batch_op.drop_column("places")

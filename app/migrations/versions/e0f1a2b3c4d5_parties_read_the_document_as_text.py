"""Each version keeps its text as HTML; a change request says whether its reason may be shared

Revision ID: e0f1a2b3c4d5
Revises: f1a2b3c4d5e6
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "e0f1a2b3c4d5"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document_version") as batch_op:
        batch_op.add_column(sa.Column("text_file_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_document_version_text_file_id_stored_file", "stored_file",
                                    ["text_file_id"], ["id"])
    with op.batch_alter_table("answer") as batch_op:
        batch_op.add_column(sa.Column("reason_shared", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("answer") as batch_op:
        batch_op.drop_column("reason_shared")
    with op.batch_alter_table("document_version") as batch_op:
        batch_op.drop_constraint("fk_document_version_text_file_id_stored_file", type_="foreignkey")
        batch_op.drop_column("text_file_id")

"""Staff sessions carry a generation: signing out or deactivation ends every earlier session

Revision ID: c4d2e6f8a1b3
Revises: c4d5e6f7a8b9
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4d2e6f8a1b3"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("session_generation")

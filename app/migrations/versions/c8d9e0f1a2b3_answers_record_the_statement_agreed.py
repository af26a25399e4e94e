"""Each agreement records the statement the party agreed to, in the trust's words

Revision ID: c8d9e0f1a2b3
Revises: e0f1a2b3c4d5
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "c8d9e0f1a2b3"
down_revision = "e0f1a2b3c4d5"  # after the parties' text
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("statement")

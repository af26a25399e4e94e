"""Records governance: leaving dates, destruction batches and legal holds, erasable audit details

Revision ID: c7d2e9f1a3b4
Revises: c4d2e6f8a9b1
Create Date: 2026-12-08 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c7d2e9f1a3b4"
down_revision = "c4d2e6f8a9b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(sa.Column("left_on", sa.Date(), nullable=True))
    with op.batch_alter_table("document") as batch_op:
        batch_op.add_column(sa.Column("destroyed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("destruction_batch", sa.Integer(), nullable=True))
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("personal_commitment", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_personal",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=True),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.Column("erased_by_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "destruction_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["staff_user.id"]),
        sa.ForeignKeyConstraint(["trust_id"], ["trust.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_destruction_batch_trust_id", "destruction_batch", ["trust_id"])
    op.create_index("ix_destruction_batch_status", "destruction_batch", ["status"])
    op.create_table(
        "destruction_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("school", sa.String(length=200), nullable=False),
        sa.Column("anchor", sa.String(length=30), nullable=False),
        sa.Column("anchor_date", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["destruction_batch.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_destruction_item_batch_id", "destruction_item", ["batch_id"])
    op.create_index("ix_destruction_item_document_id", "destruction_item", ["document_id"])
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("person_email", sa.String(length=320), nullable=True),
        sa.Column("school", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_by", sa.String(length=320), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=320), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["trust_id"], ["trust.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_legal_hold_trust_id", "legal_hold", ["trust_id"])


def downgrade():
    op.drop_index("ix_legal_hold_trust_id", table_name="legal_hold")
    op.drop_table("legal_hold")
    op.drop_index("ix_destruction_item_document_id", table_name="destruction_item")
    op.drop_index("ix_destruction_item_batch_id", table_name="destruction_item")
    op.drop_table("destruction_item")
    op.drop_index("ix_destruction_batch_status", table_name="destruction_batch")
    op.drop_index("ix_destruction_batch_trust_id", table_name="destruction_batch")
    op.drop_table("destruction_batch")
    op.drop_table("audit_personal")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("personal_commitment")
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_column("destruction_batch")
        batch_op.drop_column("destroyed_at")
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("left_on")

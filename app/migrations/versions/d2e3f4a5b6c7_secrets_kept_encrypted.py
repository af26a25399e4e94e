"""Webhook signing secrets and OpenID client secrets kept encrypted under ENCRYPTION_KEY

Revision ID: d2e3f4a5b6c7
Revises: b7c8d9e0f1a2
Create Date: 2026-12-01 17:30:00

The columns become text (a Fernet token is longer than the secret) and every secret stored until now
is rewritten encrypted, under the key of the app running the migration. Downgrading decrypts them.
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.encrypted import decrypt, encrypt

revision = "d2e3f4a5b6c7"
down_revision = "b7c8d9e0f1a2"
branch_labels = None
depends_on = None

COLUMNS = (("webhook_endpoint", "secret", 100), ("trust_sso", "client_secret", 1000))


def _rewrite(change) -> None:
    connection = op.get_bind()
    for table, column, _length in COLUMNS:
        rows = connection.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()
        for row_id, value in rows:
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                               {"value": change(value), "id": row_id})


def upgrade():
    for table, column, length in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text(),
                                  existing_nullable=False)
    config = current_app.config
    _rewrite(lambda value: value if value.startswith("fernet:") else encrypt(value, config))


def downgrade():
    config = current_app.config
    _rewrite(lambda value: decrypt(value, config))
    for table, column, length in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length),
                                  existing_nullable=False)

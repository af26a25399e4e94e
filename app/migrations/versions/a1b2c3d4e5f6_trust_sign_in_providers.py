"""A trust's OpenID provider for staff sign-in, and the ID token nonces used

Revision ID: a1b2c3d4e5f6
Revises: a1b2c3d4e5f7
Create Date: 2026-12-01 07:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a1b2c3d4e5f6"
down_revision = "a1b2c3d4e5f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trust_sso',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=500), nullable=False),
    sa.Column('client_secret', sa.String(length=1000), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('email_domains', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trust_id')
    )
    op.create_table('sso_used_nonce',
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce_hash')
    )


def downgrade():
    op.drop_table('sso_used_nonce')
    op.drop_table('trust_sso')

"""A trust's Word forms kept with its data: numbered versions, which one each kind uses, and which each document version was made from

Revision ID: b7c8d9e0f1a2
Revises: c8d9e0f1a2b3
Create Date: 2026-12-01 10:00:00

Forms installed before this were written under document_templates/forms/<slug>/ and named in the
profile's [templates]; those keep working as the profile's bundled choice until a form is installed.
"""
import sqlalchemy as sa
from alembic import op

revision = "b7c8d9e0f1a2"
down_revision = "c8d9e0f1a2b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trust_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=320), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('installed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], ),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trust_id', 'kind', 'number')
    )
    with op.batch_alter_table('trust_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trust_form_trust_id'), ['trust_id'], unique=False)
    op.create_table('trust_form_in_use',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['trust_form.id'], ),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ),
    sa.PrimaryKeyConstraint('trust_id', 'kind')
    )
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('form_sha256', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key('fk_document_version_form', 'trust_form', ['form_id'], ['id'])


def downgrade():
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_constraint('fk_document_version_form', type_='foreignkey')
        batch_op.drop_column('form_sha256')
        batch_op.drop_column('form_id')
    op.drop_table('trust_form_in_use')
    with op.batch_alter_table('trust_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trust_form_trust_id'))
    op.drop_table('trust_form')

"""Schools of a trust (with their own defaults) and which staff belong to which schools

Revision ID: a1b2c3d4e5f7
Revises: f7a8b9c0d1e2
Create Date: 2026-12-01 08:30:00

Each school a member of staff was given as text becomes a school of their trust, and they belong
to it, so leads keep seeing the same documents.
"""
import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f7"
down_revision = "f7a8b9c0d1e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trust_id', 'name')
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_trust_id'), ['trust_id'], unique=False)
    op.create_table('user_school',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'school_id')
    )
    with op.batch_alter_table('user_school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_school_school_id'), ['school_id'], unique=False)

    bind = op.get_bind()
    users = sa.table("staff_user", sa.column("id"), sa.column("trust_id"), sa.column("school"))
    schools = sa.table("school", sa.column("id"), sa.column("trust_id"), sa.column("name"), sa.column("active"),
                       sa.column("overrides", sa.JSON()), sa.column("created_at"))
    links = sa.table("user_school", sa.column("user_id"), sa.column("school_id"))
    made: dict[tuple[int, str], int] = {}
    rows = bind.execute(sa.select(users.c.id, users.c.trust_id, users.c.school).where(users.c.school.is_not(None)))
    for user_id, trust_id, name in list(rows):
        name = " ".join(name.split())
        if not name:
            continue
        if (trust_id, name) not in made:
            bind.execute(schools.insert().values(trust_id=trust_id, name=name, active=True, overrides={},
                                                 created_at=sa.func.current_timestamp()))
            made[(trust_id, name)] = bind.execute(
                sa.select(schools.c.id).where(schools.c.trust_id == trust_id, schools.c.name == name)).scalar_one()
        bind.execute(links.insert().values(user_id=user_id, school_id=made[(trust_id, name)]))


def downgrade():
    with op.batch_alter_table('user_school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_school_school_id'))
    op.drop_table('user_school')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_trust_id'))
    op.drop_table('school')

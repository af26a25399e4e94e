"""Emails say what they link to (kind and id), so mail depends on no other package's table

Revision ID: b3e1c2d4f5a6
Revises: a6c0f24d1661
Create Date: 2026-12-01 08:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = "b3e1c2d4f5a6"
down_revision = "a6c0f24d1661"
branch_labels = None
depends_on = None

# The initial schema left this foreign key unnamed; on SQLite batch mode can only drop it by a name
# given here. PostgreSQL named it itself.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _fk_name(bind) -> str:
    if bind.dialect.name == "sqlite":
        return "fk_outbound_email_link_id_link"
    for fk in sa.inspect(bind).get_foreign_keys("outbound_email"):
        if fk["constrained_columns"] == ["link_id"]:
            return fk["name"]
    raise RuntimeError("outbound_email.link_id has no foreign key to drop")


def upgrade():
    bind = op.get_bind()
    name = _fk_name(bind)
    with op.batch_alter_table("outbound_email", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("link_kind", sa.String(length=20), nullable=True))
        batch_op.drop_constraint(name, type_="foreignkey")
    emails = sa.table("outbound_email", sa.column("id", sa.Integer), sa.column("link_id", sa.Integer),
                      sa.column("link_kind", sa.String), sa.column("context", sa.JSON))
    bind.execute(emails.update().where(emails.c.link_id.is_not(None)).values(link_kind="document_link"))
    # Sign-in emails kept their link's id in the template context; it moves to the columns.
    for row in bind.execute(sa.select(emails.c.id, emails.c.context).where(emails.c.link_id.is_(None))).all():
        context = row.context if isinstance(row.context, dict) else json.loads(row.context or "{}")
        if "sign_in_link" in context:
            link_id = context.pop("sign_in_link")
            bind.execute(emails.update().where(emails.c.id == row.id)
                         .values(link_kind="sign_in", link_id=link_id, context=context))


def downgrade():
    bind = op.get_bind()
    emails = sa.table("outbound_email", sa.column("id", sa.Integer), sa.column("link_id", sa.Integer),
                      sa.column("link_kind", sa.String), sa.column("context", sa.JSON))
    for row in bind.execute(sa.select(emails.c.id, emails.c.link_id, emails.c.context)
                            .where(emails.c.link_kind == "sign_in")).all():
        context = row.context if isinstance(row.context, dict) else json.loads(row.context or "{}")
        context["sign_in_link"] = row.link_id
        bind.execute(emails.update().where(emails.c.id == row.id).values(link_id=None, context=context))
    with op.batch_alter_table("outbound_email", naming_convention=NAMING) as batch_op:
        batch_op.create_foreign_key("fk_outbound_email_link_id_link", "link", ["link_id"], ["id"])
        batch_op.drop_column("link_kind")

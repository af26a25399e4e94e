"""`flask demo`: the bundled trusts, demo staff and a demo contract, for `make run`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from .documents.create import create_document
from .documents.models import Document
from .documents.people import Person
from .extensions import db
from .staff.auth import request_sign_in
from .staff.cli import create_user
from .staff.models import User
from .trusts.cli import trusts_load

PEOPLE = [
    ("admin@heart-of-mercia.example.org", "Morgan Admin", "admin", None),
    ("lead@oakfield.example.org", "Lee Lead", "lead", "Oakfield Primary School"),
    ("alex.morgan@example.org", "Alex Morgan", "staff", "Oakfield Primary School"),
    ("sam.obrien@example.org", "Sam O'Brien", "staff", "Oakfield Primary School"),
]


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the bundled trusts, demo staff and a demo contract; print the admin's sign-in link."""
    trusts_load.callback()  # type: ignore[misc]
    for email, name, role, school in PEOPLE:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(email, name=name, role=role, trust_slug="heart-of-mercia", school=school)
            click.echo(f"demo {role}: {name} <{email}>")
    if db.session.scalar(select(Document.id).limit(1)) is None:
        document = create_document(
            trust_slug="heart-of-mercia",
            kind_name="contract",
            supervisor=Person("Alex Morgan", "alex.morgan@example.org"),
            supervisees=[Person("Sam O'Brien", "sam.obrien@example.org")],
            fields={"school": "Oakfield Primary School"},
        )
        click.echo(f"demo contract {document.reference} sent; its links are printed above")
    request_sign_in("admin@heart-of-mercia.example.org", ip=None, user_agent="flask demo")
    click.echo("sign in as the trust admin with the link printed above")


def init_app(app: Flask) -> None:
    """Attach `flask demo`."""
    app.cli.add_command(demo)

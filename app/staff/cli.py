"""`flask users create|deactivate|leave`: add staff to a trust, stop them signing in, record the day they left."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..documents.people import email_address, person_name
from ..extensions import db
from ..inputs import clean_line
from ..trusts.models import Trust
from .auth import bump_session_generation
from .models import Role, User

users_cli = AppGroup("users", help="Staff who sign in.")


def create_user(email: str, *, name: str, role: str, trust_slug: str, school: str | None) -> User:
    """Add a person to a trust; raise ValueError with a clear message for bad input."""
    # The same rules as a party's name and address on the create form and the document commands.
    email = email_address(email)
    name = person_name(name)
    school = clean_line(school or "", "school") or None
    if role not in {r.value for r in Role}:
        raise ValueError(f"role must be one of {', '.join(r.value for r in Role)}")
    if role == Role.LEAD and not school:
        raise ValueError("a safeguarding lead needs --school")
    trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
    if trust is None:
        raise ValueError(f"no trust {trust_slug!r} is installed")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValueError(f"{email} already has an account")
    with transaction():
        user = User(email=email, name=name, role=role, trust=trust, school=school)
        db.session.add(user)
    return user


def deactivate_user(email: str, *, actor: str) -> User:
    """Stop a person signing in and end their sessions now; raise ValueError if there is no such account."""
    address = email.strip().lower()
    with transaction():
        user = db.session.scalar(select(User).where(func.lower(User.email) == address).with_for_update())
        if user is None:
            raise ValueError(f"{address} has no account")
        was_active = user.active
        user.active = False
        db.session.flush()
        bump_session_generation(user)  # also if already inactive: reactivation must not revive old sessions
        audit.record(EventType.USER_DEACTIVATED, actor=actor, details={"user": user.id, "was_active": was_active})
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--trust", "trust_slug", required=True)
@click.option("--school", default=None)
def users_create(email: str, name: str, role: str, trust_slug: str, school: str | None) -> None:
    """Add a member of staff who can sign in."""
    try:
        user = create_user(email, name=name, role=role, trust_slug=trust_slug, school=school)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.name} <{user.email}> in {trust_slug}")



@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop a member of staff signing in, and sign them out everywhere now."""
    try:
        user = deactivate_user(email, actor="command line")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"deactivated {user.name} <{user.email}>; their sessions have ended")


def record_leaving(email: str, *, on: date | None, actor: str, trust_id: int | None = None) -> User:
    """Record the day a member of staff left (None: they have not), for the trust's retention rules."""
    with transaction():
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()).with_for_update())
        if user is None or (trust_id is not None and user.trust_id != trust_id):
            raise ValueError(f"no member of staff {email.strip().lower()}")
        user.left_on = on
        audit.record(EventType.STAFF_LEFT, actor=actor,
                     details={"user": user.id, "left_on": on.isoformat() if on else None})
    return user


@users_cli.command("leave")
@click.argument("email")
@click.option("--on", "on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="The day they left.")
def users_leave(email: str, on: object) -> None:
    """Record the day a member of staff left the trust."""
    assert hasattr(on, "date")
    try:
        user = record_leaving(email, on=on.date(), actor="command line")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{user.name} <{user.email}> left on {user.left_on:%d %B %Y}")

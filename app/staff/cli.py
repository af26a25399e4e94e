"""`flask users create|deactivate|leave`: add staff to a trust, stop them signing in, record the day they left."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..extensions import db
from ..kinds import FieldError
from .models import Role, User
from .people import create_user, deactivate_user

__all__ = ["create_user", "deactivate_user", "record_leaving", "users_cli"]

users_cli = AppGroup("users", help="Staff who sign in.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--trust", "trust_slug", required=True)
@click.option("--school", "schools", multiple=True, help="A school they belong to (repeat for several); added if new.")
def users_create(email: str, name: str, role: str, trust_slug: str, schools: tuple[str, ...]) -> None:
    """Add a member of staff who can sign in."""
    try:
        user = create_user(email, name=name, role=role, trust_slug=trust_slug, school=list(schools))
    except FieldError as exc:
        raise click.ClickException("; ".join(p.partition(": ")[2] if p.startswith(("schools:", "role:"))
                                             else p for p in exc.problems)) from None
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

"""`flask api-keys create/revoke/list`: the trust's API keys from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..trusts.models import Trust
from .keys import KeyProblem, create_key, keys_of, revoke_key
from .models import Scope

api_keys_cli = AppGroup("api-keys", help="Keys a trust's systems call the API with.")
CLI_ACTOR = "command line"


@api_keys_cli.command("create")
@click.option("--trust", "slug", required=True, help="The trust's slug")
@click.option("--name", required=True, help="What the key is for, e.g. 'MIS sync'")
@click.option("--scope", "scopes", multiple=True, type=click.Choice([s.value for s in Scope]),
              default=[Scope.READ.value], show_default=True, help="Repeat for both")
def create(slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Make a key; the key itself is printed once, on the last line, and cannot be shown again."""
    try:
        key, secret = create_key(slug, name, list(scopes), actor=CLI_ACTOR)
    except KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"key {key.prefix} ({key.name}, {' '.join(key.scopes)}) for {slug}; keep it now, it is not stored:")
    click.echo(secret)


@api_keys_cli.command("revoke")
@click.argument("key")
def revoke(key: str) -> None:
    """Stop a key (by its id or prefix, e.g. cs_1a2b3c4d) working at once."""
    try:
        revoked = revoke_key(None, key, actor=CLI_ACTOR)
    except KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {revoked.prefix} ({revoked.name})")


@api_keys_cli.command("list")
@click.option("--trust", "slug", required=True)
def list_keys(slug: str) -> None:
    """List a trust's keys (never the keys themselves)."""
    trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
    if trust is None:
        raise click.ClickException(f"no trust {slug!r} is installed")
    for key in keys_of(trust.id):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
        click.echo(f"{key.id}\t{key.prefix}\t{key.name}\t{','.join(key.scopes)}\t{state}")

"""`flask webhooks add/list/remove/enable/deliveries`: a trust's webhook endpoints from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..trusts.models import Trust
from .endpoints import (
    EVENT_NAMES,
    EndpointProblem,
    add_endpoint,
    deliveries_of,
    enable_endpoint,
    endpoints_of,
    remove_endpoint,
)

webhooks_cli = AppGroup("webhooks", help="Endpoints a trust's systems receive events at.")
CLI_ACTOR = "command line"


@webhooks_cli.command("add")
@click.option("--trust", "slug", required=True, help="The trust's slug")
@click.option("--events", "events", multiple=True,
              help=f"Events to send, repeated or comma-separated (all when left out): {', '.join(EVENT_NAMES)}")
@click.argument("url")
def add(slug: str, events: tuple[str, ...], url: str) -> None:
    """Register an endpoint; its signing secret is printed on the last line."""
    chosen = [e for given in events for e in given.split(",")]
    try:
        endpoint, secret = add_endpoint(slug, url, chosen, actor=CLI_ACTOR)
    except EndpointProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"endpoint {endpoint.id} for {slug}: {endpoint.url} ({', '.join(endpoint.events)}); signing secret:")
    click.echo(secret)


@webhooks_cli.command("list")
@click.option("--trust", "slug", required=True)
def list_endpoints(slug: str) -> None:
    """List a trust's endpoints."""
    trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
    if trust is None:
        raise click.ClickException(f"no trust {slug!r} is installed")
    for endpoint in endpoints_of(trust.id):
        click.echo(f"{endpoint.id}\t{endpoint.state}\t{endpoint.url}\t{','.join(endpoint.events)}")


@webhooks_cli.command("remove")
@click.argument("endpoint_id", type=int)
def remove(endpoint_id: int) -> None:
    """Stop sending to an endpoint (its delivery log is kept)."""
    try:
        remove_endpoint(None, endpoint_id, actor=CLI_ACTOR)
    except EndpointProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed endpoint {endpoint_id}")


@webhooks_cli.command("enable")
@click.argument("endpoint_id", type=int)
def enable(endpoint_id: int) -> None:
    """Start a disabled endpoint again and send the events held for it."""
    try:
        held = enable_endpoint(None, endpoint_id, actor=CLI_ACTOR)
    except EndpointProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"enabled endpoint {endpoint_id}; {held} held events queued")


@webhooks_cli.command("deliveries")
@click.argument("endpoint_id", type=int)
def deliveries(endpoint_id: int) -> None:
    """Show an endpoint's delivery log, newest first."""
    for d in deliveries_of(endpoint_id):
        click.echo(f"{d.id}\t{d.created_at:%Y-%m-%d %H:%M:%S}\t{d.event_type}\t{d.state}\t"
                   f"attempts {d.attempts}\t{d.response_code or '-'}\t{d.last_error or ''}")

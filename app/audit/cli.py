"""`flask audit verify` and `flask audit checkpoint`: check the log, certify its head."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import transaction
from .checkpoints import HeadMismatch, checkpoint
from .tally import tallies
from .verify import verify

audit_cli = AppGroup("audit", help="Check the audit log.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain against itself and every checkpoint; name each problem."""
    result = verify()
    if result.problems:
        raise click.ClickException("\n".join(result.problems))
    click.echo(f"audit log intact: {result.rows} rows, {result.checkpoints} checkpoints agree")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Certify the chain's current head with an HMAC under AUDIT_CHECKPOINT_KEY."""
    try:
        with transaction():
            point = checkpoint()
    except HeadMismatch as exc:
        raise click.ClickException(f"no checkpoint written: {exc}; run `flask audit verify`") from None
    if point is None:
        click.echo("the audit log is empty: nothing to certify")
        return
    click.echo(f"checkpoint: row {point.seq}, head {point.head_hash}, at {point.created_at.isoformat()}")


@audit_cli.command("noise")
@click.option("--limit", default=50, show_default=True, help="rows to show")
def audit_noise(limit: int) -> None:
    """List the tally of anonymous noise: made-up links and unknown uploads, per client and hour."""
    rows = tallies(limit=limit)
    if not rows:
        click.echo("no anonymous noise counted")
    for row in rows:
        click.echo(f"{row.hour:%Y-%m-%d %H:00}  {row.ip:<40} {row.reason:<15} {row.count}")

"""`flask audit verify` and `flask audit checkpoint`: check the log, certify its head."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import snapshot, transaction
from .checkpoints import HeadMismatch, check_checkpoints, checkpoint
from .log import verify_chain
from .tally import tallies

audit_cli = AppGroup("audit", help="Check the audit log.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain against itself and every checkpoint; name each problem."""
    with snapshot():  # rows, head and checkpoints as of one moment, while the app goes on appending
        checked, broken = verify_chain()
        points, problems = check_checkpoints()
    found = [problem.problem for problem in problems]
    if broken is not None:
        where = f"row {broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
        found.insert(0, f"audit log broken at {where}: {broken.problem}; {checked} rows before it are intact")
    if found:
        raise click.ClickException("\n".join(found))
    click.echo(f"audit log intact: {checked} rows, {points} checkpoints agree")


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

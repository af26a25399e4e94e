"""`flask seal renew-timestamps`: keep sealed records' timestamps from lapsing (also a daily beat job).

The command joins the `flask seal` group that app.verification attaches.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .renew import renew_timestamps


@click.command("renew-timestamps")
@with_appcontext
@click.option("--within-days", type=int, default=None,
              help="Renew when the last timestamp's authority certificate expires within this many days "
                   "(default COUNTERSIGN_TIMESTAMP_RENEW_DAYS).")
def renew_timestamps_command(within_days: int | None) -> None:
    """Add a fresh document timestamp to sealed records whose last one is about to lapse."""
    days = within_days if within_days is not None else int(current_app.config["TIMESTAMP_RENEW_DAYS"])
    results = renew_timestamps(days)
    for result in results:
        expires = f"{result.expires:%Y-%m-%d}" if result.expires else "no timestamp"
        click.echo(f"{result.reference}  {result.outcome:8}  last timestamp expires {expires}  {result.detail}".rstrip())
    renewed = sum(r.outcome == "renewed" for r in results)
    failed = sum(r.outcome == "failed" for r in results)
    click.echo(f"{renewed} renewed, {failed} failed, {len(results) - renewed - failed} not due")
    if failed:
        raise SystemExit(1)

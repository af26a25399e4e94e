"""`flask audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .log import verify_chain

audit_cli = AppGroup("audit", help="Check the audit log.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain and name the first broken row."""
    checked, broken = verify_chain()
    if broken is not None:
        where = f"row {broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
        raise click.ClickException(f"audit log broken at {where}: {broken.problem}; {checked} rows before it are intact")
    click.echo(f"audit log intact: {checked} rows")

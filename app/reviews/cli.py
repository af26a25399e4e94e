"""`flask reviews due|reissue` and `flask reminders send`."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import utcnow
from ..documents.models import Document
from ..documents.records import DocumentNotFound, NotAllowed, get_document
from ..documents.states import InvalidTransition
from ..extensions import db
from ..kinds import FieldError
from ..trusts.models import Trust
from .bulk import Outcome, reissue_many
from .due import contracts_due, review_date
from .reissue import reissue, reissue_changes
from .reminders import send_reminders

reviews_cli = AppGroup("reviews", help="Annual review of contracts.")
reminders_cli = AppGroup("reminders", help="Chase personal links that are not answered yet.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _trust_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    trust_id = db.session.scalar(select(Trust.id).where(Trust.slug == slug))
    if trust_id is None:
        _fail(f"no trust {slug!r} is installed")
    return trust_id


def _parties(document: Document) -> str:
    return ", ".join(f"{p.name} ({p.role})" for p in document.parties)


def _when(due: date, today: date) -> str:
    days = (due - today).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'s' if days != 1 else ''}"


def _short(value: Any) -> str:
    text = " ".join(str(value).split())
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _echo_changes(document_id: int) -> None:
    for name, old, new in reissue_changes(document_id):
        click.echo(f"    {name}: {_short(old)} -> {_short(new)}")


@reviews_cli.command("due")
@click.option("--within", "within_days", type=click.IntRange(min=0), default=60, show_default=True,
              help="Days ahead to look.")
@click.option("--trust", "trust_slug", default=None, help="Only this trust's contracts.")
def reviews_due(within_days: int, trust_slug: str | None) -> None:
    """List sealed contracts due for their annual review, oldest review date first."""
    today = date.today()
    due = contracts_due(_trust_id(trust_slug), within_days, today)
    for document in due:
        when = review_date(document)
        assert when is not None
        click.echo(
            f"{document.id:>6}  {document.reference}  {document.trust.slug:<16} {_parties(document)}  "
            f"review {when.isoformat()}  {_when(when, today)}"
        )
    if not due:
        click.echo(f"no contracts due for review within {within_days} days")


@reviews_cli.command("reissue")
@click.argument("document_id", type=int, required=False)
@click.option("--all-due", is_flag=True, help="Reissue every contract due for review.")
@click.option("--within", "within_days", type=click.IntRange(min=0), default=60, show_default=True,
              help="With --all-due: days ahead to look.")
@click.option("--trust", "trust_slug", default=None, help="With --all-due: only this trust's contracts.")
def reviews_reissue(document_id: int | None, all_due: bool, within_days: int, trust_slug: str | None) -> None:
    """Reissue a contract (or every one due) pre-filled from the last, and send it to be agreed."""
    if all_due == (document_id is not None):
        _fail("give a contract's ID or --all-due (not both)")
    if document_id is not None:
        try:
            new = reissue(document_id, actor="command line")
        except DocumentNotFound:
            _fail(f"no document {document_id}")
        except (FieldError, NotAllowed, InvalidTransition) as exc:
            _fail(f"not reissued: {exc}")
        if new is None:
            _fail(f"not reissued: document {document_id} has already been reissued")
        click.echo(f"{get_document(document_id).reference} reissued as {new.reference}; changes:")
        _echo_changes(new.id)
        click.echo(new.id)
        return

    due = [d.id for d in contracts_due(_trust_id(trust_slug), within_days, date.today(), include_reissued=True)]
    # As many at once as there are conversion processes; the bar moves as each one finishes.
    with click.progressbar(length=len(due), label="Reissuing contracts") as bar:
        results = reissue_many(due, actor="command line", progress=lambda _result: bar.update(1))
    reissued = [(r.document_id, r.new_id) for r in results if r.outcome is Outcome.REISSUED and r.new_id]
    skipped = [r.document_id for r in results if r.outcome is Outcome.SKIPPED]
    failed = [(r.document_id, r.reason) for r in results if r.outcome is Outcome.FAILED]
    for old_id, new_id in reissued:
        click.echo(f"{get_document(old_id).reference} reissued as {get_document(new_id).reference}; changes:")
        _echo_changes(new_id)
    for old_id, reason in failed:
        click.echo(f"{get_document(old_id).reference} failed: {reason}", err=True)
    click.echo(f"reissued {len(reissued)}, skipped {len(skipped)} already reissued, failed {len(failed)}")
    if failed:
        raise click.exceptions.Exit(1)


@reminders_cli.command("send")
def reminders_send() -> None:
    """Send the reminders and expiry notices now due (for cron; twice in a row sends nothing new)."""
    counts = send_reminders(utcnow())
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


def init_app(app: Flask) -> None:
    """Attach the review and reminder commands."""
    app.cli.add_command(reviews_cli)
    app.cli.add_command(reminders_cli)

"""`flask retention`, `flask holds` and `flask records`: the same operations as the records pages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..documents.models import Document
from ..extensions import db
from ..staff.models import User
from ..trusts.models import Trust
from .audit_report import audit_report, report_pdf
from .destruction import approve
from .export import ExportProblem, subject_access_zip
from .holds import HoldProblem, all_holds, place_hold, release_hold
from .log import destruction_log
from .retention import RetentionProblem, review

retention_cli = AppGroup("retention", help="Review records past retention, approve destroying them, the log.")
holds_cli = AppGroup("holds", help="Legal holds: nothing held is destroyed.")
records_cli = AppGroup("records", help="Subject access exports and the trust's audit report.")
DAY = click.DateTime(formats=["%Y-%m-%d"])


def _trust(slug: str) -> Trust:
    trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
    if trust is None:
        raise click.ClickException(f"no trust {slug!r} is installed")
    return trust


def _admin(email: str, trust: Trust) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.trust_id != trust.id or not user.is_admin:
        raise click.ClickException(f"{email} is not an admin of {trust.slug}")
    return user


@retention_cli.command("review")
@click.option("--trust", "slug", required=True)
@click.option("--as-of", "as_of", type=DAY, default=None, help="List what will have passed retention by then.")
@click.option("--by", "by", default=None, help="The admin drawing the batch up (another admin then approves).")
def retention_review(slug: str, as_of: datetime | None, by: str | None) -> None:
    """Batch every record past its retention period for approval."""
    trust = _trust(slug)
    user = _admin(by, trust) if by else None
    batch = review(trust, as_of=as_of.date() if as_of else date.today(),
                   actor=user.label if user else "command line", user_id=user.id if user else None)
    if batch is None:
        click.echo("nothing has passed retention")
        return
    for item in batch.items:
        click.echo(f"  {item.reference}  {item.kind:<17} {item.school or '-':<30} {item.anchor} "
                   f"{item.anchor_date} -> due {item.due_on}")
    click.echo(f"batch {batch.id} ({batch.reference}): {len(batch.items)} records awaiting approval")


@retention_cli.command("approve")
@click.argument("batch_id", type=int)
@click.option("--by", "by", required=True, help="The approving admin's email.")
@click.option("--yes", is_flag=True, help="Confirm without being asked.")
def retention_approve(batch_id: int, by: str, yes: bool) -> None:
    """Destroy every record of a batch (those under legal hold are taken out first)."""
    confirmed = yes or click.confirm(f"Destroy every record in batch {batch_id}? This cannot be undone")
    try:
        batch = approve(batch_id, approver_email=by, confirmed=confirmed)
    except RetentionProblem as exc:
        raise click.ClickException(str(exc)) from None
    for item in batch.items:
        outcome = "destroyed" if item.destroyed_at else f"kept: {item.removed_reason}"
        click.echo(f"  {item.reference}  {outcome}")
    click.echo(f"batch {batch.reference} approved by {batch.approved_by}: {len(batch.live_items)} records destroyed")


@retention_cli.command("log")
@click.option("--trust", "slug", default=None)
def retention_log(slug: str | None) -> None:
    """List every destroyed record with its batch, approver, time and hashes."""
    for item in destruction_log(_trust(slug).id if slug else None):
        assert item.destroyed_at is not None
        click.echo(f"{item.reference}  {item.kind}  batch {item.batch.reference}  approved by {item.batch.approved_by}  "
                   f"{item.destroyed_at:%Y-%m-%d %H:%M:%S} UTC")
        for entry in item.hashes:
            version = f"v{entry['version']} " if entry.get("version") else ""
            click.echo(f"    {version}{entry['file']}: sha256 {entry['sha256']}")


@holds_cli.command("place")
@click.option("--trust", "slug", default=None, help="Needed with --person or --school when several trusts are installed.")
@click.option("--document", "document_id", type=int, default=None)
@click.option("--person", default=None, help="Everything naming this email address.")
@click.option("--school", default=None, help="Every record of this school.")
@click.option("--reason", required=True)
def holds_place(slug: str | None, document_id: int | None, person: str | None, school: str | None, reason: str) -> None:
    """Place a legal hold on a document, a person or a school."""
    trust = _hold_trust(slug, document_id)
    try:
        hold = place_hold(trust, document_id=document_id, person=person, school=school, reason=reason,
                          actor="command line")
    except HoldProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"hold {hold.id} placed on {hold.covers} ({trust.slug})")


def _hold_trust(slug: str | None, document_id: int | None) -> Trust:
    if slug:
        return _trust(slug)
    if document_id is not None:
        document = db.session.get(Document, document_id)
        if document is None:
            raise click.ClickException(f"no document {document_id}")
        return document.trust
    trusts = list(db.session.scalars(select(Trust)))
    if len(trusts) == 1:
        return trusts[0]
    raise click.ClickException("name the trust with --trust SLUG")


@holds_cli.command("list")
@click.option("--trust", "slug", default=None)
@click.option("--all", "show_all", is_flag=True, help="Released holds too.")
def holds_list(slug: str | None, show_all: bool) -> None:
    """List standing legal holds (with --all, released ones too)."""
    trusts = [_trust(slug)] if slug else list(db.session.scalars(select(Trust).order_by(Trust.slug)))
    for trust in trusts:
        for hold in all_holds(trust.id):
            if hold.released_at is not None and not show_all:
                continue
            state = (f"released {hold.released_at:%Y-%m-%d} by {hold.released_by}: {hold.release_reason}"
                     if hold.released_at else "standing")
            click.echo(f"{hold.id:>5}  {trust.slug:<16} {hold.covers}  placed {hold.placed_at:%Y-%m-%d} by "
                       f"{hold.placed_by}: {hold.reason}  [{state}]")


@holds_cli.command("release")
@click.argument("hold_id", type=int)
@click.option("--reason", required=True)
def holds_release(hold_id: int, reason: str) -> None:
    """Release a legal hold, saying why."""
    try:
        hold = release_hold(hold_id, reason=reason, actor="command line")
    except HoldProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"hold {hold.id} on {hold.covers} released")


@records_cli.command("export")
@click.option("--person", required=True, help="The person's email address.")
@click.option("--trust", "slug", required=True)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def records_export(person: str, slug: str, file: Path) -> None:
    """Write one zip of everything the trust holds about a person (a subject access request)."""
    try:
        export = subject_access_zip(_trust(slug), person, actor="command line")
    except ExportProblem as exc:
        raise click.ClickException(str(exc)) from None
    file.write_bytes(export.data)
    click.echo(f"wrote {file}: {export.documents} documents, {export.events} audit events, "
               f"{len(export.others)} documents also naming others")


@records_cli.command("audit-report")
@click.option("--trust", "slug", required=True)
@click.option("--year", type=int, required=True)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def records_audit_report(slug: str, year: int, file: Path) -> None:
    """Write the PDF of the trust's audit report for a year (for the trust board)."""
    report = audit_report(_trust(slug), year)
    file.write_bytes(report_pdf(report))
    click.echo(f"wrote {file}: {report.answered_count} answered, {len(report.unanswered)} not answered")

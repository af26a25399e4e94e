"""`flask contract|agenda|record|proforma create`, `flask questionnaire send`, `flask documents …`, `flask actions …`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..inputs import InputInvalid, clean_line, tree_problems
from ..jobs import is_eager, wait_for_jobs
from ..kinds import FieldError
from ..trusts.models import Trust
from .actions import Action, ActionNotFound, mark_done
from .create import create_document
from .download import destroyed_notice, download
from .links import resend_link
from .models import Document
from .people import MAX_NAME, parse_person
from .queries import party_statuses, successor_of, timeline
from .records import DocumentNotFound, NotAllowed, get_document
from .revise import cancel, revise
from .states import InvalidTransition, State

contract_cli = AppGroup("contract", help="Create supervision contracts.")
agenda_cli = AppGroup("agenda", help="Create session agendas.")
record_cli = AppGroup("record", help="Create supervision records.")
proforma_cli = AppGroup("proforma", help="Create individual case proformas.")
questionnaire_cli = AppGroup("questionnaire", help="Send the trust's yearly audit questionnaire.")
documents_cli = AppGroup("documents", help="Inspect and act on documents.")
actions_cli = AppGroup("actions", help="Agreed actions.")
GROUPS = (contract_cli, agenda_cli, record_cli, proforma_cli, questionnaire_cli, documents_cli, actions_cli)


def fail(message: str) -> None:
    """Stop the command with a clear message and a non-zero exit."""
    raise click.ClickException(message)


def fields_from_options(pairs: tuple[str, ...], data_file: Path | None) -> dict[str, Any]:
    """Return the fields given by --data FILE.json and --set FIELD=VALUE (which wins)."""
    fields: dict[str, Any] = {}
    if data_file is not None:
        try:
            loaded = json.loads(data_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{data_file}: not readable JSON ({exc})")
        if not isinstance(loaded, dict):
            fail(f"{data_file}: must be a JSON object of field names to values")
        # Each field's own rule (one line or long text) is checked when the fields are resolved.
        problems = tree_problems(loaded, "")
        if problems:
            fail("\n".join([f"{data_file}: some text cannot be accepted:", *(f"  - {p}" for p in problems)]))
        fields.update(loaded)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"--set {pair!r}: use FIELD=VALUE")
        problems = tree_problems({name.strip(): value}, "")
        if problems:
            fail(f"--set {problems[0]}")
        fields[name.strip()] = value
    return fields


def _party_options(func: Any) -> Any:
    """Add the options every create command shares."""
    options = [
        click.option("--trust", "trust_slug", required=True, help="Trust slug, e.g. heart-of-mercia."),
        click.option("--supervisor", default=None, help='"Full Name <email>"'),
        click.option("--supervisee", "supervisees", multiple=True, help='"Full Name <email>" (repeat for a group)'),
        click.option("--author", default=None, help='"Full Name <email>" (default: the supervisor)'),
        click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="Set a field or override a term."),
        click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="JSON object of fields (lists such as actions and cases go here)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _create(kind_name: str, trust_slug: str, supervisor: str | None, supervisees: tuple[str, ...],
            author: str | None, pairs: tuple[str, ...], data_file: Path | None) -> None:
    """Create a document of a kind from the command line and print its id last."""
    try:
        document = create_document(
            trust_slug=trust_slug,
            kind_name=kind_name,
            supervisor=parse_person(supervisor, "--supervisor") if supervisor else None,
            supervisees=[parse_person(p, "--supervisee") for p in supervisees],
            fields=fields_from_options(pairs, data_file),
            author=parse_person(author, "--author") if author else None,
        )
    except FieldError as exc:
        fail("\n".join([f"the {kind_name} was not created:", *(f"  - {p}" for p in exc.problems)]))
        raise
    _warn_if_stuck(document.id)
    click.echo(document.id)


@contract_cli.command("create")
@click.option("--kind", "variant", type=click.Choice(["one-to-one", "group", "clinical"]), default="one-to-one")
@_party_options
def contract_create(variant: str, **options: Any) -> None:
    """Create a supervision contract and send every party a personal link; print its id."""
    _create({"one-to-one": "contract", "group": "group-contract", "clinical": "clinical-contract"}[variant], **options)


@agenda_cli.command("create")
@_party_options
def agenda_create(**options: Any) -> None:
    """Create a session agenda and email it to everyone taking part as a PDF; print its id."""
    _create("agenda", **options)


@record_cli.command("create")
@_party_options
def record_create(**options: Any) -> None:
    """Create a supervision record and send it to everyone to agree as accurate; print its id."""
    _create("record", **options)


@proforma_cli.command("create")
@_party_options
def proforma_create(**options: Any) -> None:
    """Create an individual case proforma and send it to both parties to agree; print its id."""
    _create("case-proforma", **options)


@questionnaire_cli.command("send")
@_party_options
def questionnaire_send(**options: Any) -> None:
    """Send a supervisee the trust's audit to answer online; print its id."""
    _create("audit", **options)


def _warn_if_stuck(document_id: int) -> None:
    """In eager mode a failed preparation leaves the document waiting: say so."""
    wait_for_jobs()
    db.session.expire_all()
    document = get_document(document_id)
    if is_eager() and document.state is State.PREPARING:
        click.echo(
            f"warning: {document.reference} is saved but could not be prepared yet; "
            "see the log above, then run `flask jobs sweep`",
            err=True,
        )


def _document(document_id: int) -> Document:
    try:
        return get_document(document_id)
    except DocumentNotFound:
        fail(f"no document {document_id}")
        raise  # unreachable: fail raises


@documents_cli.command("show")
@click.argument("document_id", type=int)
def documents_show(document_id: int) -> None:
    """Print a document's state, versions, parties and events."""
    document = _document(document_id)
    click.echo(f"{document.reference}  {document.title}")
    click.echo(f"trust: {document.trust.slug}  kind: {document.kind}  state: {document.state}")
    click.echo(f"author: {document.author_name} <{document.author_email}>")
    if document.previous_document_id:
        click.echo(f"replaces: CS-{document.previous_document_id:06d}")
    if (successor := successor_of(document)) is not None:
        click.echo(f"replaced by: {successor.reference} ({successor.state})")
    click.echo("versions:")
    for version in document.versions:
        marks = []
        if version.form is not None:
            marks.append(f"form: version {version.form.number} ({version.form.filename})")
        elif version.form_sha256:
            marks.append(f"form: bundled, sha256 {version.form_sha256}")
        if version.pdf_file:
            marks.append(f"pdf sha256 {version.pdf_file.sha256}")
        if version.sealed_file and version.sealed_at:
            marks.append(f"sealed {version.sealed_at:%Y-%m-%d %H:%M:%S} UTC sha256 {version.sealed_file.sha256}")
        if version.superseded_at:
            marks.append("superseded")
        click.echo(f"  v{version.number}  {version.note or ''}  {'; '.join(marks)}")
    click.echo("parties:")
    for row in party_statuses(document):
        click.echo(f"  {row.party.role_label}: {row.party.name} <{row.party.email}>  {row.status}")
    click.echo("events:")
    for event in timeline(document.id):
        detail = " ".join(f"{k}={v}" for k, v in event.details.items() if k not in {"reason", "note"})
        click.echo(f"  {event.occurred_at:%Y-%m-%d %H:%M:%S}  {event.type:<18} {event.actor}  {detail}")


@documents_cli.command("list")
@click.option("--trust", "trust_slug", default=None)
@click.option("--state", default=None, type=click.Choice([s.value for s in State]))
@click.option("--kind", "kind_name", default=None)
def documents_list(trust_slug: str | None, state: str | None, kind_name: str | None) -> None:
    """List documents, newest first."""
    query = select(Document).join(Trust).order_by(Document.id.desc())
    if trust_slug:
        query = query.where(Trust.slug == trust_slug)
    if state:
        query = query.where(Document.state == State(state))
    if kind_name:
        query = query.where(Document.kind == kind_name)
    for document in db.session.scalars(query):
        click.echo(
            f"{document.id:>6}  {document.reference}  {document.trust.slug:<16} {document.kind:<17} "
            f"{document.state:<19} {document.title}"
        )


@documents_cli.command("download")
@click.argument("document_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def documents_download(document_id: int, file: Path) -> None:
    """Write the sealed PDF of a document to FILE."""
    document = _document(document_id)
    version = document.version
    if (notice := destroyed_notice(document)) is not None:
        fail(notice)
    if version.sealed_file is None:
        fail(f"{document.reference} is not sealed yet (state: {document.state})")
    assert version.sealed_file is not None
    data = download(version, version.sealed_file, actor="command line", via="cli")
    file.write_bytes(data)
    click.echo(f"wrote {file} ({len(data)} bytes, sha256 {version.sealed_file.sha256})")


@documents_cli.command("revise")
@click.argument("document_id", type=int)
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default="", help="What changed and why.")
def documents_revise(document_id: int, pairs: tuple[str, ...], data_file: Path | None, note: str) -> None:
    """Make and send a new version after a change request."""
    document = _document(document_id)
    try:
        revise(document.id, fields=fields_from_options(pairs, data_file), note=note,
               actor=f"{document.author_name} <{document.author_email}>")
    except (FieldError, NotAllowed) as exc:
        fail(f"not revised: {exc}")
    _warn_if_stuck(document.id)
    click.echo(f"{document.reference} v{_document(document_id).current_version} sent")


@documents_cli.command("cancel")
@click.argument("document_id", type=int)
@click.option("--reason", required=True)
def documents_cancel(document_id: int, reason: str) -> None:
    """Cancel a document that is not yet agreed."""
    document = _document(document_id)
    try:
        cancel(document.id, reason=reason, actor="command line")
    except (InvalidTransition, FieldError) as exc:
        fail(str(exc))
    click.echo(f"{document.reference} cancelled")


@documents_cli.command("resend")
@click.argument("document_id", type=int)
@click.option("--party", "email", required=True, help="Email address of the party who needs a new link.")
def documents_resend(document_id: int, email: str) -> None:
    """Send a party a new personal link with a fresh expiry; their earlier link stops working."""
    document = _document(document_id)
    party = next((p for p in document.parties if p.email.lower() == email.strip().lower()), None)
    if party is None:
        parties = ", ".join(f"{p.name} ({p.role})" for p in document.parties)
        fail(f"{email} is not a party to {document.reference} ({parties})")
    assert party is not None
    try:
        link = resend_link(document.id, party.id, actor="command line")
    except NotAllowed as exc:
        fail(f"no link sent: {exc}")
        raise
    click.echo(f"new link sent to {party.name} <{party.email}>; it works until {link.expires_at:%Y-%m-%d %H:%M} UTC")


@actions_cli.command("list")
@click.option("--trust", "trust_slug", required=True)
@click.option("--all", "show_all", is_flag=True, help="Include actions already done.")
def actions_list(trust_slug: str, show_all: bool) -> None:
    """List agreed actions of a trust's records."""
    query = select(Action).join(Trust, Action.trust_id == Trust.id).where(Trust.slug == trust_slug)
    if not show_all:
        query = query.where(Action.done_at.is_(None))
    for action in db.session.scalars(query.order_by(Action.due, Action.id)):
        done = f"done {action.done_at:%Y-%m-%d}" if action.done_at else "open"
        click.echo(f"{action.id:>5}  {action.due or '':<10}  {action.who:<24} {done:<15} {action.what}")


@actions_cli.command("done")
@click.argument("action_id", type=int)
@click.option("--by", "actor", default="command line", help="Who marks it done.")
def actions_done(action_id: int, actor: str) -> None:
    """Mark an agreed action done (recorded in the audit log)."""
    try:
        action = mark_done(action_id, actor=clean_line(actor, "--by", max_length=MAX_NAME))
    except InputInvalid as exc:
        fail(str(exc))
        raise
    except ActionNotFound:
        fail(f"no action {action_id}")
        raise
    click.echo(f"action {action.id} done")

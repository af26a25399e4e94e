"""Command-line interface: `flask trusts|contract|documents|audit|jobs|demo …`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .documents.kinds import FieldError
from .documents.models import Answer, DocumentVersion, Link
from .documents.states import InvalidTransition
from .extensions import db

trusts_cli = AppGroup("trusts", help="Install trust profiles.")
contract_cli = AppGroup("contract", help="Create supervision contracts.")
documents_cli = AppGroup("documents", help="Inspect and act on documents.")
audit_cli = AppGroup("audit", help="Check the audit log.")
jobs_cli = AppGroup("jobs", help="Background work.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


# --- trusts -------------------------------------------------------------------------------------


@trusts_cli.command("load")
def trusts_load() -> None:
    """Install every trust profile bundled under document_templates/trusts."""
    from .trusts.profiles import ProfileError, bundled_profiles, install_profile, read_profile

    templates = Path(current_app.config["TEMPLATES_DIR"])
    for path in bundled_profiles(templates):
        try:
            trust = install_profile(read_profile(path, templates))
        except ProfileError as exc:
            _fail("\n".join([f"{exc.source}:", *(f"  - {p}" for p in exc.problems)]))
        click.echo(f"installed {trust.slug}: {trust.name}")


@trusts_cli.command("install")
@click.argument("profile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trusts_install(profile: Path) -> None:
    """Validate and install one trust profile (TOML)."""
    from .trusts.profiles import ProfileError, install_profile, read_profile

    try:
        trust = install_profile(read_profile(profile, Path(current_app.config["TEMPLATES_DIR"])))
    except ProfileError as exc:
        _fail("\n".join([f"{exc.source}:", *(f"  - {p}" for p in exc.problems)]))
    click.echo(f"installed {trust.slug}: {trust.name}")


# --- contract -----------------------------------------------------------------------------------


def _fields(pairs: tuple[str, ...], data_file: Path | None) -> dict[str, str]:
    fields: dict[str, str] = {}
    if data_file is not None:
        try:
            loaded = json.loads(data_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            _fail(f"{data_file}: not readable JSON ({exc})")
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            _fail(f"{data_file}: must be a JSON object of field names to text")
        fields.update(loaded)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            _fail(f"--set {pair!r}: use FIELD=VALUE")
        fields[name.strip()] = value
    return fields


@contract_cli.command("create")
@click.option("--trust", "trust_slug", required=True, help="Trust slug, e.g. heart-of-mercia.")
@click.option("--supervisor", required=True, help='"Full Name <email>"')
@click.option("--supervisee", required=True, help='"Full Name <email>"')
@click.option("--author", default=None, help='"Full Name <email>" (default: the supervisor)')
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="Override a field.")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def contract_create(
    trust_slug: str,
    supervisor: str,
    supervisee: str,
    author: str | None,
    pairs: tuple[str, ...],
    data_file: Path | None,
) -> None:
    """Create a contract from the trust's defaults and send each party a link; print its id."""
    from .documents import operations as ops

    try:
        parties = {"supervisor": ops.parse_person(supervisor), "supervisee": ops.parse_person(supervisee)}
        document = ops.create_document(
            trust_slug=trust_slug,
            kind_name="contract",
            parties=parties,
            fields=_fields(pairs, data_file),
            author=ops.parse_person(author) if author else None,
        )
    except FieldError as exc:
        _fail("\n".join(["the contract was not created:", *(f"  - {p}" for p in exc.problems)]))
    _warn_if_stuck(document.id)
    click.echo(document.id)


def _warn_if_stuck(document_id: int) -> None:
    """In eager mode a failed preparation leaves the document waiting: say so."""
    from .documents.operations import get_document
    from .documents.states import State
    from .jobs import is_eager

    db.session.expire_all()
    document = get_document(document_id)
    if is_eager() and document.status is State.PREPARING:
        click.echo(
            f"warning: {document.reference} is saved but could not be prepared yet; "
            "see the log above, then run `flask jobs sweep`",
            err=True,
        )


# --- documents ----------------------------------------------------------------------------------


def _document(document_id: int) -> Any:
    from .documents.operations import DocumentNotFound, get_document

    try:
        return get_document(document_id)
    except DocumentNotFound:
        _fail(f"no document {document_id}")


@documents_cli.command("show")
@click.argument("document_id", type=int)
def documents_show(document_id: int) -> None:
    """Print a document's state, versions, parties and events."""
    from .audit.models import AuditEvent

    document = _document(document_id)
    click.echo(f"{document.reference}  {document.title}")
    click.echo(f"trust: {document.trust.slug}  kind: {document.kind}  state: {document.state}")
    click.echo(f"author: {document.author_name} <{document.author_email}>")
    click.echo("versions:")
    for version in document.versions:
        marks = []
        if version.pdf_file:
            marks.append(f"pdf sha256 {version.pdf_file.sha256}")
        if version.sealed_file:
            marks.append(f"sealed {version.sealed_at:%Y-%m-%d %H:%M:%S} sha256 {version.sealed_file.sha256}")
        if version.superseded_at:
            marks.append("superseded")
        click.echo(f"  v{version.number}  {version.note or ''}  {'; '.join(marks)}")
    click.echo("parties:")
    current = document.version
    answers = {
        a.party_id: a for a in db.session.scalars(select(Answer).where(Answer.version_id == current.id))
    }
    for party in document.parties:
        answer = answers.get(party.id)
        status = (
            f"{answer.decision} {answer.answered_at:%Y-%m-%d %H:%M:%S}" if answer else _link_status(party.id, current)
        )
        click.echo(f"  {party.role_label}: {party.name} <{party.email}>  {status}")
    click.echo("events:")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.seq)
    )
    for event in events:
        detail = " ".join(f"{k}={v}" for k, v in event.details.items() if k not in {"reason", "note"})
        click.echo(f"  {event.occurred_at:%Y-%m-%d %H:%M:%S}  {event.type:<18} {event.actor}  {detail}")


def _link_status(party_id: int, version: DocumentVersion) -> str:
    link = db.session.scalar(
        select(Link)
        .where(Link.party_id == party_id, Link.version_id == version.id, Link.purpose == "agree")
        .order_by(Link.id.desc())
    )
    if link is None:
        return "not sent yet"
    return "viewed, not answered" if link.first_viewed_at else "sent, not opened"


@documents_cli.command("download")
@click.argument("document_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def documents_download(document_id: int, file: Path) -> None:
    """Write the sealed PDF of a document to FILE."""
    from . import audit
    from .db import transaction

    document = _document(document_id)
    version = document.version
    if version.sealed_file is None:
        _fail(f"{document.reference} is not sealed yet (state: {document.state})")
    data = version.sealed_file.read()
    file.write_bytes(data)
    with transaction():
        audit.record(
            "downloaded",
            document_id=document.id,
            actor="command line",
            details={"version": version.number, "via": "cli"},
        )
    click.echo(f"wrote {file} ({len(data)} bytes, sha256 {version.sealed_file.sha256})")


@documents_cli.command("revise")
@click.argument("document_id", type=int)
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default="", help="What changed and why.")
def documents_revise(document_id: int, pairs: tuple[str, ...], data_file: Path | None, note: str) -> None:
    """Make and send a new version after a change request."""
    from .documents import operations as ops

    document = _document(document_id)
    try:
        ops.revise(document.id, fields=_fields(pairs, data_file), note=note, actor=f"{document.author_name} <{document.author_email}>")
    except (FieldError, ops.NotAllowed) as exc:
        _fail(f"not revised: {exc}")
    _warn_if_stuck(document.id)
    click.echo(f"{document.reference} v{_document(document_id).current_version} sent")


@documents_cli.command("cancel")
@click.argument("document_id", type=int)
@click.option("--reason", required=True)
def documents_cancel(document_id: int, reason: str) -> None:
    """Cancel a document that is not yet agreed."""
    from .documents import operations as ops

    document = _document(document_id)
    try:
        ops.cancel(document.id, reason=reason, actor="command line")
    except InvalidTransition as exc:
        _fail(str(exc))
    click.echo(f"{document.reference} cancelled")


# --- audit, jobs --------------------------------------------------------------------------------


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain and name the first broken row."""
    from .audit import verify_chain

    checked, broken = verify_chain()
    if broken is not None:
        where = f"row {broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
        _fail(f"audit log broken at {where}: {broken.problem}; {checked} rows before it are intact")
    click.echo(f"audit log intact: {checked} rows")


@jobs_cli.command("sweep")
def jobs_sweep() -> None:
    """Queue again any work that is due: email retries, unprepared or unsealed documents."""
    from .sweep import sweep

    counts = sweep()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@click.command("demo")
def demo() -> None:
    """Load the bundled trusts and send a demo contract between two demo staff."""
    from .documents import operations as ops
    from .documents.models import Document

    current_app.cli.commands["trusts"].commands["load"].callback()  # type: ignore[union-attr]
    if db.session.scalar(select(Document.id).limit(1)) is not None:
        click.echo("demo data already present")
        return
    document = ops.create_document(
        trust_slug="heart-of-mercia",
        kind_name="contract",
        parties={
            "supervisor": ops.Person("Alex Morgan", "alex.morgan@example.org"),
            "supervisee": ops.Person("Sam O'Brien", "sam.obrien@example.org"),
        },
        fields={},
    )
    click.echo(f"demo contract {document.reference} created; its links are printed above")


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    for group in (trusts_cli, contract_cli, documents_cli, audit_cli, jobs_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo)

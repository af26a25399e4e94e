"""Command-line interface: `flask trusts|contract|documents|audit|jobs|demo …`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .documents.kinds import FieldError
from .documents.models import Answer, DocumentVersion, Link
from .documents.states import InvalidTransition, State
from .extensions import db

trusts_cli = AppGroup("trusts", help="Install trust profiles.")
contract_cli = AppGroup("contract", help="Create supervision contracts.")
agenda_cli = AppGroup("agenda", help="Create session agendas.")
record_cli = AppGroup("record", help="Create supervision records.")
proforma_cli = AppGroup("proforma", help="Create individual case proformas.")
kinds_cli = AppGroup("kinds", help="Document kinds.")
templates_cli = AppGroup("templates", help="Check and install Word forms.")
actions_cli = AppGroup("actions", help="Agreed actions.")
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
    refused = []
    for path in bundled_profiles(templates):
        try:
            trust = install_profile(read_profile(path, templates))
        except ProfileError as exc:
            refused.append("\n".join([f"{exc.source}:", *(f"  - {p}" for p in exc.problems)]))
            continue
        click.echo(f"installed {trust.slug}: {trust.name}")
    if refused:
        _fail("these profiles were not installed:\n" + "\n".join(refused))


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


def _fields(pairs: tuple[str, ...], data_file: Path | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data_file is not None:
        try:
            loaded = json.loads(data_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            _fail(f"{data_file}: not readable JSON ({exc})")
        if not isinstance(loaded, dict):
            _fail(f"{data_file}: must be a JSON object of field names to values")
        fields.update(loaded)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            _fail(f"--set {pair!r}: use FIELD=VALUE")
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
    from .documents import operations as ops

    try:
        document = ops.create_document(
            trust_slug=trust_slug,
            kind_name=kind_name,
            supervisor=ops.parse_person(supervisor) if supervisor else None,
            supervisees=[ops.parse_person(p) for p in supervisees],
            fields=_fields(pairs, data_file),
            author=ops.parse_person(author) if author else None,
        )
    except FieldError as exc:
        _fail("\n".join([f"the {kind_name} was not created:", *(f"  - {p}" for p in exc.problems)]))
    _warn_if_stuck(document.id)
    click.echo(document.id)


@contract_cli.command("create")
@click.option("--kind", "variant", type=click.Choice(["one-to-one", "group", "clinical"]), default="one-to-one")
@_party_options
def contract_create(variant: str, **options: Any) -> None:
    """Create a contract from the trust's defaults and send each party a link; print its id."""
    _create({"one-to-one": "contract", "group": "group-contract", "clinical": "clinical-contract"}[variant], **options)


@agenda_cli.command("create")
@_party_options
def agenda_create(**options: Any) -> None:
    """Create a session's agenda and email it to everyone taking part; print its id."""
    _create("agenda", **options)


@record_cli.command("create")
@_party_options
def record_create(**options: Any) -> None:
    """Create a supervision record and send it to everyone to agree; print its id."""
    _create("record", **options)


@proforma_cli.command("create")
@_party_options
def proforma_create(**options: Any) -> None:
    """Create an individual case proforma and send it to both parties to agree; print its id."""
    _create("case-proforma", **options)


def _warn_if_stuck(document_id: int) -> None:
    """In eager mode a failed preparation leaves the document waiting: say so."""
    from .documents.operations import get_document
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
    from .reviews.operations import successor_of

    if document.previous_document_id:
        click.echo(f"replaces: CS-{document.previous_document_id:06d}")
    if (successor := successor_of(document)) is not None:
        click.echo(f"replaced by: {successor.reference} ({successor.state})")
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


@audit_cli.command("send")
@_party_options
def audit_send(**options: Any) -> None:
    """Send a supervisee the trust's audit to answer online; print its id."""
    _create("audit", **options)


@jobs_cli.command("sweep")
def jobs_sweep() -> None:
    """Queue again any work that is due: email retries, unprepared or unsealed documents."""
    from .sweep import sweep

    counts = sweep()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the bundled trusts, demo staff and a demo contract; print the admin's sign-in link."""
    from .documents import operations as ops
    from .documents.models import Document
    from .staff.auth import request_sign_in
    from .staff.cli import create_user
    from .staff.models import User

    current_app.cli.commands["trusts"].commands["load"].callback()  # type: ignore[union-attr]
    people = [
        ("admin@heart-of-mercia.example.org", "Morgan Admin", "admin", None),
        ("lead@oakfield.example.org", "Lee Lead", "lead", "Oakfield Primary School"),
        ("alex.morgan@example.org", "Alex Morgan", "staff", "Oakfield Primary School"),
        ("sam.obrien@example.org", "Sam O'Brien", "staff", "Oakfield Primary School"),
    ]
    for email, name, role, school in people:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(email, name=name, role=role, trust_slug="heart-of-mercia", school=school)
            click.echo(f"demo {role}: {name} <{email}>")
    if db.session.scalar(select(Document.id).limit(1)) is None:
        document = ops.create_document(
            trust_slug="heart-of-mercia",
            kind_name="contract",
            supervisor=ops.Person("Alex Morgan", "alex.morgan@example.org"),
            supervisees=[ops.Person("Sam O'Brien", "sam.obrien@example.org")],
            fields={"school": "Oakfield Primary School"},
        )
        click.echo(f"demo contract {document.reference} sent; its links are printed above")
    request_sign_in("admin@heart-of-mercia.example.org", ip=None, user_agent="flask demo")
    click.echo("sign in as the trust admin with the link printed above")


@documents_cli.command("list")
@click.option("--trust", "trust_slug", default=None)
@click.option("--state", default=None, type=click.Choice([s.value for s in State]))
@click.option("--kind", "kind_name", default=None)
def documents_list(trust_slug: str | None, state: str | None, kind_name: str | None) -> None:
    """List documents, newest first."""
    from .documents.models import Document
    from .trusts.models import Trust

    query = select(Document).join(Trust).order_by(Document.id.desc())
    if trust_slug:
        query = query.where(Trust.slug == trust_slug)
    if state:
        query = query.where(Document.state == state)
    if kind_name:
        query = query.where(Document.kind == kind_name)
    for document in db.session.scalars(query):
        click.echo(
            f"{document.id:>6}  {document.reference}  {document.trust.slug:<16} {document.kind:<17} "
            f"{document.state:<19} {document.title}"
        )


@kinds_cli.command("show")
@click.argument("kind_name")
@click.option("--trust", "trust_slug", default=None, help="Also show the trust's terms and form.")
def kinds_show(kind_name: str, trust_slug: str | None) -> None:
    """Print the fields a kind takes, who agrees it, and what its form receives."""
    from .documents.kinds import example_context, kind, required_variables
    from .trusts.models import Trust

    try:
        spec = kind(kind_name)
    except FieldError as exc:
        _fail(exc.problems[0])
    trust = None
    if trust_slug:
        trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
        if trust is None:
            _fail(f"no trust {trust_slug!r} is installed")
    click.echo(f"{spec.name}: {spec.title}")
    people = "a supervisor and one or more supervisees" if spec.many_supervisees else "a supervisor and one supervisee"
    click.echo(f"takes part: {people}")
    click.echo("agreed by: " + (", ".join(spec.agreed_by) if spec.needs_agreement else "nobody (sent out)"))
    if spec.answered_online:
        click.echo("answered online by the supervisee first")
    click.echo("fields (--set FIELD=VALUE, lists in --data FILE.json):")
    for f in spec.fields:
        click.echo(f"  {f.name:<28} {f.label} [{f.describe()}]")
    terms = trust.defaults if trust else None
    click.echo("terms (override with --set KEY=VALUE): " + (
        ", ".join(k for k, v in terms.items() if isinstance(v, str)) if terms else "the trust profile's text defaults"
    ))
    if trust:
        click.echo(f"form: {trust.template_for(spec.name)}")
    click.echo("the form receives:")
    for path, example in _flatten(example_context(spec, trust.profile if trust else None)):
        click.echo(f"  {path:<34} e.g. {example}")
    click.echo("the form must show: " + ", ".join(required_variables(spec)))


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flatten(v, f"{prefix}.{k}" if prefix else k)]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [(f"{prefix}[]", "list of {" + ", ".join(value[0]) + "}")]
    text = repr(value) if not isinstance(value, str) else value
    return [(prefix, text if len(text) <= 60 else text[:57] + "...")]


def _check(file: Path, kind_name: str, trust_slug: str | None) -> list[Any]:
    from .documents.kinds import example_context, kind, required_variables
    from .rendering.check import check_template
    from .trusts.models import Trust

    try:
        spec = kind(kind_name)
    except FieldError as exc:
        _fail(exc.problems[0])
    profile = None
    if trust_slug:
        trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
        if trust is None:
            _fail(f"no trust {trust_slug!r} is installed")
        profile = trust.profile
    return check_template(
        file.read_bytes(), provided=example_context(spec, profile), required=required_variables(spec)
    )


@templates_cli.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", "kind_name", required=True)
@click.option("--trust", "trust_slug", default=None, help="Check terms against this trust's profile.")
def templates_check(file: Path, kind_name: str, trust_slug: str | None) -> None:
    """Check a Word form; exit 0 only when it is sound."""
    problems = _check(file, kind_name, trust_slug)
    for problem in problems:
        click.echo(f"{file.name}: {problem}", err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo(f"{file.name}: sound for {kind_name}")


@templates_cli.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust", "trust_slug", required=True)
@click.option("--kind", "kind_name", required=True)
def templates_install(file: Path, trust_slug: str, kind_name: str) -> None:
    """Check a Word form and, if sound, install it as the trust's form for a kind."""
    import shutil

    from .db import transaction
    from .trusts.models import Trust

    problems = _check(file, kind_name, trust_slug)
    if problems:
        for problem in problems:
            click.echo(f"{file.name}: {problem}", err=True)
        _fail("not installed: fix the problems above and run the check again")
    templates = Path(current_app.config["TEMPLATES_DIR"])
    relative = f"forms/{trust_slug}/{kind_name}.docx"
    target = templates / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".docx.tmp")
    shutil.copyfile(file, tmp)
    tmp.replace(target)
    with transaction():
        trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
        trust.profile = {**trust.profile, "templates": {**trust.profile.get("templates", {}), kind_name: relative}}
    click.echo(f"installed {relative} as {trust_slug}'s {kind_name} form")


@actions_cli.command("list")
@click.option("--trust", "trust_slug", required=True)
@click.option("--all", "show_all", is_flag=True, help="Include actions already done.")
def actions_list(trust_slug: str, show_all: bool) -> None:
    """List agreed actions of a trust's records."""
    from .documents.actions import Action
    from .trusts.models import Trust

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
    from .documents.actions import ActionNotFound, mark_done

    try:
        action = mark_done(action_id, actor=actor)
    except ActionNotFound:
        _fail(f"no action {action_id}")
    click.echo(f"action {action.id} done")


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    for group in (trusts_cli, contract_cli, agenda_cli, record_cli, proforma_cli, kinds_cli, templates_cli,
                  actions_cli, documents_cli, audit_cli, jobs_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo)

"""`flask trusts load|install`, `flask templates check|install|adopt`, `flask kinds show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..kinds import FieldError, example_context, kind, kinds_used, required_variables
from .form_install import FormNotFound, NothingToAdopt, adopt_form, install_form
from .form_store import bundled_choice, form_in_use
from .forms import FormRefused, bundled_manifest, check_form, errors_only
from .models import Trust
from .profiles import ProfileError, bundled_profiles, install_profile, read_profile
from .transfer import ImportRefused, export_trust, import_trust

trusts_cli = AppGroup("trusts", help="Install trust profiles.")
templates_cli = AppGroup("templates", help="Check and install Word forms.")
kinds_cli = AppGroup("kinds", help="Document kinds.")
GROUPS = (trusts_cli, templates_cli, kinds_cli)


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _trust(slug: str) -> Trust:
    trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
    if trust is None:
        _fail(f"no trust {slug!r} is installed")
    assert trust is not None
    return trust


@trusts_cli.command("load")
def trusts_load() -> None:
    """Install every trust profile bundled under document_templates/trusts."""
    templates = Path(current_app.config["TEMPLATES_DIR"])
    refused = []
    for path in bundled_profiles(templates):
        try:
            trust = install_profile(read_profile(path, templates))
        except ProfileError as exc:
            refused.append("\n".join([f"{exc.source}:", *(f"  - {p}" for p in exc.problems)]))
            continue
        click.echo(f"installed {trust.slug}: {trust.name}")
        _say_missing_forms(trust)
    if refused:
        _fail("these profiles were not installed:\n" + "\n".join(refused))


@trusts_cli.command("install")
@click.argument("profile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trusts_install(profile: Path) -> None:
    """Validate and install one trust profile (TOML)."""
    try:
        trust = install_profile(read_profile(profile, Path(current_app.config["TEMPLATES_DIR"])))
    except ProfileError as exc:
        _fail("\n".join([f"{exc.source}:", *(f"  - {p}" for p in exc.problems)]))
        raise
    click.echo(f"installed {trust.slug}: {trust.name}")
    _say_missing_forms(trust)


@trusts_cli.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def trusts_export(slug: str, file: Path) -> None:
    """Write the trust's whole configuration (profile and every form version in use) to one file."""
    file.write_bytes(export_trust(_trust(slug)))
    click.echo(f"exported {slug} to {file}")


@trusts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "slug", default=None, help="Import as this trust (a slug) rather than the file's own.")
def trusts_import(file: Path, slug: str | None) -> None:
    """Check an exported configuration whole, then install its profile and forms together."""
    try:
        trust = import_trust(file.read_bytes(), actor="command line", slug=slug)
    except ImportRefused as exc:
        _fail("\n".join([f"{file}: nothing was imported:", *(f"  - {p}" for p in exc.problems)]))
        raise
    click.echo(f"imported {trust.slug}: {trust.name}")
    _say_missing_forms(trust)


def _say_missing_forms(trust: Trust) -> None:
    """Say which forms the profile names that are not there, so those kinds use the generic form."""
    for kind_name in trust.profile.get("templates", {}):
        generic, missing = bundled_choice(trust, kind_name)
        if missing:
            click.echo(f"  {kind_name}: no file at {missing} yet; uses {generic} until a form is installed")


def _spec_or_fail(kind_name: str) -> Any:
    try:
        return kind(kind_name)
    except FieldError as exc:
        _fail(exc.problems[0])


@templates_cli.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", "kind_name", required=True)
@click.option("--trust", "trust_slug", default=None, help="Check terms against this trust's profile.")
def templates_check(file: Path, kind_name: str, trust_slug: str | None) -> None:
    """Check a Word form; exit 0 only when it is sound."""
    _spec_or_fail(kind_name)
    profile = _trust(trust_slug).profile if trust_slug else None
    problems = check_form(file.read_bytes(), kind_name, profile, warnings=True)
    for problem in problems:
        click.echo(f"{file.name}: {problem}", err=True)
    if errors_only(problems):
        raise click.exceptions.Exit(1)
    click.echo(f"{file.name}: sound for {kind_name}")


@templates_cli.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust", "trust_slug", required=True)
@click.option("--kind", "kind_name", required=True)
def templates_install(file: Path, trust_slug: str, kind_name: str) -> None:
    """Check a Word form and, if sound, install it as a new version of the trust's form for a kind (in its form store)."""
    _spec_or_fail(kind_name)
    try:
        installed = install_form(_trust(trust_slug), kind_name, file.read_bytes(), filename=file.name,
                                 actor="command line")
    except FormRefused as exc:
        for problem in exc.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        _fail("not installed: fix the problems above and run the check again")
        raise
    except FormNotFound as exc:
        _fail(str(exc))
        raise
    click.echo(f"installed {file.name} as version {installed.number} of {trust_slug}'s {kind_name} form")


@templates_cli.command("adopt")
@click.option("--trust", "trust_slug", required=True)
@click.option("--kind", "kind_names", multiple=True, help="Only this kind (repeat for several); default: every kind the trust uses.")
def templates_adopt(trust_slug: str, kind_names: tuple[str, ...]) -> None:
    """Move the trust's forms read from files in the code checkout into its form store, each as its next version.

    A kind whose form is a file its profile names under the templates folder, other than one Countersign ships
    unchanged, has that file checked as an upload and installed. Each kind on its own: one that fails the check is
    not adopted (the exit code is then 1) while the others still are. Nothing is deleted from disk.
    """
    for name in kind_names:
        _spec_or_fail(name)
    trust = _trust(trust_slug)
    refused = False
    for name in kind_names or kinds_used(trust.profile):
        path = trust.bundled_form(name)
        try:
            adopted = adopt_form(trust, name, actor="command line")
        except NothingToAdopt as exc:
            click.echo(f"{name}: {exc}")
            continue
        except FormRefused as exc:
            refused = True
            click.echo(f"{name}: not adopted: {path} does not pass the check:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            continue
        then = ("the checkout's file can now go back to the one Countersign ships"
                if path.removeprefix("forms/") in bundled_manifest() else "the file can now be removed from the checkout")
        click.echo(f"{name}: adopted {path} as version {adopted.number} (SHA-256 {adopted.file.sha256}); {then}")
    if refused:
        raise click.exceptions.Exit(1)


@kinds_cli.command("show")
@click.argument("kind_name")
@click.option("--trust", "trust_slug", default=None, help="Also show the trust's terms and form.")
def kinds_show(kind_name: str, trust_slug: str | None) -> None:
    """Print the fields a kind takes, who agrees it, and what its form receives."""
    spec = _spec_or_fail(kind_name)
    trust = _trust(trust_slug) if trust_slug else None
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
        click.echo(f"form: {form_in_use(trust, spec.name).name}")
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

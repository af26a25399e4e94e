"""`flask sso set/show/remove`: a trust's OpenID provider for staff sign-in, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from .oidc import redirect_uri
from .providers import SsoProblem, provider_by_slug, remove_provider, set_provider

sso_cli = AppGroup("sso", help="Staff sign-in with the trust's OpenID provider (Microsoft 365, Google).")
CLI_ACTOR = "command line"


@sso_cli.command("set")
@click.option("--trust", "slug", required=True, help="The trust's slug")
@click.option("--issuer", required=True, help="The provider's issuer URL, e.g. https://login.microsoftonline.com/TENANT/v2.0")
@click.option("--client-id", required=True)
@click.option("--client-secret-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file holding the client secret (kept off the command line); left out keeps the saved one")
@click.option("--label", required=True, help='What the button says after "Sign in with", e.g. Microsoft')
@click.option("--domain", "domains", multiple=True,
              help="An email domain of the trust's staff (repeat for more); left out keeps the saved ones")
def set_command(slug: str, issuer: str, client_id: str, client_secret_file: Path | None, label: str,
                domains: tuple[str, ...]) -> None:
    """Set the trust's provider; prints the redirect URI to register with it."""
    secret = client_secret_file.read_text(encoding="utf-8").strip() if client_secret_file else None
    try:
        provider = set_provider(slug, issuer=issuer, client_id=client_id, client_secret=secret, label=label,
                                domains=list(domains), actor=CLI_ACTOR)
    except SsoProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{slug}: sign in with {provider.label} ({provider.issuer}) for {', '.join(provider.email_domains)}")
    click.echo(f"redirect URI: {redirect_uri(provider)}")


@sso_cli.command("show")
@click.option("--trust", "slug", required=True)
def show(slug: str) -> None:
    """Show the trust's provider (never its secret)."""
    provider = provider_by_slug(slug)
    if provider is None:
        raise click.ClickException(f"{slug!r} has no sign-in provider")
    click.echo(f"label\t{provider.label}\nissuer\t{provider.issuer}\nclient id\t{provider.client_id}\n"
               f"domains\t{', '.join(provider.email_domains)}\nredirect URI\t{redirect_uri(provider)}")


@sso_cli.command("remove")
@click.option("--trust", "slug", required=True)
def remove(slug: str) -> None:
    """Stop the trust's staff signing in with its provider (emailed links still work)."""
    try:
        remove_provider(slug, actor=CLI_ACTOR)
    except SsoProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{slug}: sign-in with a provider removed")

"""Trust admins' page for the trust's sign-in provider: see, change, remove."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..staff import access
from ..staff.blueprint import bp
from .oidc import redirect_uri
from .providers import SsoProblem, provider_of, remove_provider, set_provider


def _page(error: str | None = None, form: dict[str, str] | None = None, status: int = 200) -> Any:
    provider = provider_of(current_user.trust_id)
    uri = redirect_uri(provider) if provider else None
    return render_template("staff/sso.html", provider=provider, redirect_uri=uri, error=error, form=form or {}), status


@bp.get("/sso")
@access.allowed(access.is_admin)
def sso_settings() -> Any:
    """Show the trust's sign-in provider, if any."""
    return _page()


@bp.post("/sso")
@access.allowed(access.is_admin)
def sso_save() -> Any:
    """Save the trust's sign-in provider (a blank secret keeps the saved one)."""
    form = request.form
    try:
        set_provider(current_user.trust.slug, issuer=form.get("issuer", ""), client_id=form.get("client_id", ""),
                     client_secret=form.get("client_secret", ""), label=form.get("label", ""),
                     domains=[form.get("domains", "")], actor=current_user.label)
    except SsoProblem as exc:
        kept = {k: form.get(k, "") for k in ("issuer", "client_id", "label", "domains")}
        return _page(str(exc), kept, 400)
    flash("Sign-in with your provider is saved.", "success")
    return redirect(url_for("staff.sso_settings"), code=303)


@bp.post("/sso/remove")
@access.allowed(access.is_admin)
def sso_remove() -> Any:
    """Stop staff signing in with the provider."""
    try:
        remove_provider(current_user.trust.slug, actor=current_user.label)
    except SsoProblem:
        return _page("trust: There is no provider to remove", status=400)
    flash("Staff now sign in by emailed link only.", "success")
    return redirect(url_for("staff.sso_settings"), code=303)

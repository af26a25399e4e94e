"""Sign in with the trust's provider: find it by the email's domain, go there, and come back signed in."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for

from ..documents.people import email_address
from ..extensions import limiter
from ..inputs import InputInvalid, user_agent
from ..staff import auth
from ..staff.blueprint import bp
from . import oidc
from .providers import domain_of, provider_by_slug, provider_for_email
from .sign_in import complete_sso_sign_in, record_refusal

REFUSED = "We could not sign you in with that account. We can email you a sign-in link instead."


def _page(email: str, *, errors: dict[str, str] | None = None, notice: str | None = None,
          provider: Any = None, status: int = 200) -> Any:
    response = render_template("staff/sign_in.html", errors=errors or {}, email=email, notice=notice, sso=provider)
    return response, status


@bp.post("/sign-in/sso")
@limiter.limit("10 per minute;60 per hour")
def sso_find() -> Any:
    """Offer the provider of the trust whose email domain matches (saying nothing about the person)."""
    typed = request.form.get("email", "")
    try:
        email = email_address(typed)
    except InputInvalid:
        errors = {"email": "Enter an email address in the correct format, like name@example.org"}
        return _page(typed.strip(), errors=errors, status=400)
    provider = provider_for_email(email)
    if provider is None:
        notice = f"Addresses at {domain_of(email)} cannot sign in with an organisation account. We can email you a link."
        return _page(typed.strip(), notice=notice)
    try:
        origin = oidc.form_origin(provider)
    except oidc.SsoRefused:
        notice = f"{provider.label} sign-in cannot be reached just now. We can email you a link."
        return _page(typed.strip(), notice=notice)
    # The button's POST is redirected to the provider, and browsers apply form-action to that redirect.
    g.form_action_origins = (origin,)
    return _page(typed.strip(), provider=provider)


@bp.post("/sign-in/sso/<slug>")
@limiter.limit("10 per minute;60 per hour")
def sso_start(slug: str) -> Any:
    """Go to the trust's provider, which sends the person back to the callback."""
    provider = provider_by_slug(slug)
    if provider is None:
        abort(404)
    try:
        email = email_address(request.form.get("email", ""))
    except InputInvalid:
        email = ""
    try:
        return oidc.authorize_redirect(provider, email)
    except oidc.SsoRefused as exc:
        record_refusal(provider, exc.reason, ip=request.remote_addr, user_agent=user_agent())
        return _page(email, notice=REFUSED, status=403)


@bp.get("/sign-in/sso/<slug>/callback")
@limiter.limit("20 per minute;120 per hour")
def sso_callback(slug: str) -> Any:
    """Check the provider's answer and start the session (the one GET that signs someone in)."""
    if request.method == "HEAD":  # a prefetcher's HEAD must not use up the code the browser's GET brings
        return "", 405, {"Allow": "GET"}
    provider = provider_by_slug(slug)
    if provider is None:
        abort(404)
    ip, agent = request.remote_addr, user_agent()
    try:
        identity = oidc.fetch_identity(provider)
        user = complete_sso_sign_in(provider, identity, ip=ip, user_agent=agent)
    except oidc.SsoRefused as exc:
        # One page for every refusal: an unknown address reads the same as a bad token.
        record_refusal(provider, exc.reason, ip=ip, user_agent=agent)
        return _page("", notice=REFUSED, status=403)
    auth.start_session(user)
    return redirect(url_for("staff.dashboard"), code=303)

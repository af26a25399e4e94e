"""Trust admins' page of API keys: make one (shown once), revoke one."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..staff import access
from ..staff.blueprint import bp
from .keys import KeyProblem, create_key, keys_of, revoke_key
from .models import Scope


@bp.get("/api-keys")
@access.allowed(access.is_admin)
def api_keys() -> str:
    """List the trust's API keys."""
    return render_template("staff/api_keys.html", keys=keys_of(current_user.trust_id), scopes=list(Scope),
                           secret=None, error=None)


@bp.post("/api-keys")
@access.allowed(access.is_admin)
def create_api_key() -> Any:
    """Make a key and show it this once."""
    try:
        key, secret = create_key(current_user.trust.slug, request.form.get("name", ""),
                                 request.form.getlist("scopes"), actor=current_user.label)
    except KeyProblem as exc:
        return render_template("staff/api_keys.html", keys=keys_of(current_user.trust_id), scopes=list(Scope),
                               secret=None, error=str(exc)), 400
    return render_template("staff/api_keys.html", keys=keys_of(current_user.trust_id), scopes=list(Scope),
                           secret=secret, made=key, error=None)


@bp.post("/api-keys/<int:key_id>/revoke")
@access.allowed(access.is_admin)
def revoke_api_key(key_id: int) -> Any:
    """Stop a key of this trust working."""
    try:
        key = revoke_key(current_user.trust_id, str(key_id), actor=current_user.label)
    except KeyProblem:
        return render_template("error.html", title="Page not found", text="There is no such key."), 404
    flash(f"The key {key.prefix} ({key.name}) has been revoked.", "success")
    return redirect(url_for("staff.api_keys"), code=303)

"""Trust settings (admins): the trust's defaults, its seal certificate, each form's check, its staff."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..trusts.form_store import forms_health
from ..trusts.seal_keys import existing_seal_key, self_signed_name
from . import access
from .blueprint import bp
from .models import User


@bp.get("/settings")
@access.allowed(access.is_admin)
def settings() -> str:
    """Show the trust's defaults, seal certificate, installed forms with their check, and staff."""
    trust = current_user.trust
    key = existing_seal_key(trust)  # a page that only shows the seal never makes one
    days_left = (key.not_after - datetime.now(UTC)).days if key else None
    staff = db.session.scalars(select(User).where(User.trust_id == trust.id).order_by(User.name)).all()
    return render_template("staff/settings.html", trust=trust, key=key, days_left=days_left,
                           forms=forms_health(trust), staff=staff, defaults=trust.defaults,
                           seal_name=self_signed_name(trust))

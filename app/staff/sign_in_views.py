"""Sign in by emailed link, and sign out."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from ..documents.people import email_address
from ..extensions import limiter, token_pages
from ..inputs import InputInvalid, user_agent
from . import auth
from .blueprint import bp


@bp.get("/sign-in")
def sign_in() -> str:
    """Ask for an email address."""
    return render_template("staff/sign_in.html", errors={}, email="")


@bp.post("/sign-in")
@limiter.limit("5 per minute;30 per hour")
def sign_in_request() -> Any:
    """Send a sign-in link (never saying whether the address is known)."""
    typed = request.form.get("email", "")
    try:
        email = email_address(typed)
    except InputInvalid:
        errors = {"email": "Enter an email address in the correct format, like name@example.org"}
        return render_template("staff/sign_in.html", errors=errors, email=typed.strip()), 400
    auth.request_sign_in(email, ip=request.remote_addr, user_agent=user_agent())
    return render_template("staff/sign_in_sent.html", email=typed.strip())  # as they typed it


@bp.get("/sign-in/<token>")
@token_pages
def sign_in_link(token: str) -> Any:
    """Show a button to finish signing in: opening the link itself changes nothing."""
    try:
        auth.check_sign_in(token)
    except auth.SignInRejected as exc:
        return render_template("staff/sign_in_rejected.html", reason=exc.reason), 410
    return render_template("staff/sign_in_confirm.html", token=token)


@bp.post("/sign-in/<token>")
@token_pages
def sign_in_complete(token: str) -> Any:
    """Use up the sign-in link and start the session."""
    try:
        user = auth.complete_sign_in(token, ip=request.remote_addr, user_agent=user_agent())
    except auth.SignInRejected as exc:
        return render_template("staff/sign_in_rejected.html", reason=exc.reason), 410
    auth.start_session(user)
    return redirect(url_for("staff.dashboard"), code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    """End every session of the person, here and on any other device or browser."""
    if current_user.is_authenticated:
        auth.end_sessions(current_user.id, ip=request.remote_addr, user_agent=user_agent())
    logout_user()
    session.clear()
    flash("You have signed out, on this and every other device and browser.", "success")
    return redirect(url_for("staff.sign_in"), code=303)

"""Sign in by emailed link, and sign out."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from ..documents.people import EMAIL
from ..extensions import limiter, token_pages
from . import auth
from .blueprint import bp


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def sign_in() -> Any:
    """Ask for an email address and send a sign-in link (never saying whether it is known)."""
    if request.method != "POST":  # GET and HEAD only ever read
        return render_template("staff/sign_in.html", errors={}, email="")
    email = request.form.get("email", "").strip()
    if not EMAIL.match(email):
        errors = {"email": "Enter an email address in the correct format, like name@example.org"}
        return render_template("staff/sign_in.html", errors=errors, email=email), 400
    auth.request_sign_in(email, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    return render_template("staff/sign_in_sent.html", email=email)


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
        user = auth.complete_sign_in(token, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    except auth.SignInRejected as exc:
        return render_template("staff/sign_in_rejected.html", reason=exc.reason), 410
    session.clear()
    login_user(user)
    return redirect(url_for("staff.dashboard"), code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    """End the session."""
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("staff.sign_in"), code=303)

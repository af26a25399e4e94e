"""Trust admins change the trust's profile in the browser: terms, numbers, reminders, kinds, record sections, wording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..inputs import lines_allowed
from ..kinds import KINDS, kinds_used
from ..reviews.reminders import REMINDER_DEFAULTS
from ..trusts.profile_edit import ProfileInvalid, change_profile
from ..trusts.profiles import REQUIRED_TERMS, profile_problems
from ..trusts.wording import PLACEHOLDERS, default_texts, openings_for, texts_for, wording_for
from . import access
from .blueprint import bp, who
from .profile_form import (
    MULTILINE,
    Posted,
    profile_from_form,
    profile_values,
    rows,
    wording_from_form,
    wording_values,
)

ADD = {"add-term": "term", "add-section": "section"}


def _profile_page(values: Any, errors: dict[str, str], status: int = 200, add: str | None = None) -> Any:
    if hasattr(values, "getlist"):  # posted: every field as typed, the ticked kinds as a list
        values = {**values.to_dict(), "kinds": values.getlist("kinds")}
    term_rows, section_rows = rows(values, "term"), rows(values, "section")
    if add == "term":
        term_rows.append(max(term_rows, default=-1) + 1)
        values[f"term-{term_rows[-1]}-new"] = "yes"
    elif add == "section":
        section_rows.append(max(section_rows, default=-1) + 1)
        values[f"section-{section_rows[-1]}-actions"] = "yes"
    profile = current_user.trust.profile
    return render_template(
        "staff/profile.html", trust=current_user.trust, values=values, errors=errors, term_rows=term_rows,
        section_rows=section_rows, required_terms=REQUIRED_TERMS, kinds=KINDS, used=kinds_used(profile),
        reminder_defaults=REMINDER_DEFAULTS, wording={k: wording_for(profile, k) for k in KINDS},
    ), status


def _save(posted: Posted) -> list[str]:
    """Save the posted profile (ProfileInvalid names each problem by its page field)."""
    templates = Path(current_app.config["TEMPLATES_DIR"])
    if posted.problems:  # what the page itself refused, with every other field's problems beside it
        raise ProfileInvalid(posted.place(profile_problems(posted.profile, templates)))
    try:
        return change_profile(current_user.trust, posted.profile, templates_dir=templates, actor=current_user.label,
                              ip=who().ip, user_agent=who().user_agent)
    except ProfileInvalid as exc:
        raise ProfileInvalid(posted.place(exc.problems)) from None


@bp.get("/profile")
@access.allowed(access.is_admin)
def profile() -> Any:
    """Show the trust's profile as a form: its terms, numbers, reminders, kinds and record sections."""
    return _profile_page(profile_values(current_user.trust.profile), {})


@bp.post("/profile")
@lines_allowed(*MULTILINE)
@access.allowed(access.is_admin)
def profile_save() -> Any:
    """Add a row to the page, or save the profile if every field passes the profile rules (else change nothing)."""
    action = request.form.get("action", "save")
    if action in ADD:
        return _profile_page(request.form, {}, add=ADD[action])
    try:
        changed = _save(profile_from_form(current_user.trust.profile, request.form))
    except ProfileInvalid as exc:
        return _profile_page(request.form, exc.problems, 400)
    flash("The profile is saved." if changed else "Nothing was changed.", "success")
    return redirect(url_for("staff.profile"), code=303)


def _wording_page(kind_name: str, values: Any, errors: dict[str, str], status: int = 200) -> Any:
    spec = KINDS[kind_name]
    return render_template(
        "staff/profile_wording.html", trust=current_user.trust, spec=spec, values=values, errors=errors,
        defaults=default_texts(kind_name), texts=texts_for(spec), openings=openings_for(spec),
        placeholders=PLACEHOLDERS,
    ), status


@bp.get("/profile/wording/<kind_name>")
@access.allowed(access.is_admin)
def profile_wording(kind_name: str) -> Any:
    """Show a kind's wording: its name, the statement parties agree to, and its emails' opening lines."""
    if kind_name not in KINDS:
        abort(404)
    return _wording_page(kind_name, wording_values(current_user.trust.profile, kind_name), {})


@bp.post("/profile/wording/<kind_name>")
@lines_allowed("opening-*")
@access.allowed(access.is_admin)
def profile_wording_save(kind_name: str) -> Any:
    """Save a kind's wording if it passes the profile rules (else change nothing)."""
    if kind_name not in KINDS:
        abort(404)
    try:
        changed = _save(wording_from_form(current_user.trust.profile, kind_name, request.form))
    except ProfileInvalid as exc:
        return _wording_page(kind_name, request.form, exc.problems, 400)
    flash("The wording is saved." if changed else "Nothing was changed.", "success")
    return redirect(url_for("staff.profile"), code=303)

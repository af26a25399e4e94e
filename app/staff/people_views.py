"""Trust admins' pages for the trust's schools and staff: add, change, deactivate and reactivate them."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..extensions import db
from ..inputs import lines_allowed
from ..kinds import FieldError, terms_of
from ..offers import term_label
from ..trusts.models import School
from . import access
from .blueprint import bp
from .models import Role, User
from .people import (
    SCHOOL_NUMBERS,
    add_school,
    change_school,
    change_user,
    create_user,
    deactivate_staff,
    of_trust,
    reactivate_user,
    set_school_active,
)

ROLE_NAMES = {Role.ADMIN: "Admin", Role.LEAD: "Safeguarding lead", Role.STAFF: "Staff"}
ROLE_HINTS = {
    Role.ADMIN: "Manages the trust: its settings, forms, schools and staff, and sees every record.",
    Role.LEAD: "Leads one or more schools: creates and manages their documents.",
    Role.STAFF: "Sees only the documents they take part in.",
}


# What a message about a field starts with when it does not say itself ("must not be empty").
SUBJECTS = {"name": "The name", "email": "The email address", "role": "The role", "schools": "The schools"}


def field_errors(exc: FieldError) -> dict[str, str]:
    """Map each problem ("field: message") to the id of the field it is about, for the error summary."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name, _, message = problem.partition(": ")
        key = name if message and " " not in name else "form"
        text = message if key != "form" else (message or problem)
        if text[:1].islower():
            text = f"{SUBJECTS[key]} {text}" if key in SUBJECTS else text[:1].upper() + text[1:]
        errors.setdefault(key, text)
    return errors


def _schools() -> list[School]:
    return list(db.session.scalars(select(School).where(School.trust_id == current_user.trust_id)
                                   .order_by(School.active.desc(), School.name)))


def _school(school_id: int) -> School:
    try:
        return of_trust(School, school_id, current_user.trust_id)
    except LookupError:
        abort(404)


def _member(user_id: int) -> User:
    try:
        return of_trust(User, user_id, current_user.trust_id)
    except LookupError:
        abort(404)


@bp.get("/schools")
@access.allowed(access.is_admin)
def schools() -> Any:
    """List the trust's schools, with a form to add one."""
    return render_template("staff/people/schools.html", schools=_schools(), errors={}, name="")


@bp.post("/schools")
@access.allowed(access.is_admin)
def add_school_submit() -> Any:
    """Add a school; a name like one the trust has already is refused."""
    name = request.form.get("name", "")
    try:
        school = add_school(current_user.trust, name, actor=current_user.label)
    except FieldError as exc:
        return render_template("staff/people/schools.html", schools=_schools(), errors=field_errors(exc),
                               name=name), 400
    flash(f"{school.name} has been added.", "success")
    return redirect(url_for("staff.schools"), code=303)


def _school_page(school: School, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    profile = current_user.trust.profile
    terms = terms_of(profile)
    numbers = {key: profile["defaults"].get(key, "") for key in SCHOOL_NUMBERS}
    labels = {key: term_label(profile, key) for key in [*terms, *numbers]}
    return render_template("staff/people/school.html", school=school, values=values, errors=errors,
                           terms=terms, numbers=numbers, labels=labels), status


@bp.get("/schools/<int:school_id>")
@access.allowed(access.is_admin)
def school(school_id: int) -> Any:
    """Show a school's name and its own defaults, to change, and deactivate or reactivate it."""
    found = _school(school_id)
    values = {"name": found.name} | {f"override-{k}": str(v) for k, v in (found.overrides or {}).items()}
    return _school_page(found, values, {})


@bp.post("/schools/<int:school_id>")
@lines_allowed("override-*")
@access.allowed(access.is_admin)
def school_submit(school_id: int) -> Any:
    """Rename a school and set its own defaults (an empty one takes the trust's)."""
    found = _school(school_id)
    given = {key.removeprefix("override-"): value for key, value in request.form.items()
             if key.startswith("override-")}
    try:
        change_school(found.id, current_user.trust_id, name=request.form.get("name", ""), active=found.active,
                      overrides=given, actor=current_user.label)
    except FieldError as exc:
        db.session.rollback()
        return _school_page(_school(school_id), dict(request.form), field_errors(exc), status=400)
    flash("The school has been saved.", "success")
    return redirect(url_for("staff.school", school_id=found.id), code=303)


@bp.post("/schools/<int:school_id>/active")
@access.allowed(access.is_admin)
def school_active(school_id: int) -> Response:
    """Deactivate a school (no new documents for it; its documents stay) or make it active again."""
    found = set_school_active(_school(school_id).id, current_user.trust_id, active=request.form.get("active") == "yes",
                              actor=current_user.label)
    flash(f"{found.name} is {'active again' if found.active else 'deactivated: no new documents can be made for it'}.",
          "success")
    return redirect(url_for("staff.school", school_id=found.id), code=303)


def _staff() -> list[User]:
    return list(db.session.scalars(select(User).where(User.trust_id == current_user.trust_id)
                                   .order_by(User.active.desc(), User.name)))


def _person_page(template: str, values: dict[str, Any], errors: dict[str, str], status: int = 200,
                 **extra: Any) -> Any:
    active = [s for s in _schools() if s.active or str(s.id) in values.get("schools", [])]
    return render_template(template, values=values, errors=errors, schools=active, roles=ROLE_NAMES,
                           role_hints=ROLE_HINTS, **extra), status


def _picked_schools() -> list[int]:
    return [int(v) for v in request.form.getlist("schools") if v.isdigit()]


def _form_values() -> dict[str, Any]:
    return {"name": request.form.get("name", ""), "email": request.form.get("email", ""),
            "role": request.form.get("role", ""), "schools": request.form.getlist("schools")}


@bp.get("/people")
@access.allowed(access.is_admin)
def staff() -> Any:
    """List the trust's staff with their role and schools."""
    return render_template("staff/people/staff.html", staff=_staff(), roles=ROLE_NAMES)


@bp.get("/people/invite")
@access.allowed(access.is_admin)
def invite() -> Any:
    """Show the form to invite someone to the trust."""
    return _person_page("staff/people/invite.html", {"role": Role.STAFF.value, "schools": []}, {})


@bp.post("/people/invite")
@access.allowed(access.is_admin)
def invite_submit() -> Any:
    """Add someone to the trust and email them a sign-in link."""
    try:
        user = create_user(request.form.get("email", ""), name=request.form.get("name", ""),
                           role=request.form.get("role", ""), trust_slug=current_user.trust.slug,
                           schools=_picked_schools(), actor=current_user.label, invite=True)
    except FieldError as exc:
        db.session.rollback()
        return _person_page("staff/people/invite.html", _form_values(), field_errors(exc), status=400)
    flash(f"{user.name} has been added and emailed a link to sign in.", "success")
    return redirect(url_for("staff.staff"), code=303)


@bp.get("/people/<int:user_id>")
@access.allowed(access.is_admin)
def person(user_id: int) -> Any:
    """Show a member of staff's name, role and schools, to change, and deactivate or reactivate them."""
    found = _member(user_id)
    values = {"name": found.name, "role": found.role, "schools": [str(s.id) for s in found.schools]}
    return _person_page("staff/people/person.html", values, {}, person=found)


@bp.post("/people/<int:user_id>")
@access.allowed(access.is_admin)
def person_submit(user_id: int) -> Any:
    """Change a member of staff's name, role and schools (a new role signs them out)."""
    found = _member(user_id)
    try:
        change_user(found.id, current_user.trust_id, name=request.form.get("name", ""),
                    role=request.form.get("role", ""), schools=_picked_schools(), actor=current_user.label,
                    by_id=current_user.id)
    except FieldError as exc:
        db.session.rollback()
        return _person_page("staff/people/person.html", _form_values(), field_errors(exc), status=400,
                            person=_member(user_id))
    flash(f"{found.name} has been saved.", "success")
    return redirect(url_for("staff.person", user_id=found.id), code=303)


@bp.post("/people/<int:user_id>/deactivate")
@access.allowed(access.is_admin)
def deactivate(user_id: int) -> Any:
    """Stop a member of staff signing in and end every session they have now."""
    found = _member(user_id)
    try:
        deactivate_staff(found.id, current_user.trust_id, by_id=current_user.id, actor=current_user.label)
    except FieldError as exc:
        db.session.rollback()
        found = _member(user_id)
        values = {"name": found.name, "role": found.role, "schools": [str(s.id) for s in found.schools]}
        return _person_page("staff/people/person.html", values, field_errors(exc), status=400, person=found)
    flash(f"{found.name} has been deactivated and signed out everywhere.", "success")
    return redirect(url_for("staff.person", user_id=found.id), code=303)


@bp.post("/people/<int:user_id>/reactivate")
@access.allowed(access.is_admin)
def reactivate(user_id: int) -> Response:
    """Let a deactivated member of staff sign in again."""
    found = reactivate_user(_member(user_id).id, current_user.trust_id, actor=current_user.label)
    flash(f"{found.name} can sign in again.", "success")
    return redirect(url_for("staff.person", user_id=found.id), code=303)

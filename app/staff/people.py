"""A trust's schools and staff: add, change and deactivate them (the staff pages and `flask users` call these)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..documents.people import email_address, person_name
from ..extensions import db
from ..inputs import InputInvalid, clean_line, clean_text
from ..kinds import FieldError, school_key, terms_of
from ..trusts.models import School, Trust
from .auth import bump_session_generation, queue_invitation
from .models import Role, User

# The defaults a school may set over its trust's: the terms, and how long until a contract is reviewed.
SCHOOL_NUMBERS = {"review_period_months": (1, 60)}


def _school_name(name: str) -> str:
    try:
        name = " ".join(clean_line(name, "name", max_length=200).split())
    except InputInvalid as exc:
        raise FieldError([f"name: {exc.message}"]) from None
    if not name:
        raise FieldError(["name: Enter the school's name"])
    return name


def _same_name(trust_id: int, name: str, other_than: int | None = None) -> School | None:
    found = db.session.scalars(select(School).where(School.trust_id == trust_id))
    return next((s for s in found if school_key(s.name) == school_key(name) and s.id != other_than), None)


def find_or_add_school(trust: Trust, name: str, *, actor: str) -> School:
    """Return the trust's school of this name (spaces and case aside), adding it if there is none; no commit."""
    name = _school_name(name)
    school = _same_name(trust.id, name)
    if school is None:
        school = School(trust=trust, name=name, active=True, overrides={})
        db.session.add(school)
        db.session.flush()
        audit.record(EventType.SCHOOL_ADDED, actor=actor, details={"school": school.id, "name": name})
    return school


def add_school(trust: Trust, name: str, *, actor: str) -> School:
    """Add a school to a trust; refuse a second school with the same name."""
    name = _school_name(name)
    with transaction():
        if _same_name(trust.id, name) is not None:
            raise FieldError([f"name: {trust.name} already has a school called {name}"])
        return find_or_add_school(trust, name, actor=actor)


def change_school(school_id: int, trust_id: int, *, name: str, active: bool, overrides: dict[str, str],
                  actor: str) -> School:
    """Rename, (de)activate and set a school's own defaults; a blank override takes the trust's."""
    with transaction():
        school = db.session.get(School, school_id)
        if school is None or school.trust_id != trust_id:
            raise LookupError(school_id)
        name = _school_name(name)
        if _same_name(trust_id, name, other_than=school.id) is not None:
            raise FieldError([f"name: there is already a school called {name}"])
        kept, problems = _overrides(school.trust.profile, overrides)
        if problems:
            raise FieldError(problems)
        before = {"name": school.name, "active": school.active, "overrides": sorted(school.overrides or {})}
        school.name, school.active, school.overrides = name, active, kept
        audit.record(EventType.SCHOOL_CHANGED, actor=actor, details={
            "school": school.id, "before": before, "name": name, "active": active, "overrides": sorted(kept)})
    return school


def _overrides(profile: dict[str, Any], given: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Return the overrides a school keeps from what was given, and the problems with them."""
    terms = terms_of(profile)
    kept: dict[str, Any] = {}
    problems = []
    for key, value in given.items():
        if not value.strip():
            continue
        if key in terms:
            try:
                kept[key] = clean_text(value, key, max_length=20000)
            except InputInvalid as exc:
                problems.append(f"override-{key}: {exc.message}")
        elif key in SCHOOL_NUMBERS:
            low, high = SCHOOL_NUMBERS[key]
            if not value.strip().isdigit() or not low <= int(value) <= high:
                problems.append(f"override-{key}: must be a whole number from {low} to {high}")
            else:
                kept[key] = int(value)
        else:
            problems.append(f"override-{key}: not a default a school can set")
    return kept, problems


def _schools(trust: Trust, ids_or_names: list[Any], *, actor: str, add: bool) -> list[School]:
    """Return the trust's schools given by id (the pages) or name (the command line, adding any new one)."""
    found = []
    for given in ids_or_names:
        if isinstance(given, int):
            school = db.session.get(School, given)
            if school is None or school.trust_id != trust.id:
                raise FieldError(["schools: choose schools of your trust"])
        elif add:
            school = find_or_add_school(trust, given, actor=actor)
        else:
            school = _same_name(trust.id, given)
            if school is None:
                raise FieldError([f"schools: {trust.name} has no school called {given}"])
        if school not in found:
            found.append(school)
    return found


def create_user(email: str, *, name: str, role: str, trust_slug: str, school: str | list[str] | None = None,
                schools: list[int] | None = None, actor: str = "command line", invite: bool = False) -> User:
    """Add a person to a trust, in their schools (given by name, added if new, or by id); optionally invite them.

    Raise ValueError (a FieldError for the pages) with a clear message for bad input.
    """
    # The same rules as a party's name and address on the create form and the document commands.
    email = email_address(email)
    name = person_name(name)
    names = [school] if isinstance(school, str) else list(school or [])
    names = [n for n in (clean_line(n, "school") for n in names) if n.strip()]
    if role not in {r.value for r in Role}:
        raise FieldError([f"role: must be one of {', '.join(r.value for r in Role)}"])
    if role == Role.LEAD and not names and not schools:
        raise FieldError(["schools: a safeguarding lead needs --school (a school they lead)"])
    trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
    if trust is None:
        raise FieldError([f"no trust {trust_slug!r} is installed"])
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise FieldError([f"email: {email} already has an account"])
    with transaction():
        chosen = _schools(trust, [*(schools or []), *names], actor=actor, add=True)
        user = User(email=email, name=name, role=role, trust=trust, school=chosen[0].name if chosen else None)
        user.schools = chosen
        db.session.add(user)
        db.session.flush()
        if invite:
            queue_invitation(user, actor=actor)
            audit.record(EventType.STAFF_INVITED, actor=actor, details={
                "user": user.id, "role": role, "schools": [s.id for s in chosen]})
    return user


def change_user(user_id: int, trust_id: int, *, name: str, role: str, schools: list[int], actor: str) -> User:
    """Change a member of staff's name, role and schools; a role change ends their sessions."""
    name = person_name(name)
    if role not in {r.value for r in Role}:
        raise FieldError([f"role: must be one of {', '.join(r.value for r in Role)}"])
    with transaction():
        user = db.session.get(User, user_id)
        if user is None or user.trust_id != trust_id:
            raise LookupError(user_id)
        chosen = _schools(user.trust, schools, actor=actor, add=False)
        if role == Role.LEAD and not chosen:
            raise FieldError(["schools: a safeguarding lead needs at least one school"])
        before = {"name": user.name, "role": user.role, "schools": [s.id for s in user.schools]}
        role_changed = user.role != role
        user.name, user.role, user.schools = name, role, chosen
        user.school = chosen[0].name if chosen else None
        db.session.flush()
        if role_changed:
            bump_session_generation(user)  # what they may do changed: sign in again under the new role
        audit.record(EventType.STAFF_CHANGED, actor=actor, details={
            "user": user.id, "before": before, "role": role, "schools": [s.id for s in chosen]})
    return user


def deactivate_user(email: str, *, actor: str, trust_id: int | None = None) -> User:
    """Stop a person signing in and end their sessions now; raise ValueError if there is no such account."""
    address = email.strip().lower()
    with transaction():
        user = db.session.scalar(select(User).where(func.lower(User.email) == address).with_for_update())
        if user is None or (trust_id is not None and user.trust_id != trust_id):
            raise ValueError(f"{address} has no account")
        was_active = user.active
        user.active = False
        db.session.flush()
        bump_session_generation(user)  # also if already inactive: reactivation must not revive old sessions
        audit.record(EventType.USER_DEACTIVATED, actor=actor, details={"user": user.id, "was_active": was_active})
    return user


def reactivate_user(user_id: int, trust_id: int, *, actor: str) -> User:
    """Let a deactivated member of staff sign in again (their old sessions stay ended)."""
    with transaction():
        user = db.session.get(User, user_id)
        if user is None or user.trust_id != trust_id:
            raise LookupError(user_id)
        user.active = True
        audit.record(EventType.STAFF_CHANGED, actor=actor, details={"user": user.id, "reactivated": True})
    return user

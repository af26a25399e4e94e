"""A trust's schools and staff: add, change and deactivate them (the staff pages and `flask users` call these)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

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

Row = TypeVar("Row", School, User)
# The defaults a school may set over its trust's: the terms, and how long until a contract is reviewed.
SCHOOL_NUMBERS = {"review_period_months": (1, 60)}
ROLE_WORDS = ("admin", "lead (a school's safeguarding lead)", "staff")
# Words that do not tell two schools apart: "Oakfield Primary" and "The Oakfield Primary School" are one school.
_GENERIC_WORDS = frozenset({"the", "school", "academy", "and"})


def _school_name(name: str) -> str:
    try:
        name = " ".join(clean_line(name, "name", max_length=200).split())
    except InputInvalid as exc:
        raise FieldError([f"name: {exc.message}"]) from None
    if not name:
        raise FieldError(["name: Enter the school's name"])
    return name


def similar_key(name: str) -> str:
    """Return how a school's name compares with the trust's others: case, spaces, punctuation and generic words aside."""
    words = re.sub(r"[^\w\s]", " ", school_key(name).replace("&", " and ")).split()
    kept = [w for w in words if w not in _GENERIC_WORDS]
    return " ".join(kept or words)


def _same_name(trust_id: int, name: str, other_than: int | None = None) -> School | None:
    """Return the trust's school whose name is this one's or so like it that they would be taken for one school."""
    found = db.session.scalars(select(School).where(School.trust_id == trust_id).order_by(School.id))
    wanted = similar_key(name)
    return next((s for s in found if similar_key(s.name) == wanted and s.id != other_than), None)


def _taken(school: School, name: str) -> str:
    if school_key(school.name) == school_key(name):
        return f"name: There is already a school called {school.name}"
    return (f"name: The trust already has {school.name}, and “{name}” would be taken for the same school. "
            "Change that school's name instead, or give this one a name that tells them apart")


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
        if (same := _same_name(trust.id, name)) is not None:
            raise FieldError([_taken(same, name)])
        return find_or_add_school(trust, name, actor=actor)


def change_school(school_id: int, trust_id: int, *, name: str, active: bool, overrides: dict[str, str],
                  actor: str) -> School:
    """Rename, (de)activate and set a school's own defaults; a blank override takes the trust's."""
    with transaction():
        school = of_trust(School, school_id, trust_id)
        problems = []
        try:
            name = _school_name(name)
        except FieldError as exc:
            problems += exc.problems
        else:
            if (same := _same_name(trust_id, name, other_than=school.id)) is not None:
                problems.append(_taken(same, name))
        kept, wrong = _overrides(school.trust.profile, overrides)
        if problems or wrong:
            raise FieldError(problems + wrong)
        before = {"name": school.name, "active": school.active, "overrides": sorted(school.overrides or {})}
        school.name, school.active, school.overrides = name, active, kept
        audit.record(EventType.SCHOOL_CHANGED, actor=actor, details={
            "school": school.id, "before": before, "name": name, "active": active, "overrides": sorted(kept)})
    return school


def set_school_active(school_id: int, trust_id: int, *, active: bool, actor: str) -> School:
    """Deactivate a school (no new documents are made for it; its documents stay) or make it active again."""
    with transaction():
        school = of_trust(School, school_id, trust_id)
        before = school.active
        school.active = active
        audit.record(EventType.SCHOOL_CHANGED, actor=actor, details={
            "school": school.id, "before": {"active": before}, "active": active})
    return school


def of_trust(model: type[Row], row_id: int, trust_id: int) -> Row:
    """Return the trust's school or member of staff with this id; raise LookupError for another trust's or none."""
    row = db.session.get(model, row_id)
    if row is None or row.trust_id != trust_id:
        raise LookupError(row_id)
    return row


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

    Raise FieldError naming each field that is wrong (the pages show each beside its field); nothing is added then.
    """
    problems: list[str] = []
    # The same rules as a party's name and address on the create form and the document commands.
    try:
        email = email_address(email)
    except InputInvalid as exc:
        problems.append(f"email: {exc.message}")
    try:
        name = person_name(name)
    except InputInvalid as exc:
        problems.append(f"name: {exc.message}")
    names = [school] if isinstance(school, str) else list(school or [])
    names = [n for n in (clean_line(n, "school") for n in names) if n.strip()]
    if role not in {r.value for r in Role}:
        problems.append("role: Choose the role: " + ", ".join(ROLE_WORDS))
    if role == Role.LEAD and not names and not schools:
        problems.append("schools: Choose the school or schools a safeguarding lead leads" if schools is not None
                        else "schools: a safeguarding lead needs --school (a school they lead)")
    trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
    if trust is None:
        raise FieldError([f"no trust {trust_slug!r} is installed"])
    if not problems and db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        problems.append(f"email: {email} already has an account")
    if problems:
        raise FieldError(problems)
    with transaction():
        chosen = _schools(trust, [*(schools or []), *names], actor=actor, add=True)
        user = User(email=email, name=name, role=role, trust=trust, school=chosen[0].name if chosen else None)
        user.schools = chosen
        db.session.add(user)
        db.session.flush()
        if invite:
            queue_invitation(user, actor=actor)  # sent after commit
            audit.record(EventType.STAFF_INVITED, actor=actor, details={
                "user": user.id, "role": role, "schools": [s.id for s in chosen]})
    return user


def change_user(user_id: int, trust_id: int, *, name: str, role: str, schools: list[int], actor: str,
                by_id: int | None = None) -> User:
    """Change a member of staff's name, role and schools; a role change ends their sessions.

    by_id is who asks (the pages): nobody changes their own role, and a trust keeps an admin.
    """
    problems = []
    try:
        name = person_name(name)
    except InputInvalid as exc:
        problems.append(f"name: {exc.message}")
    if role not in {r.value for r in Role}:
        problems.append("role: Choose the role: " + ", ".join(ROLE_WORDS))
    with transaction():
        user = of_trust(User, user_id, trust_id)
        try:
            chosen = _schools(user.trust, schools, actor=actor, add=False)
        except FieldError as exc:
            problems += exc.problems
            chosen = []
        if role == Role.LEAD and not chosen and not any(p.startswith("schools:") for p in problems):
            problems.append("schools: Choose the school or schools a safeguarding lead leads")
        if user.role != role and user.id == by_id:
            problems.append("role: You cannot change your own role: another admin of the trust can")
        elif user.role == Role.ADMIN and role != Role.ADMIN and user.active and _other_admins(user) == 0:
            problems.append(f"role: {user.name} is the trust's only admin: make someone else an admin first")
        if problems:
            raise FieldError(problems)
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


def _other_admins(user: User) -> int:
    """Return how many active admins the person's trust has besides them."""
    return db.session.scalar(select(func.count(User.id)).where(
        User.trust_id == user.trust_id, User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)) or 0


def deactivate_staff(user_id: int, trust_id: int, *, by_id: int, actor: str) -> User:
    """Deactivate a member of staff from the pages: never yourself, never the trust's last admin."""
    with transaction():
        user = of_trust(User, user_id, trust_id)
        if user.id == by_id:
            raise FieldError(["form: You cannot deactivate your own account"
                              + ("" if _other_admins(user) else ": you are the trust's only admin")
                              + ". Another admin of the trust can."])
        if user.role == Role.ADMIN and user.active and _other_admins(user) == 0:
            raise FieldError([f"form: {user.name} is the trust's only admin and cannot be deactivated"])
        _deactivate(user, actor=actor)
    return user


def deactivate_user(email: str, *, actor: str, trust_id: int | None = None) -> User:
    """Stop a person signing in and end their sessions now; raise ValueError if there is no such account."""
    address = email.strip().lower()
    with transaction():
        user = db.session.scalar(select(User).where(func.lower(User.email) == address).with_for_update())
        if user is None or (trust_id is not None and user.trust_id != trust_id):
            raise ValueError(f"{address} has no account")
        _deactivate(user, actor=actor)
    return user


def _deactivate(user: User, *, actor: str) -> None:
    was_active = user.active
    user.active = False
    db.session.flush()
    bump_session_generation(user)  # also if already inactive: reactivation must not revive old sessions
    audit.record(EventType.USER_DEACTIVATED, actor=actor, details={"user": user.id, "was_active": was_active})


def reactivate_user(user_id: int, trust_id: int, *, actor: str) -> User:
    """Let a deactivated member of staff sign in again (their old sessions stay ended)."""
    with transaction():
        user = of_trust(User, user_id, trust_id)
        user.active = True
        audit.record(EventType.STAFF_CHANGED, actor=actor, details={"user": user.id, "reactivated": True})
    return user

"""Who takes part in a document made on the create page: the trust's staff, picked from a list the server
narrows by a search (no script needed), or an external supervisor by name and email; and the school, chosen.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from ..documents.people import Person, email_address, person_name
from ..extensions import db
from ..inputs import InputInvalid
from ..kinds import FieldError, Kind, school_key
from . import access
from .models import User

SHOWN = 50  # the most staff one list offers; a search narrows it
SEARCH_ACTIONS = {"search-supervisor": "supervisor_search", "search-supervisees": "supervisee_search"}


def given_ids(values: Any, name: str) -> list[int]:
    """Return the staff ids a form (or prefilled values) picked in a field, in order."""
    raw = values.getlist(name) if hasattr(values, "getlist") else values.get(name, [])
    raw = [raw] if isinstance(raw, str | int) else raw
    return [int(v) for v in raw if str(v).isdigit()]


def staff_choices(trust_id: int, search: str, keep: list[int]) -> list[User]:
    """Return the trust's active staff whose name or email holds search (all when empty), and those already picked."""
    query = select(User).where(User.trust_id == trust_id, User.active.is_(True)).order_by(User.name)
    words = search.strip().lower()
    if words:
        query = query.where(or_(User.id.in_(keep or [0]),
                                func.lower(User.name).contains(words, autoescape=True),
                                func.lower(User.email).contains(words, autoescape=True)))
    return list(db.session.scalars(query.limit(SHOWN + len(keep))))


def _staff(trust_id: int, user_id: int) -> Person | None:
    user = db.session.get(User, user_id)
    if user is None or user.trust_id != trust_id or not user.active:
        return None
    return Person(user.name, user.email)


def people_from_form(spec: Kind, form: Any, trust_id: int) -> tuple[Person | None, list[Person]]:
    """Return the supervisor and supervisees a create form picked; raise FieldError naming each field at fault.

    A picked id must be active staff of the trust (another trust's id is refused); an external
    supervisor's name and address are checked the same way as everywhere else (email-validator).
    """
    problems: list[str] = []
    supervisor = None
    if not spec.answered_online:
        picked = given_ids(form, "supervisor")
        external = (form.get("external_name", "").strip(), form.get("external_email", "").strip())
        if picked and any(external):
            problems.append("external_name: Leave the external supervisor empty when you choose one from your staff")
        elif picked:
            supervisor = _staff(trust_id, picked[0])
            if supervisor is None:
                problems.append("supervisor: Choose the supervisor from your trust's staff")
        elif any(external):
            supervisor = _external(*external, problems)
        else:
            problems.append("supervisor: Choose the supervisor from your trust's staff, or give an external "
                            "supervisor's name and email")
    supervisees = []
    for user_id in given_ids(form, "supervisees"):
        person = _staff(trust_id, user_id)
        if person is None:
            problems.append("supervisees: Choose supervisees from your trust's staff")
            break
        supervisees.append(person)
    if not supervisees and not any(p.startswith("supervisees") for p in problems):
        problems.append("supervisees: Choose each supervisee" if spec.many_supervisees
                        else "supervisees: Choose the supervisee")
    if len(supervisees) > 1 and not spec.many_supervisees:
        problems.append(f"supervisees: A {spec.title.lower()} has one supervisee")
    if problems:
        raise FieldError(problems)
    return supervisor, supervisees


def _external(name: str, email: str, problems: list[str]) -> Person | None:
    """Return an external supervisor, or add what is wrong with their name or address to problems."""
    person = []
    for field, text, check in (("external_name", name, person_name), ("external_email", email, email_address)):
        if not text:
            problems.append(f"{field}: Enter the external supervisor's {'full name' if field == 'external_name' else 'email address'}")
            continue
        try:
            person.append(check(text))
        except InputInvalid as exc:
            what = "name" if field == "external_name" else "email address"
            problems.append(f"{field}: The {what} {exc.message}")
    return Person(*person) if len(person) == 2 else None


def school_problem(user: User, school: str) -> str | None:
    """Say why a page may not make a document for this school: it must be one of the active schools offered."""
    if school_key(school) not in {school_key(value) for value, _text in access.school_options(user)}:
        return "school: Choose one of your trust's schools"
    return None


def prefilled_people(user: User, supervisor: Person | None, supervisees: list[Person]) -> dict[str, Any]:
    """Return the create form's values naming these people: staff by id, an external supervisor by name and email."""
    def staff_id(person: Person) -> int | None:
        return db.session.scalar(select(User.id).where(User.trust_id == user.trust_id, User.active.is_(True),
                                                       func.lower(User.email) == person.email.lower()))

    values: dict[str, Any] = {"supervisees": [str(i) for p in supervisees if (i := staff_id(p))]}
    if supervisor is not None:
        found = staff_id(supervisor)
        if found:
            values["supervisor"] = str(found)
        else:
            values |= {"external_name": supervisor.name, "external_email": supervisor.email}
    return values

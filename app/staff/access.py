"""Who may see and manage which documents: every staff route goes through here.

Nobody ever sees another trust's records: a request for one is answered as not found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, exists, or_, select

from ..documents.models import Document, Party
from ..extensions import db
from ..kinds import school_key
from ..trusts.models import School
from .models import Role, User, user_school


def _is_party(user: User) -> object:
    # Correlate only the document: a query that joins parties itself must not swallow this test's own.
    return exists().where(Party.document_id == Document.id, Party.email == user.email.lower()).correlate_except(Party)


def _led_schools(user: User) -> Select:
    """Return the names of the schools a lead leads, as a subquery (a lead may lead several)."""
    return (select(School.name).join(user_school, user_school.c.school_id == School.id)
            .where(user_school.c.user_id == user.id))


def school_names(user: User) -> list[str]:
    """Return the names of the person's schools."""
    return [s.name for s in user.schools]


def school_options(user: User) -> list[tuple[str, str]]:
    """Return the schools the person may make documents for, as (value, text) for a select."""
    if user.role == Role.ADMIN:
        schools = db.session.scalars(
            select(School).where(School.trust_id == user.trust_id, School.active.is_(True)).order_by(School.name))
        return [(s.name, s.name) for s in schools]
    if user.role == Role.LEAD:
        return [(s.name, s.name) for s in user.schools if s.active]
    return []


def visible(user: User, query: Select | None = None) -> Select:
    """Narrow a document query to what the user may see."""
    query = query if query is not None else select(Document)
    query = query.where(Document.trust_id == user.trust_id)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.LEAD:
        return query.where(or_(Document.school.in_(_led_schools(user)), Document.created_by_id == user.id, _is_party(user)))
    return query.where(_is_party(user))


def document_for(user: User, document_id: int) -> Document:
    """Return a document the user may see, or answer 404."""
    document = db.session.scalar(visible(user).where(Document.id == document_id))
    if document is None:
        abort(404)
    return document


def can_manage(user: User, document: Document) -> bool:
    """Return whether the user may act on a document (resend, cancel, revise, reissue)."""
    if document.trust_id != user.trust_id:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.LEAD:
        return document.school in school_names(user) or document.created_by_id == user.id
    return False


def managed_document(user: User, document_id: int) -> Document:
    """Return a document the user may act on: 404 if they cannot see it, 403 if only see it."""
    document = document_for(user, document_id)
    if not can_manage(user, document):
        abort(403)
    return document


def can_create(user: User) -> bool:
    """Return whether the user may create documents and run annual reviews."""
    return user.role in (Role.ADMIN, Role.LEAD)


def creation_problem(user: User, school: str) -> str | None:
    """Say why the user may not create a document for a school, or None when they may.

    A lead creates only for the schools they lead; an admin for any school of their trust (the
    pages offer the trust's schools to choose from; the commands and the API name one).
    """
    wanted = school_key(school)
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.LEAD and wanted in {school_key(n) for n in school_names(user)}:
        return None
    if user.role == Role.LEAD:
        return f"school: You can create documents only for {' or '.join(school_names(user)) or 'your school'}"
    return "school: You cannot create documents"


def is_admin(user: User) -> bool:
    """Return whether the user manages the trust (its settings, forms and staff)."""
    return user.role == Role.ADMIN


def signed_in(user: User) -> bool:
    """Any signed-in member of staff."""
    return True


def allowed(check: Callable[[User], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a staff route run only for a signed-in person who passes check; others get 403 (or sign in)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        checked.access_check = check  # type: ignore[attr-defined]  # read by the access tests
        return login_required(checked)

    return decorate

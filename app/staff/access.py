"""Who may see and manage which documents: every staff route goes through here.

Nobody ever sees another trust's records: a request for one is answered as not found.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, exists, or_, select

from ..documents.models import Document, Party
from ..extensions import db
from .models import Role, User


def _is_party(user: User) -> object:
    return exists().where(Party.document_id == Document.id, Party.email == user.email.lower())


def visible(user: User, query: Select | None = None) -> Select:
    """Narrow a document query to what the user may see."""
    query = query if query is not None else select(Document)
    query = query.where(Document.trust_id == user.trust_id)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.LEAD:
        return query.where(or_(Document.school == (user.school or ""), Document.created_by_id == user.id, _is_party(user)))
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
        return document.school == (user.school or "") or document.created_by_id == user.id
    return False


def managed_document(user: User, document_id: int) -> Document:
    """Return a document the user may act on: 404 if they cannot see it, 403 if only see it."""
    document = document_for(user, document_id)
    if not can_manage(user, document):
        abort(403)
    return document


def can_create(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.LEAD)

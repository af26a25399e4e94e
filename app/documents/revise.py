"""Revise a document into a new version sent to everyone again, or cancel it."""

from __future__ import annotations

from datetime import date

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..inputs import InputInvalid, clean_line, clean_text
from ..jobs import Job, dispatch
from ..kinds import FieldError, kind, resolve_fields
from ..trusts.schools import profile_for
from .links import revoke_open_links
from .models import Document, DocumentVersion
from .records import NotAllowed, locked_document
from .states import State

REVISABLE = (State.CHANGES_REQUESTED, State.AWAITING_AGREEMENT)


def revise(document_id: int, *, fields: dict[str, str], note: str, actor: str) -> Document:
    """Make a new version from the current one with changed fields, and send it to everyone.

    A version that changes nothing needs a note saying why it is sent again (after a change request
    the author may decide to change nothing, and say why).
    """
    try:
        note = clean_line(note, "note", max_length=500)
    except InputInvalid as exc:
        raise FieldError([str(exc)]) from None
    with transaction():
        document = locked_document(document_id)
        if document.state not in REVISABLE:
            raise NotAllowed(f"a document that is {document.state} cannot be revised")
        current = document.version
        merged = {k: v for k, v in current.fields.items() if k != "terms"}
        merged.update(current.fields["terms"])
        merged.update(fields)
        resolved = resolve_fields(kind(document.kind), merged, profile_for(document.trust), date.today())
        if resolved == current.fields and not note:  # it would send everyone the same document again
            raise FieldError([f"note: nothing differs from version {current.number}: change what needs changing, "
                              "or say here why you are sending it again"])
        current.superseded_at = utcnow()
        revoke_open_links(current)
        version = DocumentVersion(number=current.number + 1, fields=resolved, note=note or None)
        document.versions.append(version)
        document.take_fields(version)
        document.move_to(State.PREPARING)
        db.session.flush()
        audit.record(
            EventType.REVISED,
            document_id=document.id,
            actor=actor,
            details={"from_version": current.number, "version": version.number, "note": note},
        )
        dispatch(Job.PREPARE_VERSION, version.id)
    return document


def cancel(document_id: int, *, reason: str, actor: str) -> Document:
    """Cancel a document that is not yet agreed; its links stop working."""
    try:
        reason = clean_text(reason, "reason", max_length=500)
    except InputInvalid as exc:
        raise FieldError([str(exc)]) from None
    with transaction():
        document = locked_document(document_id)
        document.move_to(State.CANCELLED)
        audit.record(EventType.CANCELLED, document_id=document.id, actor=actor, details={"reason": reason})
    return document

"""Personal details in audit events: committed to by a salted hash, so they can be erased later.

The chain hashes, for each event written since this scheme began, a commitment to its actor, IP,
user agent and personal details (SHA-256 over a random 256-bit salt and the values) instead of the
values. Erasing a destroyed record's events drops the salt and blanks the values: the commitment
still sits in the chained hash, so the chain verifies, and without the salt it reveals nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .models import AuditEvent, AuditPersonal

# Detail keys that name or describe a person, or carry what they wrote.
PERSONAL_DETAILS = frozenset({"to", "typed_name", "reason", "note", "error", "email", "name", "person"})
ERASED = "[erased]"
ERASING_EVENT = "record_destroyed"


def new_salt() -> str:
    """Return a fresh random salt for one event."""
    return secrets.token_hex(32)


def split_details(details: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (public, personal) parts of an event's details."""
    public = {k: v for k, v in details.items() if k not in PERSONAL_DETAILS}
    personal = {k: v for k, v in details.items() if k in PERSONAL_DETAILS}
    return public, personal


def commitment(salt: str, *, actor: str, ip: str | None, user_agent: str | None, personal: dict[str, Any]) -> str:
    """Return the salted hash of an event's personal values."""
    body = json.dumps(
        {"salt": salt, "actor": actor, "ip": ip, "ua": user_agent, "details": personal},
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def erase_document_events(document_id: int, *, by_seq: int) -> int:
    """Blank the personal values of a document's erasable events before by_seq; return how many."""
    rows = db.session.execute(
        select(AuditEvent, AuditPersonal)
        .join(AuditPersonal, AuditPersonal.event_id == AuditEvent.id)
        .where(AuditEvent.document_id == document_id, AuditEvent.seq < by_seq, AuditPersonal.salt.is_not(None))
    ).all()
    now = utcnow()
    for event, personal in rows:
        event.actor, event.ip, event.user_agent = ERASED, None, None
        event.details = split_details(event.details)[0]
        personal.salt, personal.erased_at, personal.erased_by_seq = None, now, by_seq
    db.session.flush()
    return len(rows)


def personal_problem(event: AuditEvent, personal: AuditPersonal | None) -> str | None:
    """Say what is wrong with an erasable event's personal values, or None when they check out."""
    if personal is None:
        return "has lost the salt of its personal details"
    if personal.salt is not None:
        found = commitment(personal.salt, actor=event.actor, ip=event.ip, user_agent=event.user_agent,
                           personal=split_details(event.details)[1])
        return None if found == event.personal_commitment else "had its personal details edited"
    if event.actor != ERASED or event.ip or event.user_agent or split_details(event.details)[1]:
        return "had personal details written after they were erased"
    cause = db.session.scalar(select(AuditEvent.type).where(AuditEvent.seq == personal.erased_by_seq))
    if cause != ERASING_EVENT or (personal.erased_by_seq or 0) <= event.seq:
        return "was erased without a record's destruction to say why"
    return None

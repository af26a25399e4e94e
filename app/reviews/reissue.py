"""Reissue a contract at its annual review: next year's, pre-filled from this one and today's defaults."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..audit.models import AuditEvent
from ..documents.create import create_document
from ..documents.models import Document
from ..documents.people import Person
from ..documents.queries import fields_changed, successor_of
from ..documents.records import NotAllowed, get_document, locked_document
from ..documents.states import State
from ..extensions import db
from ..kinds import CONTRACT_KINDS, kind, terms_of
from ..offers import field_changes
from ..trusts.schools import profile_for

# Fields a reissue never carries over: it is agreed today and the kind computes the review date.
RESET_FIELDS = ("agreed_date", "review_date")


def _events(document_id: int, type: EventType) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.document_id == document_id, AuditEvent.type == type)
            .order_by(AuditEvent.seq)
        )
    )


def overridden_terms(document: Document) -> set[str] | None:
    """Return the terms a contract set itself rather than taking the trust's default, when known.

    Known from the "created" event's "overrides" (where creation records them), or, for a reissue,
    from the "reissued" event of the contract it replaces; terms changed by a later revision count
    too. None when there is no such record: the caller then compares with today's defaults.
    """
    recorded: set[str] | None = None
    created = _events(document.id, EventType.CREATED)
    if created and "overrides" in created[0].details:
        recorded = set(created[0].details["overrides"])
    elif document.previous_document_id is not None:
        for event in _events(document.previous_document_id, EventType.REISSUED):
            if event.details.get("reissue") == document.id:
                recorded = set(event.details.get("overrides", []))
    if recorded is None:
        return None
    first = next(v for v in document.versions if v.number == 1).fields["terms"]
    revised = {k for k, v in document.version.fields["terms"].items() if first.get(k) != v}
    return recorded | revised


def reissue_fields(document: Document, today: date) -> tuple[dict[str, Any], list[str]]:
    """Return the fields a contract's reissue starts from, and the terms it keeps as overrides.

    Each term takes the trust's current default unless the contract had overridden it; fields
    other than terms carry over, except the agreed and review dates.
    """
    fields = document.version.fields
    defaults = terms_of(profile_for(document.trust, document.school))
    known = overridden_terms(document)
    given: dict[str, Any] = {}
    for name in kind(document.kind).field_names:
        if name not in RESET_FIELDS and fields.get(name) not in (None, "", []):
            given[name] = fields[name]
    given["agreed_date"] = today.isoformat()
    kept = []
    for key, value in fields["terms"].items():
        if key not in defaults:
            continue  # no longer a term the trust's forms print
        overridden = key in known if known is not None else value != defaults[key]
        if overridden:
            given[key] = value
            kept.append(key)
    return given, sorted(kept)


def reissue(
    document_id: int, *, actor: str, created_by_id: int | None = None, today: date | None = None
) -> Document | None:
    """Create next year's contract pre-filled from this one; None when it was already reissued.

    The new contract goes to the same parties to agree; sealing it supersedes this one.
    """
    today = today or date.today()
    try:
        # Hold the contract's row until the reissue is committed, so two runs cannot both make one.
        old = locked_document(document_id)
        if old.kind not in CONTRACT_KINDS:
            raise NotAllowed(f"{old.reference} is a {old.kind}, not a contract")
        if successor_of(old) is not None:
            db.session.rollback()
            return None
        if old.state is not State.SEALED:
            raise NotAllowed(f"{old.reference} is {old.state}: only a sealed contract can be reissued")
        fields, kept = reissue_fields(old, today)
        supervisor = next((p for p in old.parties if p.role == "supervisor"), None)

        def record_reissue(new: Document) -> None:
            audit.record(
                EventType.REISSUED,
                document_id=document_id,
                actor=actor,
                details={"reissue": new.id, "reissue_reference": new.reference, "overrides": kept},
            )

        new = create_document(
            trust_slug=old.trust.slug,
            kind_name=old.kind,
            supervisor=Person(supervisor.name, supervisor.email) if supervisor else None,
            supervisees=[Person(p.name, p.email) for p in old.parties if p.role == "supervisee"],
            fields=fields,
            author=Person(old.author_name, old.author_email),
            today=today,
            created_by_id=created_by_id,
            previous_document_id=old.id,
            also=record_reissue,
        )  # commits both, which releases the lock
    except BaseException:
        db.session.rollback()
        raise
    return new


def reissue_changes(document_id: int) -> list[tuple[str, Any, Any]]:
    """Return (field, old, new) for each field or term a reissue changes from the contract it replaces."""
    document = get_document(document_id)
    if document.previous_document_id is None:
        return []
    previous = get_document(document.previous_document_id)
    return field_changes(kind(document.kind), previous.version.fields, document.version.fields)


def labelled_changes(document_id: int) -> list[tuple[str, str, str]]:
    """Return (label, old, new) as text for each change a reissue makes, as a person reads it."""
    document = get_document(document_id)
    if document.previous_document_id is None:
        return []
    previous = get_document(document.previous_document_id)
    return fields_changed(document, previous.version.fields, document.version.fields)

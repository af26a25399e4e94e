"""Create a document from the trust's defaults and what the author gave, and start it off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..extensions import db
from ..jobs import Job, dispatch
from ..kinds import FieldError, Kind, kind, kinds_used, resolve_fields, terms_of
from ..trusts.form_store import NoForm, form_in_use
from ..trusts.models import Trust
from ..trusts.schools import profile_for
from ..trusts.wording import document_name
from .context import long_date
from .links import issue_link
from .models import Document, DocumentVersion, LinkPurpose, Party
from .people import Person, checked_person, pair_key
from .states import State


def create_document(
    *,
    trust_slug: str,
    kind_name: str,
    supervisor: Person | None,
    supervisees: list[Person],
    fields: dict[str, Any],
    author: Person | None = None,
    today: date | None = None,
    created_by_id: int | None = None,
    previous_document_id: int | None = None,
    also: Callable[[Document], None] | None = None,
) -> Document:
    """Create a document and either send its questions (an audit) or prepare it after commit.

    also(document) runs in the same transaction once the document has its id (a reissue records
    itself against the contract it replaces there, so neither is ever kept without the other).
    """
    spec = kind(kind_name)
    trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
    if trust is None:
        raise FieldError([f"no trust {trust_slug!r} is installed (flask trusts load)"])
    # Every way in (form, command, reissue) gives people validated the same way here.
    supervisor = checked_person(supervisor, "supervisor") if supervisor else None
    supervisees = [checked_person(p, "supervisee") for p in supervisees]
    author = checked_person(author, "author") if author else None
    _check_people_and_form(spec, trust, supervisor, supervisees)
    resolved = resolve_fields(spec, fields, profile_for(trust), today or date.today())
    author = author or supervisor or supervisees[0]
    with transaction():
        document = unsaved_document(trust, spec, supervisor, supervisees, resolved, author)
        document.created_by_id = created_by_id
        document.previous_document_id = previous_document_id
        version = document.versions[0]
        db.session.add(document)
        db.session.flush()
        audit.record(
            EventType.CREATED,
            document_id=document.id,
            actor=author.label,
            details={
                "kind": spec.name,
                "trust": trust.slug,
                "version": 1,
                "overrides": sorted(k for k in fields if k in terms_of(profile_for(trust, resolved.get("school")))),
            },
        )
        if also is not None:
            also(document)
        if spec.answered_online:
            for party in document.parties:
                if party.role in spec.agreed_by:
                    issue_link(document, version, party, LinkPurpose.ANSWER)
        else:
            dispatch(Job.PREPARE_VERSION, version.id)
    return document


def _check_people_and_form(spec: Kind, trust: Trust, supervisor: Person | None, supervisees: list[Person]) -> None:
    """Raise FieldError listing every problem with who takes part and the trust's form."""
    problems = []
    if supervisor is None and not spec.answered_online:
        problems.append("supervisor: required")
    if not supervisees:
        problems.append("supervisee: at least one required")
    elif len(supervisees) > 1 and not spec.many_supervisees:
        problems.append(f"a {spec.name} has one supervisee, not {len(supervisees)}")
    emails = [p.email for p in ([supervisor] if supervisor else []) + supervisees]
    if len(set(emails)) != len(emails):
        problems.append("each person must have their own email address")
    if spec.name not in kinds_used(trust.profile):
        problems.append(f"trust {trust.slug!r} does not use {spec.name} documents (its profile's kinds)")
    try:
        form_in_use(trust, spec.name)
    except NoForm as exc:
        problems.append(str(exc))
    if spec.answered_online and not trust.profile.get("audit", {}).get("questions"):
        problems.append(f"trust {trust.slug!r} has no audit questions in its profile")
    if problems:
        raise FieldError(problems)


def unsaved_document(
    trust: Trust, spec: Kind, supervisor: Person | None, supervisees: list[Person], resolved: dict[str, Any],
    author: Person,
) -> Document:
    """Return a document with its parties and first version, not yet added to the session."""
    names = " and ".join(p.name for p in ([supervisor] if supervisor else []) + supervisees)
    when = f" {long_date(resolved['session_date'])}" if resolved.get("session_date") else ""
    document = Document(
        trust=trust,
        kind=spec.name,
        title=f"{document_name(trust.profile, spec.name)}{when}: {names}"[:200],
        state=State.AWAITING_ANSWERS if spec.answered_online else State.PREPARING,
        author_name=author.name,
        author_email=author.email,
        current_version=1,
        pair_key=pair_key(supervisor, supervisees),
        school=resolved.get("school", ""),
    )
    people = ([("supervisor", supervisor)] if supervisor else []) + [("supervisee", p) for p in supervisees]
    for position, (role, person) in enumerate(people):
        document.parties.append(Party(role=role, name=person.name, email=person.email, position=position))
    version = DocumentVersion(number=1, fields=resolved, note="First version")
    document.versions.append(version)
    document.take_fields(version)
    return document

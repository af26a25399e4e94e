"""Read-only questions about documents, shared by the staff pages and the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, false, func, or_, select

from ..audit.models import AuditEvent
from ..db import utcnow
from ..extensions import db
from ..inputs import has_control
from ..kinds import KINDS, Kind, kind
from ..offers import field_changes, label_of
from .models import Answer, Decision, Document, DocumentVersion, Link, LinkPurpose, Party
from .states import State

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # how dates are kept in a version's fields


@dataclass(frozen=True)
class PartyStatus:
    """Where one party stands on a document's current version."""

    party: Party
    answer: Answer | None
    link: Link | None  # their newest live link to answer the current version

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def status(self) -> str:
        """Say in words where the party stands."""
        answer, link = self.answer, self.link
        if answer is not None and answer.decision is Decision.AGREED:
            return f"Agreed {answer.answered_at:%d %B %Y}"
        if answer is not None:
            return f"Asked for changes {answer.answered_at:%d %B %Y}"
        if link is None:
            return "No link sent yet"
        if link.first_viewed_at:
            return f"Viewed {link.first_viewed_at:%d %B %Y}, not answered"
        return f"Sent {link.created_at:%d %B %Y}, not opened"


def party_statuses(document: Document) -> list[PartyStatus]:
    """Return where each party stands on the current version (one query for answers, one for links)."""
    version = document.version
    answers = {a.party_id: a for a in db.session.scalars(select(Answer).where(Answer.version_id == version.id))}
    links: dict[int, Link] = {}
    for link in db.session.scalars(
        select(Link)
        .where(Link.version_id == version.id, Link.revoked_at.is_(None), Link.purpose != LinkPurpose.DOWNLOAD)
        .order_by(Link.id)
    ):
        links[link.party_id] = link  # the newest wins
    return [PartyStatus(p, answers.get(p.id), links.get(p.id)) for p in document.parties]


def version_changes(document: Document) -> list[tuple[int, list[tuple[str, str, str]]]]:
    """Return, for each version after the first, the fields that changed from the one before, by their labels."""
    return [(after.number, fields_changed(document, before.fields, after.fields))
            for before, after in zip(document.versions, document.versions[1:], strict=False)]


def fields_changed(document: Document, before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return (label, old, new) as text for each field and term that differs between two versions' fields."""
    return changes_by_label(kind(document.kind), document.trust.profile, before, after)


def changes_by_label(
    spec: Kind, profile: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """Return (label, old, new) as a person reads them: each field that differs in the form's order, then each term.

    Every list of what changed (emails, the staff pages, the signing page) is made here.
    """
    return [(label_of(spec, profile, name), shown(old), shown(new)) for name, old, new in field_changes(spec, before, after)]


def changes_since_seen(party: Party, version: DocumentVersion) -> tuple[int | None, list[tuple[str, str, str]]]:
    """Return the version a party last saw before this one, and what changed since, by label.

    The last seen is the newest earlier version they opened or answered; else the one before this.
    A first version has nothing before it: (None, []).
    """
    if version.number == 1:
        return None, []
    seen = db.session.scalar(
        select(func.max(DocumentVersion.number))
        .join(Link, Link.version_id == DocumentVersion.id)
        .where(Link.party_id == party.id, DocumentVersion.document_id == version.document_id,
               DocumentVersion.number < version.number,
               or_(Link.first_viewed_at.is_not(None), Link.used_at.is_not(None)))
    )
    number = seen or version.number - 1
    before = db.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == version.document_id,
                                      DocumentVersion.number == number)
    )
    if before is None:
        return None, []
    return number, fields_changed(version.document, before.fields, version.fields)


def has_seen(party: Party, version: DocumentVersion) -> bool:
    """Return whether a party opened or answered this version through any of their links to it."""
    return db.session.scalar(
        select(Link.id)
        .where(Link.party_id == party.id, Link.version_id == version.id,
               or_(Link.first_viewed_at.is_not(None), Link.used_at.is_not(None)))
        .limit(1)
    ) is not None


def long_date(value: date | datetime | str) -> str:
    """Format a date as the forms print it: 23 November 2026."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


def shown(value: Any) -> str:
    """Return a field's value as one line of text, a date as the forms print it (1 December 2026)."""
    if isinstance(value, list):
        return "; ".join(", ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in value)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return long_date(value)
    return "" if value is None else str(value)


def timeline(document_id: int) -> list[AuditEvent]:
    """Return a document's audit events, oldest first."""
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id).order_by(AuditEvent.seq))
    )


def successor_of(document: Document) -> Document | None:
    """Return the reissue that replaces a contract (the newest one not cancelled), if any."""
    return db.session.scalar(
        select(Document)
        .where(Document.previous_document_id == document.id, Document.state != State.CANCELLED)
        .order_by(Document.id.desc())
        .limit(1)
    )


def successors_of(document_ids: list[int]) -> dict[int, Document]:
    """Return, for each of these contracts that has one, the reissue that replaces it (one query)."""
    found: dict[int, Document] = {}
    for reissue in db.session.scalars(
        select(Document)
        .where(Document.previous_document_id.in_(document_ids), Document.state != State.CANCELLED)
        .order_by(Document.id)
    ):
        assert reissue.previous_document_id is not None
        found[reissue.previous_document_id] = reissue  # the newest wins, as successor_of
    return found


def answer_through(link: Link) -> Answer | None:
    """Return the answer a party gave through a link, if they used it."""
    return db.session.scalar(select(Answer).where(Answer.link_id == link.id))


def sealed_through(link: Link, answer: Answer) -> DocumentVersion | None:
    """The sealed version a party agreed through this link, while its download window lasts."""
    version = link.version
    if answer.decision is not Decision.AGREED or version.sealed_file_id is None or version.sealed_at is None:
        return None
    if version.sealed_at + timedelta(days=int(current_app.config["DOWNLOAD_LINK_DAYS"])) <= utcnow():
        return None
    return version


def change_request(document: Document) -> Answer | None:
    """Return the request for changes a document is waiting on, if it is."""
    if document.state is not State.CHANGES_REQUESTED:
        return None
    return db.session.scalar(
        select(Answer).where(Answer.version_id == document.version.id, Answer.decision == Decision.CHANGES_REQUESTED)
    )


@dataclass(frozen=True)
class Search:
    """Filters for a list of documents; anything unrecognised or malformed is ignored."""

    kind: str = ""
    state: str = ""
    school: str = ""
    person: str = ""
    text: str = ""
    created_from: date | None = None
    created_to: date | None = None
    impossible: bool = False  # a filter held text no document can hold: nothing matches

    @classmethod
    def from_args(cls, args: Any) -> Search:
        """Read the filters from a query string."""
        if any(has_control(v) for v in args.values()):
            return cls(impossible=True)
        return cls(
            kind=args.get("kind", "") if args.get("kind") in KINDS else "",
            state=args.get("state", "") if args.get("state") in {s.value for s in State} else "",
            school=args.get("school", ""),
            person=args.get("person", "").strip().lower(),
            text=args.get("q", "").strip(),
            created_from=_date(args.get("from", "")),
            created_to=_date(args.get("to", "")),
        )

    def apply(self, query: Select) -> Select:
        """Narrow a document query by these filters."""
        if self.impossible:
            return query.where(false())
        if self.kind:
            query = query.where(Document.kind == self.kind)
        if self.state:
            query = query.where(Document.state == State(self.state))
        if self.school:
            query = query.where(Document.school == self.school)
        if self.person:
            like = f"%{self.person}%"
            query = query.where(Document.parties.any(or_(func.lower(Party.name).like(like), Party.email.like(like))))
        if self.text:
            query = query.where(Document.title.ilike(f"%{self.text}%"))
        created = func.date(Document.created_at)
        if self.created_from:
            query = query.where(created >= self.created_from)
        if self.created_to:
            query = query.where(created <= self.created_to)
        return query


def latest_of_pair(trust_id: int, pair_key: str, kind_name: str, state: State) -> Document | None:
    """Return the newest document of a kind, in a state, between the same supervisor and supervisees."""
    return db.session.scalar(
        select(Document)
        .where(Document.trust_id == trust_id, Document.pair_key == pair_key, Document.kind == kind_name,
               Document.state == state)
        .order_by(Document.id.desc())
        .limit(1)
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search(visible: Select, filters: Search, limit: int = 500) -> list[Document]:
    """Return the documents of a visible set that match the filters, newest first."""
    return list(db.session.scalars(filters.apply(visible).order_by(Document.id.desc()).limit(limit)))


def schools_in(visible: Select) -> list[str]:
    """Return the schools named on a set of documents, for a filter."""
    query = visible.with_only_columns(Document.school).distinct().where(Document.school != "")
    return sorted(s for s in db.session.scalars(query) if s)

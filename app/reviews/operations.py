"""Annual review of contracts, and chasing personal links: reminders, expiry notices, new links.

Each operation owns its transaction and logs its events; running any of them twice does nothing
the second time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from .. import audit
from ..audit.models import AuditEvent
from ..db import transaction, utcnow
from ..documents import operations as ops
from ..documents.kinds import kind, terms_of
from ..documents.models import Document, DocumentVersion, Link, Party
from ..documents.states import State
from ..extensions import db
from ..mail.operations import queue_email
from ..trusts.models import Trust

CONTRACT_KINDS = ("contract", "group-contract", "clinical-contract")
# Fields a reissue never carries over: it is agreed today and the kind computes the review date.
RESET_FIELDS = ("agreed_date", "review_date")
REMINDER_DEFAULTS = {"first_after_days": 3, "every_days": 4}
CHASED = {"agree": State.AWAITING_AGREEMENT, "answer": State.AWAITING_ANSWERS}
LINK_TEMPLATES = {"agree": "agree_request", "answer": "answer_request"}


def _locked(document_id: int) -> Document:
    """Load a document, locking its row until the transaction ends.

    FOR NO KEY UPDATE (PostgreSQL; SQLite serialises writers anyway) still lets other transactions
    add rows that refer to the document, such as a delivery job's audit event. A plain FOR UPDATE
    blocks their foreign-key check while they hold the audit chain's head, and we then wait for the
    head: a deadlock.
    """
    document = db.session.scalar(
        select(Document)
        .where(Document.id == document_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if document is None:
        raise ops.DocumentNotFound(document_id)
    return document


# --- annual review ------------------------------------------------------------------------------


def review_date(document: Document) -> date | None:
    """Return the review date the contract's current version carries."""
    value = document.version.fields.get("review_date")
    return date.fromisoformat(value) if value else None


def _live_reissues() -> Any:
    """Ids of contracts that already have a reissue not cancelled (a subquery)."""
    return select(Document.previous_document_id).where(
        Document.previous_document_id.is_not(None), Document.state != State.CANCELLED.value
    )


def contracts_due(
    trust_id: int | None, within_days: int, today: date, *, include_reissued: bool = False
) -> list[Document]:
    """Return sealed contracts whose review date falls on or before today + within_days, oldest first.

    A contract already reissued for this cycle is left out unless include_reissued.
    """
    query = select(Document).where(Document.kind.in_(CONTRACT_KINDS), Document.state == State.SEALED.value)
    if trust_id is not None:
        query = query.where(Document.trust_id == trust_id)
    if not include_reissued:
        query = query.where(Document.id.not_in(_live_reissues()))
    limit = today + timedelta(days=within_days)
    due = []
    for document in db.session.scalars(query):
        when = review_date(document)  # kept in the version's fields (JSON), so compared here
        if when is not None and when <= limit:
            due.append((when, document.id, document))
    return [document for _, _, document in sorted(due, key=lambda row: row[:2])]


def successor_of(document: Document) -> Document | None:
    """Return the reissue that replaces a contract (the newest one not cancelled), if any."""
    return db.session.scalar(
        select(Document)
        .where(Document.previous_document_id == document.id, Document.state != State.CANCELLED.value)
        .order_by(Document.id.desc())
        .limit(1)
    )


def _events(document_id: int, type: str) -> list[AuditEvent]:
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
    created = _events(document.id, "created")
    if created and "overrides" in created[0].details:
        recorded = set(created[0].details["overrides"])
    elif document.previous_document_id is not None:
        for event in _events(document.previous_document_id, "reissued"):
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
    defaults = terms_of(document.trust.profile)
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
        old = _locked(document_id)
        if old.kind not in CONTRACT_KINDS:
            raise ops.NotAllowed(f"{old.reference} is a {old.kind}, not a contract")
        if successor_of(old) is not None:
            db.session.rollback()
            return None
        if old.status is not State.SEALED:
            raise ops.NotAllowed(f"{old.reference} is {old.state}: only a sealed contract can be reissued")
        fields, kept = reissue_fields(old, today)
        supervisor = next((p for p in old.parties if p.role == "supervisor"), None)
        new = ops.create_document(
            trust_slug=old.trust.slug,
            kind_name=old.kind,
            supervisor=ops.Person(supervisor.name, supervisor.email) if supervisor else None,
            supervisees=[ops.Person(p.name, p.email) for p in old.parties if p.role == "supervisee"],
            fields=fields,
            author=ops.Person(old.author_name, old.author_email),
            today=today,
            created_by_id=created_by_id,
            previous_document_id=old.id,
        )  # commits, which releases the lock
    except BaseException:
        db.session.rollback()
        raise
    with transaction():
        audit.record(
            "reissued",
            document_id=document_id,
            actor=actor,
            details={"reissue": new.id, "reissue_reference": new.reference, "overrides": kept},
        )
    return new


def reissue_changes(document_id: int) -> list[tuple[str, Any, Any]]:
    """Return (field, old, new) for each field or term a reissue changes from the contract it replaces."""
    document = ops.get_document(document_id)
    if document.previous_document_id is None:
        return []
    previous = ops.get_document(document.previous_document_id)
    old, new = previous.version.fields, document.version.fields
    changes: list[tuple[str, Any, Any]] = []
    for name in kind(document.kind).field_names:
        if old.get(name, "") != new.get(name, ""):
            changes.append((name, old.get(name, ""), new.get(name, "")))
    old_terms, new_terms = old.get("terms", {}), new.get("terms", {})
    for key in [*new_terms, *(k for k in old_terms if k not in new_terms)]:
        if old_terms.get(key, "") != new_terms.get(key, ""):
            changes.append((key, old_terms.get(key, ""), new_terms.get(key, "")))
    return changes


# --- reminders and expiry -----------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    first_after_days: int
    every_days: int

    def due(self, created_at: datetime, expires_at: datetime, now: datetime) -> int:
        """Return how many reminder times have passed by now, counting only those before expiry."""
        first = created_at + timedelta(days=self.first_after_days)
        last = min(now, expires_at - timedelta(microseconds=1))
        if last < first:
            return 0
        return (last - first) // timedelta(days=self.every_days) + 1


def schedule_for(trust: Trust) -> Schedule:
    """Return the trust's reminder schedule ([reminders] in its profile, else 3 then every 4 days)."""
    table = trust.profile.get("reminders", {})
    values = {}
    for key, default in REMINDER_DEFAULTS.items():
        value = table.get(key, default) if isinstance(table, dict) else default
        values[key] = value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else default
    return Schedule(**values)


def _open_links(now: datetime, *, expired: bool) -> list[int]:
    """Ids of unused, unrevoked agree/answer links to a current version still awaiting its answer."""
    query = (
        select(Link.id, Link.purpose, Document.state)
        .join(DocumentVersion, Link.version_id == DocumentVersion.id)
        .join(Document, DocumentVersion.document_id == Document.id)
        .where(
            Link.purpose.in_(CHASED),
            Link.used_at.is_(None),
            Link.revoked_at.is_(None),
            DocumentVersion.number == Document.current_version,
            DocumentVersion.superseded_at.is_(None),
            Document.state.in_([s.value for s in CHASED.values()]),
        )
        .order_by(Link.id)
    )
    if expired:
        query = query.where(Link.expires_at <= now, Link.expiry_notified_at.is_(None))
    else:
        query = query.where(Link.expires_at > now)
    return [link_id for link_id, purpose, state in db.session.execute(query) if CHASED[purpose].value == state]


def send_reminders(now: datetime) -> dict[str, int]:
    """Send each reminder and expiry notice that is due by now; return how many of each went out."""
    reminding = _open_links(now, expired=False)
    expiring = _open_links(now, expired=True)
    db.session.commit()  # end the read; each link is then claimed in its own transaction
    sent = sum(_remind(link_id, now) for link_id in reminding)
    notified = sum(_notify_expired(link_id, now) for link_id in expiring)
    return {"reminders": sent, "expiry notices": notified}


def _remind(link_id: int, now: datetime) -> bool:
    """Send one reminder for a link if one is due and no other run claimed it."""
    with transaction():
        link = db.session.get(Link, link_id, populate_existing=True)
        if link is None or link.used_at is not None or link.revoked_at is not None or link.expires_at <= now:
            return False
        document = link.version.document
        due = schedule_for(document.trust).due(link.created_at, link.expires_at, now)
        if due <= link.reminders_sent:
            return False
        claimed = db.session.execute(
            update(Link)
            .where(
                Link.id == link.id,
                Link.reminders_sent == link.reminders_sent,
                Link.used_at.is_(None),
                Link.revoked_at.is_(None),
            )
            .values(reminders_sent=due, last_reminded_at=now)
        ).rowcount
        if claimed != 1:
            return False
        days_left = max(1, math.ceil((link.expires_at - now) / timedelta(days=1)))
        queue_email(
            "reminder",
            to_name=link.party.name,
            to_email=link.party.email,
            document_id=document.id,
            link=link,  # the job signs a fresh token for the same link row
            context=ops._email_context(
                document, link.version, link.party, expires=link.expires_at, days_left=days_left,
                purpose=link.purpose,
            ),
        )
        audit.record(
            "reminder_sent",
            document_id=document.id,
            details={"to": link.party.email, "link": link.id, "reminder": due, "days_left": days_left},
        )
    return True


def _notify_expired(link_id: int, now: datetime) -> bool:
    """Tell the document's author, once, that a party's link expired unused."""
    with transaction():
        link = db.session.get(Link, link_id, populate_existing=True)
        if link is None or link.used_at is not None or link.expires_at > now:
            return False
        claimed = db.session.execute(
            update(Link)
            .where(Link.id == link.id, Link.expiry_notified_at.is_(None), Link.used_at.is_(None))
            .values(expiry_notified_at=now)
        ).rowcount
        if claimed != 1:
            return False
        document = link.version.document
        party = link.party
        from ..documents.context import long_date

        queue_email(
            "link_expired",
            to_name=document.author_name,
            to_email=document.author_email,
            document_id=document.id,
            context={
                "name": document.author_name,
                "party_name": party.name,
                "party_email": party.email,
                "party_role": party.role_label.lower(),
                "title": document.title,
                "reference": document.reference,
                "document_id": document.id,
                "version": link.version.number,
                "trust": document.trust.name,
                "sent": long_date(link.created_at),
                "expired": long_date(link.expires_at),
                "purpose": link.purpose,
            },
        )
        audit.record(
            "link_expired",
            document_id=document.id,
            details={"to": document.author_email, "party": party.email, "link": link.id},
        )
    return True


def resend_link(document_id: int, party_id: int, *, actor: str) -> Link:
    """Send a party a new personal link with a fresh expiry; their earlier open links stop working."""
    with transaction():
        document = _locked(document_id)
        purpose = next((p for p, state in CHASED.items() if document.status is state), None)
        if purpose is None:
            raise ops.NotAllowed(f"{document.reference} is {document.state}: it is not waiting for anyone")
        party = next((p for p in document.parties if p.id == party_id), None)
        if party is None or party.role not in kind(document.kind).agreed_by:
            raise ops.NotAllowed(f"that person does not answer {document.reference}")
        version = document.version
        if _answered(party, version):
            raise ops.NotAllowed(f"{party.name} has already answered {document.reference} v{version.number}")
        now = utcnow()
        open_links = select(Link.id).where(
            Link.party_id == party.id,
            Link.version_id == version.id,
            Link.purpose == purpose,
            Link.used_at.is_(None),
            Link.revoked_at.is_(None),
        )
        replaced = list(db.session.scalars(open_links))
        if replaced:
            db.session.execute(
                update(Link).where(Link.id.in_(replaced), Link.revoked_at.is_(None)).values(revoked_at=now)
            )
        link = ops._send_link(document, version, party, purpose, LINK_TEMPLATES[purpose])
        audit.record(
            "link_resent",
            document_id=document.id,
            actor=actor,
            details={"to": party.email, "link": link.id, "replaced": replaced, "version": version.number},
        )
    return link


def _answered(party: Party, version: DocumentVersion) -> bool:
    from ..documents.models import Answer

    return db.session.scalar(
        select(Answer.id).where(Answer.party_id == party.id, Answer.version_id == version.id)
    ) is not None

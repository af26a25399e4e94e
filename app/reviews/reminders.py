"""Chase personal links: reminders on the trust's schedule, and telling authors of links that expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..documents import notify
from ..documents.links import AWAITING
from ..documents.models import Document, DocumentVersion, Link
from ..extensions import db
from ..trusts.models import Trust

REMINDER_DEFAULTS = {"first_after_days": 3, "every_days": 4}


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
            Link.purpose.in_(list(AWAITING)),
            Link.used_at.is_(None),
            Link.revoked_at.is_(None),
            DocumentVersion.number == Document.current_version,
            DocumentVersion.superseded_at.is_(None),
            Document.state.in_(list(AWAITING.values())),
        )
        .order_by(Link.id)
    )
    if expired:
        query = query.where(Link.expires_at <= now, Link.expiry_notified_at.is_(None))
    else:
        query = query.where(Link.expires_at > now)
    return [link_id for link_id, purpose, state in db.session.execute(query) if AWAITING[purpose] is state]


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
        days_left = notify.email_reminder(link, now)
        audit.record(
            EventType.REMINDER_SENT,
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
        notify.email_link_expired(link)
        audit.record(
            EventType.LINK_EXPIRED,
            document_id=document.id,
            details={"to": document.author_email, "party": party.email, "link": link.id},
        )
    return True

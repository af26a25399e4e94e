"""Retention rules from the trust's profile, when each record passes them, and the review that batches them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..documents.models import Document, DocumentVersion
from ..documents.states import FINISHED, State
from ..extensions import db
from ..kinds import CONTRACT_KINDS, KINDS
from ..staff.models import User
from ..trusts.models import Trust
from .holds import holding, standing_holds
from .models import Batch, BatchItem, BatchStatus

# What a kind is kept for when the trust's profile does not say (README, "Records governance").
DEFAULT_RULE = {"after": "employment_end", "years": 6, "months": 0}
DEFAULT_APPROVAL = "second_admin"
ANCHOR_LABELS = {
    "sealed": "sealed (or issued, or cancelled)",
    "arrangement_end": "end of the supervision arrangement",
    "employment_end": "supervisee left the trust",
}


class RetentionProblem(Exception):
    """A review or approval cannot go ahead; the message says why."""


@dataclass(frozen=True)
class Rule:
    kind: str
    after: str
    years: int
    months: int

    @property
    def label(self) -> str:
        period = " and ".join(p for p in (f"{self.years} years" if self.years else "",
                                          f"{self.months} months" if self.months else "") if p)
        return f"{period} after {ANCHOR_LABELS[self.after]}"


@dataclass(frozen=True)
class Due:
    """A record and the day its retention period ends (None: its anchor has not happened yet)."""

    document: Document
    rule: Rule
    anchor_date: date | None
    due_on: date | None


def rules(trust: Trust) -> dict[str, Rule]:
    """Return the trust's retention rule for every kind, with the default where the profile is silent."""
    chosen: dict[str, Any] = trust.profile.get("retention", {})
    found = {}
    for name in KINDS:
        rule = {**DEFAULT_RULE, **chosen[name]} if isinstance(chosen.get(name), dict) else DEFAULT_RULE
        found[name] = Rule(name, rule["after"], int(rule.get("years", 0)), int(rule.get("months", 0)))
    return found


def approval_mode(trust: Trust) -> str:
    """Return how the trust approves a destruction batch: second_admin or confirm."""
    return str(trust.profile.get("retention", {}).get("approval", DEFAULT_APPROVAL))


def add_period(start: date, years: int, months: int) -> date:
    """Return start plus a period, keeping the day of the month where the month has it."""
    total = start.month - 1 + months + 12 * years
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def finished_on(document: Document) -> date | None:
    """Return the day a finished record was sealed, issued or cancelled."""
    if document.state not in FINISHED:
        return None
    moments: list[datetime] = [v.sealed_at for v in document.versions if v.sealed_at]
    if document.state is State.ISSUED:
        moments = [v.sent_at for v in document.versions if v.sent_at] or [document.updated_at]
    if document.state is State.CANCELLED or not moments:
        moments = [document.updated_at]
    return max(moments).date()


def _supervisee_emails(document: Document) -> set[str]:
    return {p.email.lower() for p in document.parties if p.role.startswith("supervisee")}


def _left_on(emails: set[str]) -> date | None:
    """Return the latest leaving day of these people, or None unless every one of them has left."""
    if not emails:
        return None
    rows = db.session.execute(select(User.email, User.left_on).where(func.lower(User.email).in_(emails))).all()
    days = {email.lower(): left for email, left in rows}
    if set(days) != emails or any(d is None for d in days.values()):
        return None
    return max(d for d in days.values() if d is not None)


def arrangement_end(document: Document) -> date | None:
    """Return when the pair's supervision arrangement ended, or None while it goes on.

    It goes on while any of the pair's documents is unfinished, or while a contract of theirs is in force
    and its supervisees have not all left. Otherwise it ended on the last of their finishing days (or the
    last leaving day, when that is later).
    """
    pair = list(db.session.scalars(select(Document).where(
        Document.trust_id == document.trust_id, Document.pair_key == document.pair_key,
        Document.state != State.DESTROYED)))
    if not document.pair_key or any(d.state not in FINISHED for d in pair):
        return None
    ends = [day for d in pair if (day := finished_on(d)) is not None]
    live = [d for d in pair if d.kind in CONTRACT_KINDS and d.state is State.SEALED]
    if live:
        left = _left_on(set().union(*(_supervisee_emails(d) for d in live)))
        if left is None:
            return None
        ends.append(left)
    return max(ends) if ends else None


def anchor_of(document: Document, rule: Rule) -> date | None:
    """Return the day a record's retention period counts from, or None if that has not happened."""
    if document.state not in FINISHED:
        return None
    if rule.after == "sealed":
        return finished_on(document)
    if rule.after == "arrangement_end":
        return arrangement_end(document)
    left = _left_on(_supervisee_emails(document))
    return None if left is None else max(left, finished_on(document) or left)


def retention_of(trust: Trust, documents: list[Document]) -> list[Due]:
    """Return, for each document, its rule, anchor and the day its retention ends."""
    by_kind = rules(trust)
    found = []
    for document in documents:
        rule = by_kind.get(document.kind) or Rule(document.kind, **DEFAULT_RULE)
        anchor = anchor_of(document, rule)
        found.append(Due(document, rule, anchor, add_period(anchor, rule.years, rule.months) if anchor else None))
    return found


def due_for_destruction(trust: Trust, as_of: date) -> list[Due]:
    """Return the finished records past retention on as_of, not held and not already in an open batch."""
    batched = select(BatchItem.document_id).join(Batch).where(
        Batch.status == BatchStatus.AWAITING_APPROVAL, BatchItem.removed_at.is_(None))
    candidates = list(db.session.scalars(
        select(Document).where(Document.trust_id == trust.id, Document.state.in_(FINISHED),
                               Document.id.not_in(batched)).order_by(Document.id)))
    holds = standing_holds(trust.id)
    return [due for due in retention_of(trust, [d for d in candidates if holding(d, holds) is None])
            if due.due_on is not None and due.due_on <= as_of]


def review(trust: Trust, *, as_of: date, actor: str, user_id: int | None = None) -> Batch | None:
    """Batch every record past retention on as_of for approval; None when nothing is due."""
    with transaction():
        db.session.scalar(select(Trust).where(Trust.id == trust.id).with_for_update())  # one review at a time
        due = due_for_destruction(trust, as_of)
        if not due:
            audit.record(EventType.RETENTION_REVIEWED, actor=actor,
                         details={"trust": trust.slug, "as_of": as_of.isoformat(), "batch": None, "records": 0})
            return None
        batch = Batch(trust_id=trust.id, as_of=as_of, created_by=actor, created_by_user_id=user_id)
        db.session.add(batch)
        for item in due:
            assert item.anchor_date is not None and item.due_on is not None
            batch.items.append(BatchItem(
                document_id=item.document.id, reference=item.document.reference, kind=item.document.kind,
                school=item.document.school, anchor=item.rule.after, anchor_date=item.anchor_date,
                due_on=item.due_on))
        db.session.flush()
        audit.record(EventType.RETENTION_REVIEWED, actor=actor,
                     details={"trust": trust.slug, "as_of": as_of.isoformat(), "batch": batch.id,
                              "records": [i.document_id for i in batch.items]})
    return batch


def batches(trust_id: int) -> list[Batch]:
    """Return the trust's batches, newest first."""
    return list(db.session.scalars(select(Batch).where(Batch.trust_id == trust_id).order_by(Batch.id.desc())))


def versions_of(document_id: int) -> list[DocumentVersion]:
    """Return a document's versions in order."""
    return list(db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id).order_by(DocumentVersion.number)))

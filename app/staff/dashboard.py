"""What needs a signed-in person's attention, within what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from ..db import utcnow
from ..documents.actions import Action
from ..documents.models import Answer, Document, Link, Party
from ..documents.queries import latest_of_pair
from ..documents.states import State
from ..extensions import db
from ..kinds import CONTRACT_KINDS
from ..reviews.due import contracts_due, review_date
from .access import visible
from .models import Role, User


@dataclass
class Waiting:
    document: Document
    party: Party
    since: datetime

    @property
    def days(self) -> int:
        return (utcnow() - self.since).days


@dataclass
class Due:
    document: Document
    review_date: date

    @property
    def days(self) -> int:
        return (self.review_date - date.today()).days


@dataclass
class Lapsed:
    contract: Document
    last_record: Document | None
    interval_days: int


@dataclass
class Attention:
    mine: list[Waiting] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    changes: list[Document] = field(default_factory=list)
    reviews: list[Due] = field(default_factory=list)
    lapsed: list[Lapsed] = field(default_factory=list)
    overdue_actions: list[Action] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any((self.mine, self.waiting, self.changes, self.reviews, self.lapsed, self.overdue_actions))


def attention(user: User, today: date | None = None, review_window_days: int = 60) -> Attention:
    """Collect everything on the user's dashboard."""
    today = today or date.today()
    found = Attention()
    open_states = (State.AWAITING_AGREEMENT, State.AWAITING_ANSWERS)
    awaiting = db.session.scalars(visible(user).where(Document.state.in_(open_states)).order_by(Document.id)).all()
    for document in awaiting:
        answered = set(db.session.scalars(select(Answer.party_id).where(Answer.version_id == document.version.id)))
        for party in document.parties:
            if party.id in answered:
                continue
            sent = db.session.scalar(
                select(Link.created_at)
                .where(Link.party_id == party.id, Link.version_id == document.version.id, Link.revoked_at.is_(None))
                .order_by(Link.created_at)
            )
            if sent is None:
                continue
            item = Waiting(document, party, sent)
            (found.mine if party.email == user.email.lower() else found.waiting).append(item)
    found.changes = list(
        db.session.scalars(visible(user).where(Document.state == State.CHANGES_REQUESTED).order_by(Document.id))
    )
    contracts = db.session.scalars(
        visible(user).where(Document.kind.in_(CONTRACT_KINDS), Document.state == State.SEALED)
    ).all()
    seen = {c.id for c in contracts}
    found.reviews = [
        Due(c, review_date(c))
        for c in contracts_due(user.trust_id, review_window_days, today)
        if c.id in seen
    ]
    for contract in contracts:
        interval = contract.trust.defaults.get("session_interval_days")
        if interval:
            last = latest_of_pair(contract.trust_id, contract.pair_key, "record", State.SEALED)
            last_date = date.fromisoformat(last.version.fields["session_date"]) if last else None
            if last_date is None or (today - last_date).days > int(interval):
                found.lapsed.append(Lapsed(contract, last, int(interval)))
    actions = select(Action).where(Action.trust_id == user.trust_id, Action.done_at.is_(None), Action.due < today)
    if user.role == Role.STAFF:
        actions = actions.where(Action.pair_key.contains(user.email.lower()))
    elif user.role == Role.LEAD:
        actions = actions.where(Action.source_document_id.in_(visible(user, select(Document.id))))
    found.overdue_actions = list(db.session.scalars(actions.order_by(Action.due)))
    return found

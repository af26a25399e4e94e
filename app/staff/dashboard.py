"""What needs a signed-in person's attention, within what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import selectinload

from ..db import utcnow
from ..documents.actions import Action
from ..documents.models import Answer, Document, DocumentVersion, Link, Party
from ..documents.states import State
from ..extensions import db
from ..kinds import CONTRACT_KINDS
from ..reviews.due import contracts_due
from .access import visible
from .models import Role, User

# Each list on the dashboard shows at most this many, with how many there are in all: the page
# stays quick at any size, and the documents list has every one.
SHOWN = 25
# A record in one of these states is no session that took place.
NO_SESSION = (State.CANCELLED, State.DESTROYED)


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
    last_session: date | None
    frequency: str  # the contract's agreed frequency in the trust's words ("each half term")


@dataclass
class Attention:
    mine: list[Waiting] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    changes: list[Document] = field(default_factory=list)
    reviews: list[Due] = field(default_factory=list)
    lapsed: list[Lapsed] = field(default_factory=list)
    overdue_actions: list[Action] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # how many each list holds before SHOWN

    @property
    def empty(self) -> bool:
        return not any((self.mine, self.waiting, self.changes, self.reviews, self.lapsed, self.overdue_actions))


def attention(user: User, today: date | None = None, review_window_days: int = 60) -> Attention:
    """Collect everything on the user's dashboard, in a number of queries that does not grow with documents."""
    today = today or date.today()
    found = Attention()
    for mine in (True, False):
        rows, total = _unanswered(user, mine=mine)
        found.totals["mine" if mine else "waiting"] = total
        (found.mine if mine else found.waiting).extend(Waiting(document, party, sent) for document, party, sent in rows)
    changes = visible(user).where(Document.state == State.CHANGES_REQUESTED)
    found.totals["changes"] = _count(changes)
    found.changes = list(db.session.scalars(changes.order_by(Document.id).limit(SHOWN)))
    contracts = list(db.session.scalars(
        visible(user).where(Document.kind.in_(CONTRACT_KINDS), Document.state == State.SEALED)
        .order_by(Document.id).options(selectinload(Document.versions))
    ))
    seen = {c.id for c in contracts}
    reviews = [
        Due(c, c.review_date) for c in contracts_due(user.trust_id, review_window_days, today)
        if c.id in seen and c.review_date is not None
    ]
    found.totals["reviews"], found.reviews = len(reviews), reviews[:SHOWN]
    lapsed = _lapsed(user, contracts, today)
    found.totals["lapsed"], found.lapsed = len(lapsed), lapsed[:SHOWN]
    actions = select(Action).where(Action.trust_id == user.trust_id, Action.done_at.is_(None), Action.due < today)
    if user.role == Role.STAFF:
        actions = actions.where(Action.pair_key.contains(user.email.lower()))
    elif user.role == Role.LEAD:
        actions = actions.where(Action.source_document_id.in_(visible(user, select(Document.id))))
    found.totals["overdue_actions"] = _count(actions)
    found.overdue_actions = list(db.session.scalars(actions.order_by(Action.due).limit(SHOWN)))
    return found


def _count(query: Select) -> int:
    """Return how many rows a query would give."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _unanswered(user: User, *, mine: bool) -> tuple[list[tuple[Document, Party, datetime]], int]:
    """Return the first parties yet to answer a visible document awaiting answers (the user, or others),
    with when their first live link went, and how many there are in all."""
    first_sent = (
        select(Link.party_id, Link.version_id, func.min(Link.created_at).label("sent"))
        .where(Link.revoked_at.is_(None))
        .group_by(Link.party_id, Link.version_id)
        .subquery()
    )
    answered = exists().where(Answer.party_id == Party.id, Answer.version_id == DocumentVersion.id)
    query = (
        visible(user)
        .add_columns(Party, first_sent.c.sent)
        .join(Party, Party.document_id == Document.id)
        .join(DocumentVersion, and_(DocumentVersion.document_id == Document.id,
                                    DocumentVersion.number == Document.current_version))
        .join(first_sent, and_(first_sent.c.party_id == Party.id, first_sent.c.version_id == DocumentVersion.id))
        .where(Document.state.in_((State.AWAITING_AGREEMENT, State.AWAITING_ANSWERS)), ~answered)
        .where((Party.email == user.email.lower()) if mine else (Party.email != user.email.lower()))
    )
    rows = db.session.execute(query.order_by(Document.id, Party.position).limit(SHOWN))
    return [(document, party, sent) for document, party, sent in rows], _count(query)


def _lapsed(user: User, contracts: list[Document], today: date) -> list[Lapsed]:
    """Return the current contracts whose pair has had no session within the trust's interval.

    The interval runs from the later of the last record's session date and the day the contract
    was sealed, so a contract sealed within the interval is never overdue; a contract replaced by a
    newer sealed one of the same pair is not current.
    """
    interval = user.trust.defaults.get("session_interval_days")
    if not interval or not contracts:
        return []
    current: dict[str, Document] = {}
    for contract in contracts:  # ordered by id: the newest contract of each pair wins
        current[contract.pair_key] = contract
    newest = (
        select(func.max(Document.id))
        .where(Document.trust_id == user.trust_id, Document.kind == "record",
               Document.state.not_in(NO_SESSION), Document.pair_key.in_(set(current)))
        .group_by(Document.pair_key)
    )
    records = {
        r.pair_key: r
        for r in db.session.scalars(
            select(Document).where(Document.id.in_(newest)).options(selectinload(Document.versions))
        )
    }
    lapsed = []
    for contract in current.values():
        version = contract.version
        sealed_on = (version.sealed_at or version.created_at).date()
        last = records.get(contract.pair_key)
        last_date = date.fromisoformat(last.version.fields["session_date"]) if last else None
        since = max(d for d in (sealed_on, last_date) if d is not None)
        if (today - since).days > int(interval):
            lapsed.append(Lapsed(contract, last, last_date, str(version.fields.get("terms", {}).get("frequency", ""))))
    return lapsed

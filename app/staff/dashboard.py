"""What needs a signed-in person's attention, within what they may see.

Every change to what the dashboard shows is recorded in the audit log in the same transaction
(documents, answers, links, actions, staff, schools, the profile), so each process keeps a
person's rendered lists until the log's newest event changes, the day changes, or
DASHBOARD_CACHE_SECONDS pass (for what changes with time alone: days waiting, links expiring).
Checking costs one statement; the lists' own statements and their rendering run only when
something was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from cachetools import TTLCache
from flask import Flask, current_app, render_template
from markupsafe import Markup
from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased, selectinload

from ..audit import last_seq
from ..db import utcnow
from ..documents.actions import Action
from ..documents.models import Answer, Document, DocumentVersion, Link, Party
from ..documents.states import State
from ..extensions import db
from ..kept import Kept
from ..kinds import CONTRACT_KINDS
from ..reviews.due import contracts_due_query
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


CACHE = "countersign.dashboard"
CACHED_PEOPLE = 1000  # the most people whose lists one process keeps


def init_app(app: Flask) -> None:
    """Give this app its own store of rendered dashboards (tests make many apps in one process)."""
    app.extensions[CACHE] = Kept[Markup](TTLCache(CACHED_PEOPLE, max(1, int(app.config["DASHBOARD_CACHE_SECONDS"]))))


def attention_lists(user: User) -> Markup:
    """Return the dashboard's lists for the user, rendered, recomputed only after anything was recorded."""
    store: Kept[Markup] = current_app.extensions[CACHE]
    if int(current_app.config["DASHBOARD_CACHE_SECONDS"]) <= 0:
        return _rendered(user)
    # The newest event is read first: lists computed after it are at least as new as it says.
    stamp = (last_seq(), date.today(), str(user.role))
    kept = store.get(user.id, stamp)
    if kept is not None:
        return kept
    rendered = _rendered(user)
    store.put(user.id, stamp, rendered)
    return rendered


def _rendered(user: User) -> Markup:
    return Markup(render_template("staff/_attention.html", attention=attention(user)))


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
    due = visible(user).where(Document.id.in_(contracts_due_query(user.trust_id, review_window_days, today)))
    found.totals["reviews"] = _count(due)
    found.reviews = [Due(c, c.review_date) for c in db.session.scalars(
        due.order_by(Document.review_date, Document.id).limit(SHOWN)) if c.review_date is not None]
    found.totals["lapsed"], found.lapsed = _lapsed(user, today)
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


def _lapsed(user: User, today: date) -> tuple[int, list[Lapsed]]:
    """Return how many current contracts have had no session within the trust's interval, and the first of them.

    The interval runs from the later of the last record's session date and the day the contract
    was sealed, so a contract sealed within the interval is never overdue; a contract replaced by a
    newer sealed one of the same pair is not current. Both are comparisons in SQL: the later of the
    two dates is before the threshold exactly when each of them is.
    """
    interval = user.trust.defaults.get("session_interval_days")
    if not interval:
        return 0, []
    threshold = today - timedelta(days=int(interval))
    newer = aliased(Document)
    sealed = aliased(DocumentVersion)
    record = aliased(Document)
    recent_session = exists().where(
        record.trust_id == Document.trust_id, record.kind == "record", record.pair_key == Document.pair_key,
        record.state.not_in(NO_SESSION), record.session_date >= threshold,
    )
    query = (
        visible(user)
        .join(sealed, and_(sealed.document_id == Document.id, sealed.number == Document.current_version))
        .where(
            Document.kind.in_(CONTRACT_KINDS), Document.state == State.SEALED,
            func.coalesce(sealed.sealed_at, sealed.created_at) < datetime.combine(threshold, time.min, tzinfo=UTC),
            ~exists().where(newer.trust_id == Document.trust_id, newer.kind.in_(CONTRACT_KINDS),
                            newer.state == State.SEALED, newer.pair_key == Document.pair_key, newer.id > Document.id),
            ~recent_session,
        )
    )
    contracts = list(db.session.scalars(query.order_by(Document.id).limit(SHOWN).options(selectinload(Document.versions))))
    if not contracts:
        return 0, []
    last = (
        select(Document.pair_key, func.max(Document.id).label("id"))
        .where(Document.trust_id == user.trust_id, Document.kind == "record", Document.state.not_in(NO_SESSION),
               Document.pair_key.in_({c.pair_key for c in contracts}), Document.session_date.is_not(None))
        .group_by(Document.pair_key)
        .subquery()
    )
    records = {r.pair_key: r for r in db.session.scalars(select(Document).join(last, Document.id == last.c.id))}
    shown = [
        Lapsed(contract, records.get(contract.pair_key),
               records[contract.pair_key].session_date if contract.pair_key in records else None,
               str(contract.version.fields.get("terms", {}).get("frequency", "")))
        for contract in contracts
    ]
    return _count(query), shown

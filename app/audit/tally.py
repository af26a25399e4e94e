"""Count anonymous noise (made-up links, unknown uploads) per client, reason and hour, instead of logging each."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..db import utcnow
from ..extensions import db
from .models import RejectionTally


class Noise(StrEnum):
    """Why an anonymous request was counted rather than logged."""

    LINK_INVALID = "invalid"  # the token's signature does not check
    LINK_UNKNOWN = "unknown"  # signed, but it names no link we issued
    LINK_EXPIRED = "expired"  # older than any link can be
    VERIFY_UNKNOWN = "verify-unknown"  # an uploaded PDF that is no record we issued


def count(reason: Noise, ip: str | None) -> None:
    """Add one to this client's tally for the reason this hour, inside the caller's transaction."""
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    values: dict[str, Any] = {"hour": hour, "ip": (ip or "unknown")[:64], "reason": reason.value, "count": 1}
    table = RejectionTally.__table__
    # One statement that inserts or adds one, so concurrent requests never lose a count or collide.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.hour, table.c.ip, table.c.reason],
            set_={"count": table.c.count + 1},
        )
    )


def tallies(reason: Noise | None = None, limit: int | None = None) -> list[RejectionTally]:
    """Return the tallies, newest hour and largest count first (optionally of one reason, at most limit)."""
    query = select(RejectionTally).order_by(RejectionTally.hour.desc(), RejectionTally.count.desc()).limit(limit)
    if reason is not None:
        query = query.where(RejectionTally.reason == reason.value)
    return list(db.session.scalars(query))

"""Checkpoints of the chain's head, each with an HMAC under a key outside the database.

Whoever can write to the database can delete the newest rows and rewrite the stored head so the chain
still verifies. A checkpoint remembers (seq, head hash, time) under AUDIT_CHECKPOINT_KEY, which the
database never sees, so such a rewrite shows up against every checkpoint taken before it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..db import after_commit, utcnow
from ..extensions import db
from .models import AuditCheckpoint, AuditEvent, AuditHead

log = logging.getLogger(__name__)


class HeadMismatch(Exception):
    """The stored head does not match the row it names: the log was changed, so nothing is certified."""


def _mac(seq: int, head_hash: str, created_at: datetime) -> str:
    message = f"{seq}:{head_hash}:{created_at.isoformat(timespec='microseconds')}".encode()
    key = str(current_app.config["AUDIT_CHECKPOINT_KEY"]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint() -> AuditCheckpoint | None:
    """Certify the chain's current head inside the caller's transaction (None while the log is empty)."""
    # Locking the head serialises this with appends, so the checkpoint names a head that existed.
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None or head.seq == 0:
        return None
    newest = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == head.seq))
    if newest != head.hash:
        raise HeadMismatch(f"the stored head names row {head.seq}, which does not have that hash")
    created_at = utcnow()
    point = AuditCheckpoint(seq=head.seq, head_hash=head.hash, created_at=created_at,
                            hmac=_mac(head.seq, head.hash, created_at))
    db.session.add(point)
    db.session.flush()
    # Also in the application log, usually shipped elsewhere: a copy the database cannot touch.
    line = (point.seq, point.head_hash, created_at.isoformat(), point.hmac)
    after_commit(lambda: log.info("audit checkpoint seq=%d head=%s at=%s hmac=%s", *line))
    return point


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint_id: int
    seq: int
    created_at: datetime
    problem: str


def check_checkpoints() -> tuple[int, list[CheckpointProblem]]:
    """Compare the chain with every checkpoint; return how many were checked and what disagrees."""
    rows = db.session.execute(
        select(AuditCheckpoint, AuditEvent.hash)
        .outerjoin(AuditEvent, AuditEvent.seq == AuditCheckpoint.seq)
        .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    ).all()
    newest = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    problems: list[CheckpointProblem] = []
    last_good = 0
    for point, found in rows:
        when = point.created_at.isoformat(timespec="seconds")
        if not hmac.compare_digest(point.hmac, _mac(point.seq, point.head_hash, point.created_at)):
            problems.append(CheckpointProblem(point.id, point.seq, point.created_at,
                                              f"the checkpoint of {when} (row {point.seq}) is not genuine: its HMAC fails"))
        elif found is None:
            problems.append(CheckpointProblem(
                point.id, point.seq, point.created_at,
                f"rows after {min(newest, point.seq - 1)} were deleted since the checkpoint of {when}, "
                f"which saw {point.seq} rows",
            ))
        elif found != point.head_hash:
            problems.append(CheckpointProblem(
                point.id, point.seq, point.created_at,
                f"rows after {last_good} were rewritten since the checkpoint of {when}: "
                f"row {point.seq} no longer has the hash it had then",
            ))
        else:
            last_good = point.seq
    return len(rows), problems

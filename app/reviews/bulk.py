"""Reissue many contracts at once, a thread per conversion process and one more, so every LibreOffice works.

Each reissue renders, converts and emails its contract in its own thread (without a broker) or
queues that work for the workers (with one). Safe to run twice: reissue() skips a contract
already reissued, under the contract's row lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, current_app

from .. import audit
from ..audit import EventType
from ..conversion import ConversionError, get_converter
from ..db import transaction
from ..documents.records import NotAllowed
from ..documents.states import InvalidTransition
from ..extensions import db
from ..jobs import background
from ..kinds import FieldError
from .reissue import reissue

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What became of one contract in a bulk reissue."""

    REISSUED = "reissued"
    SKIPPED = "skipped"  # already reissued
    FAILED = "failed"


@dataclass(frozen=True)
class Result:
    """One contract's outcome: its reissue's id, or why it failed."""

    document_id: int
    outcome: Outcome
    new_id: int | None = None
    reason: str = ""


def parallelism() -> int:
    """How many reissues to run at once: one per conversion process (the pool's or the service's), and one more.

    The extra thread renders, stores and emails one contract while every process converts another,
    so no LibreOffice process waits on this process's Python (bench/reissue.py measures it).
    """
    try:
        return max(1, get_converter(current_app).concurrency) + 1
    except ConversionError:  # the service is down: each reissue will say so
        return 1


def reissue_one(document_id: int, *, actor: str, user_id: int | None) -> Result:
    """Reissue one contract; a failure is logged against it (the progress page shows it) and returned."""
    try:
        new = reissue(document_id, actor=actor, created_by_id=user_id)
    except Exception as exc:  # one contract's failure must not stop the others
        db.session.rollback()
        expected = isinstance(exc, FieldError | NotAllowed | InvalidTransition)
        reason = str(exc) if expected else type(exc).__name__
        log.warning("reissue of document %s failed: %s", document_id, type(exc).__name__)
        with transaction():
            audit.record(EventType.REISSUE_FAILED, document_id=document_id, actor=actor,
                         details={"error": f"{type(exc).__name__}: {exc}"[:500]})
        return Result(document_id, Outcome.FAILED, reason=reason)
    if new is None:
        return Result(document_id, Outcome.SKIPPED)
    return Result(document_id, Outcome.REISSUED, new_id=new.id)


def reissue_many(
    document_ids: Iterable[int],
    *,
    actor: str,
    user_id: int | None = None,
    threads: int | None = None,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Reissue every contract, `threads` at a time (default: parallelism()); return the outcomes in id order.

    progress is called in this thread as each contract finishes.
    """
    ids = list(document_ids)
    threads = threads or parallelism()
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.rollback()  # hold no read (on SQLite, the write lock) while the threads work

    def run(document_id: int) -> Result:
        # Each contract's own jobs (prepare, its emails) run on in this thread, not after it.
        with background(), app.app_context():
            return reissue_one(document_id, actor=actor, user_id=user_id)

    results: dict[int, Result] = {}
    with ThreadPoolExecutor(max(1, min(threads, len(ids) or 1)), thread_name_prefix="reissue") as executor:
        futures = [executor.submit(run, document_id) for document_id in ids]
        for future in as_completed(futures):
            result = future.result()
            results[result.document_id] = result
            if progress is not None:
                progress(result)
    return [results[document_id] for document_id in ids]

"""Reissue many contracts at once, one per conversion process and one more, so every LibreOffice works.

Without a broker, a large run is spread over processes of its own (REISSUE_PROCESSES): each renders,
stores and emails its contracts with its own interpreter, converting on this process's pool through
a conversion service started for the run (or on the host's service), so the Python work of one
contract never waits on another's; a small run, or one where processes cannot be started, uses
threads in this process. With a broker, each contract is a job for the workers (tasks.py). Safe to
run twice: reissue() skips a contract already reissued, under the contract's row lock.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import Flask, current_app

from .. import audit
from ..audit import EventType
from ..config import DEFAULTS, FACTORY
from ..conversion import ConversionError, RemoteConverter, get_converter
from ..conversion.service import ConversionServer
from ..db import transaction
from ..documents.records import NotAllowed
from ..documents.states import InvalidTransition
from ..extensions import db
from ..jobs import background, is_eager
from ..kinds import FieldError
from ..rendering.isolated import may_have_children
from .reissue import reissue

# Starting a process costs about as much as reissuing ten contracts: fewer than this many a
# process, and threads here do the run.
CONTRACTS_PER_PROCESS = 10

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
    processes: int | None = None,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Reissue every contract, `threads` or `processes` at a time; return the outcomes in id order.

    By default (neither given) a run of at least CONTRACTS_PER_PROCESS contracts a process goes to
    REISSUE_PROCESSES processes (0: parallelism()) where they can be started, else to parallelism()
    threads. processes=1 forces threads. progress is called in this thread as each contract finishes.
    """
    ids = list(document_ids)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.rollback()  # hold no read (on SQLite, the write lock) while the work goes on
    count = _processes(len(ids), processes if threads is None else 1)
    results: dict[int, Result] = {}
    with _executor(app, count, threads, actor, user_id) as (executor, submit):
        futures = {submit(executor, document_id): document_id for document_id in ids}
        for future in as_completed(futures):
            result = _outcome(future, futures[future], actor)
            results[result.document_id] = result
            if progress is not None:
                progress(result)
    return [results[document_id] for document_id in ids]


def _processes(contracts: int, asked: int | None) -> int:
    """How many processes of its own the run gets; 1 means threads in this process."""
    if asked is not None:
        wanted = asked
    elif not is_eager():  # the broker's workers are where the work goes
        return 1
    else:
        wanted = int(current_app.config["REISSUE_PROCESSES"]) or parallelism()
        wanted = min(wanted, contracts // CONTRACTS_PER_PROCESS)
    if wanted <= 1 or not may_have_children() or _database_is_private():
        return 1
    return wanted


def _database_is_private() -> bool:
    """An in-memory SQLite database cannot be opened by another process."""
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


Submit = Callable[[Executor, int], "Future[Result]"]


@contextmanager
def _executor(
    app: Flask, processes: int, threads: int | None, actor: str, user_id: int | None
) -> Iterator[tuple[Executor, Submit]]:
    if processes <= 1:
        def run(document_id: int) -> Result:
            # Each contract's own jobs (prepare, its emails) run on in this thread, not after it.
            with background(), app.app_context():
                return reissue_one(document_id, actor=actor, user_id=user_id)

        with ThreadPoolExecutor(max(1, threads or parallelism()), thread_name_prefix="reissue") as pool:
            yield pool, lambda executor, document_id: executor.submit(run, document_id)
        return
    with _shared_conversion(app) as url:
        settings = _child_settings(app, url)
        factory = app.extensions[FACTORY]  # the app factory, which imports every feature, this one too
        context = multiprocessing.get_context("spawn")  # this process has threads: never fork it
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_start_child,
                                 initargs=(factory, settings)) as pool:
            yield pool, lambda executor, document_id: executor.submit(_reissue_in_child, document_id, actor, user_id)


@contextmanager
def _shared_conversion(app: Flask) -> Iterator[str]:
    """The address the run's processes convert at: the host's service, or this process's pool served for the run."""
    converter = get_converter(app)
    if isinstance(converter, RemoteConverter):
        yield converter.url
        return
    server = ConversionServer(converter)  # on 127.0.0.1, a free port, for as long as the run lasts
    serving = threading.Thread(target=server.serve_forever, name="reissue-conversions", daemon=True)
    serving.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        serving.join()


def _child_settings(app: Flask, conversion_url: str) -> dict[str, Any]:
    """This app's settings for a run's process: the same database, storage, mail and keys; this pool's service."""
    settings = {name: app.config[name] for name in DEFAULTS if name in app.config}
    settings.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], CONVERSION_URL=conversion_url,
                    CELERY_BROKER_URL=None, JOBS_INLINE=True)
    return settings


_child_app: Flask | None = None


def _start_child(factory: Callable[[dict[str, Any]], Flask], settings: dict[str, Any]) -> None:
    global _child_app
    _child_app = factory(settings)


def _reissue_in_child(document_id: int, actor: str, user_id: int | None) -> Result:
    assert _child_app is not None
    with _child_app.app_context(), background():
        try:
            return reissue_one(document_id, actor=actor, user_id=user_id)
        finally:
            db.session.remove()


def _outcome(future: Future[Result], document_id: int, actor: str) -> Result:
    try:
        return future.result()
    except BrokenProcessPool:  # a process died (killed, out of memory): its transaction rolled back
        log.warning("reissue of document %s failed: its process stopped", document_id)
        with transaction():
            audit.record(EventType.REISSUE_FAILED, document_id=document_id, actor=actor,
                         details={"error": "The process reissuing it stopped."})
        return Result(document_id, Outcome.FAILED, reason="the process reissuing it stopped")

"""Reissue many contracts at once, one per conversion process and one more, so every LibreOffice works.

Without a broker, a large run is spread over processes of its own (REISSUE_PROCESSES, default one
per conversion process), two contracts at a time in each, taken from one queue: each renders, stores
and emails with its own interpreter, converting on this process's pool through a conversion service
started for the run (or on the host's service); a small run, or one where processes cannot be
started, uses threads in this process. With a broker, each contract is a job for the workers (tasks.py). Safe to
run twice: reissue() skips a contract already reissued, under the contract's row lock.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
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
# Contracts each of a run's processes works on at once: one renders, stores and emails while the other converts.
THREADS_PER_PROCESS = 2

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
    """How many reissues to run at once in threads here: one per conversion process, and one more.

    The extra thread renders, stores and emails one contract while every process converts another,
    so no LibreOffice process waits on this process's Python (bench/reissue.py measures it).
    """
    try:
        return max(1, get_converter(current_app).concurrency) + 1
    except ConversionError:  # the service is down: each reissue will say so
        return 1


def default_processes() -> int:
    """How many processes of its own a large run gets: REISSUE_PROCESSES, else one per conversion process."""
    return int(current_app.config["REISSUE_PROCESSES"]) or max(1, parallelism() - 1)


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
    REISSUE_PROCESSES processes (0: one per conversion process) where they can be started, else to
    parallelism() threads. processes=1 forces threads. progress is called in this thread as each
    contract finishes.
    """
    ids = list(document_ids)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.rollback()  # hold no read (on SQLite, the write lock) while the work goes on
    count = processes_for(len(ids), processes if threads is None else 1)
    if count > 1:
        finished = _in_processes(app, ids, count, actor, user_id)
    else:
        finished = _in_threads(app, ids, threads or parallelism(), actor, user_id)
    results: dict[int, Result] = {}
    for result in finished:
        results[result.document_id] = result
        if progress is not None:
            progress(result)
    return [results[document_id] for document_id in ids]


def _in_threads(app: Flask, ids: list[int], threads: int, actor: str, user_id: int | None) -> Iterator[Result]:
    def run(document_id: int) -> Result:
        # Each contract's own jobs (prepare, its emails) run on in this thread, not after it.
        with background(), app.app_context():
            return reissue_one(document_id, actor=actor, user_id=user_id)

    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="reissue") as pool:
        for future in as_completed([pool.submit(run, document_id) for document_id in ids]):
            yield future.result()


def _in_processes(app: Flask, ids: list[int], processes: int, actor: str, user_id: int | None) -> Iterator[Result]:
    """Reissue in processes of their own, THREADS_PER_PROCESS contracts at once in each, from one shared queue.

    Two threads in each keep its interpreter busy while one of its contracts converts, in fewer
    processes than one per contract in flight (each costs a start and memory). A process that dies
    fails the contracts it had started; the others go on with the rest.
    """
    context = multiprocessing.get_context("spawn")  # this process has threads: never fork it
    todo: Any = context.Queue()
    done: Any = context.Queue()
    for document_id in ids:
        todo.put(document_id)
    for _ in range(processes * THREADS_PER_PROCESS):
        todo.put(None)  # one "no more" for each thread
    with _shared_conversion(app) as url:
        settings = _child_settings(app, url)
        factory = app.extensions[FACTORY]  # the app factory, which imports every feature, this one too
        # Not daemonic, so each may start the limited child a trust's own form is filled in; a process
        # whose parent has gone stops at its next wait for work.
        workers = [context.Process(target=_child_main, name=f"countersign-reissue-{n}",
                                   args=(factory, settings, todo, done, actor, user_id, os.getpid()))
                   for n in range(processes)]
        for worker in workers:
            worker.start()
        try:
            yield from _collect(ids, workers, done, actor)
        finally:
            for worker in workers:
                worker.join(timeout=30)
                if worker.is_alive():
                    worker.kill()
            todo.cancel_join_thread()
            done.cancel_join_thread()


def _collect(ids: list[int], workers: list[Any], done: Any, actor: str) -> Iterator[Result]:
    """Yield each contract's result as its process reports it; fail those a dead process had or never reached."""
    waiting = set(ids)
    started: dict[int, set[int]] = {}  # process id: contracts it has started and not finished
    while waiting:
        try:
            kind, pid, value = done.get(timeout=0.5)
        except queue.Empty:
            alive = [w for w in workers if w.is_alive()]
            for worker in workers:
                if not worker.is_alive() and started.get(worker.pid):
                    for document_id in started.pop(worker.pid):
                        waiting.discard(document_id)
                        yield _lost(document_id, actor, "the process reissuing it stopped")
            if not alive and done.empty():  # nobody is left to reach the rest
                for document_id in sorted(waiting):
                    yield _lost(document_id, actor, "the run stopped before reaching it")
                return
            continue
        if kind == "started":
            started.setdefault(pid, set()).add(value)
        elif value.document_id in waiting:
            started.get(pid, set()).discard(value.document_id)
            waiting.discard(value.document_id)
            yield value


def _lost(document_id: int, actor: str, reason: str) -> Result:
    log.warning("reissue of document %s failed: %s", document_id, reason)
    with transaction():
        audit.record(EventType.REISSUE_FAILED, document_id=document_id, actor=actor, details={"error": reason})
    return Result(document_id, Outcome.FAILED, reason=reason)


def processes_for(contracts: int, asked: int | None = None) -> int:
    """How many processes of its own the run gets; 1 means threads in this process."""
    if asked is not None:
        wanted = asked
    elif not is_eager():  # the broker's workers are where the work goes
        return 1
    else:
        wanted = min(default_processes(), contracts // CONTRACTS_PER_PROCESS)
    if wanted <= 1 or not may_have_children() or _database_is_private():
        return 1
    return wanted


def _database_is_private() -> bool:
    """An in-memory SQLite database cannot be opened by another process."""
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


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


def _child_main(factory: Callable[[dict[str, Any]], Flask], settings: dict[str, Any], todo: Any, done: Any,
                actor: str, user_id: int | None, parent: int) -> None:
    """A run's process: build the app, then reissue from the queue on THREADS_PER_PROCESS threads until told to stop."""
    app = factory(settings)

    def next_contract() -> int | None:
        while True:
            try:
                return todo.get(timeout=5)
            except queue.Empty:
                if os.getppid() != parent:  # the run is gone: nobody would hear of the rest
                    return None

    def drain() -> None:
        while (document_id := next_contract()) is not None:
            done.put(("started", os.getpid(), document_id))
            with app.app_context(), background():  # the context's end removes its session
                result = reissue_one(document_id, actor=actor, user_id=user_id)
            done.put(("done", os.getpid(), result))

    threads = [threading.Thread(target=drain, name=f"reissue-{n}") for n in range(THREADS_PER_PROCESS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

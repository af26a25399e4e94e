"""Background jobs on Celery: a worker on a broker when configured, else in this process after the response."""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import click
from celery import Celery, Task
from flask import Flask, current_app, has_app_context

from .db import after_commit
from .extensions import db

log = logging.getLogger(__name__)

# Redis hands an unacknowledged message (its worker was killed) to another worker after this
# long. Lost work normally comes back sooner, through a lapsed claim and the sweep; this is the
# backstop. A retry must not wait longer than this, or Redis would deliver it a second time.
VISIBILITY_TIMEOUT = 300
LONGEST_COUNTDOWN = VISIBILITY_TIMEOUT - 60
POOL = "countersign.job_pool"
BEAT = "countersign.in_process_beat"
THREAD_PREFIX = "countersign-job"  # the pool's threads are named after it


class Job(StrEnum):
    """Every background job, by the name its task is registered under."""

    PREPARE_VERSION = "countersign.prepare_version"
    SEAL_VERSION = "countersign.seal_version"
    DELIVER_EMAIL = "countersign.deliver_email"
    DELIVER_WEBHOOK = "countersign.deliver_webhook"
    BULK_REISSUE = "countersign.bulk_reissue"
    REISSUE_CONTRACT = "countersign.reissue_contract"
    SWEEP = "countersign.sweep"
    SEND_REMINDERS = "countersign.send_reminders"
    CHECKPOINT_AUDIT = "countersign.checkpoint_audit"
    RENEW_TIMESTAMPS = "countersign.renew_timestamps"


def init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks run inside this Flask app's context."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config["CELERY_BROKER_URL"]
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(
        {
            "broker_url": broker or "memory://",
            "task_always_eager": not broker,
            "task_eager_propagates": True,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "worker_concurrency": int(app.config["WORKER_CONCURRENCY"] or 0) or None,
            "worker_hijack_root_logger": False,
            "broker_connection_retry_on_startup": True,
            "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT},
            "task_default_queue": app.config["CELERY_QUEUE"],
            "beat_schedule": {name: {"task": job.value, "schedule": every}
                              for name, (job, every) in schedule(app.config).items()},
        }
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    app.extensions[POOL] = JobPool(int(app.config["JOBS_THREADS"] or 2), nice=int(app.config["JOBS_NICE"] or 0))
    beat = app.extensions[BEAT] = InProcessBeat()

    @app.before_request
    def keep_the_schedule() -> None:  # without a broker, a serving process keeps beat's schedule itself
        if not app.config["CELERY_BROKER_URL"] and app.config["JOBS_SCHEDULE"] and not app.config["JOBS_INLINE"]:
            beat.start(app)

    return celery_app


def schedule(config: Mapping[str, Any]) -> dict[str, tuple[Job, float]]:
    """What runs on its own, and every how many seconds: beat's schedule, or without a broker each serving process's."""
    return {
        "sweep": (Job.SWEEP, float(config["SWEEP_SECONDS"])),
        "reminders": (Job.SEND_REMINDERS, 3600.0),
        "audit-checkpoint": (Job.CHECKPOINT_AUDIT, 86400.0),
        "renew-timestamps": (Job.RENEW_TIMESTAMPS, 86400.0),
    }


class InProcessBeat:
    """Without a broker, a serving process's own beat: each scheduled job handed to its job pool when due.

    Started by the process's first request (after gunicorn forks its workers; a command serves none),
    each entry first one interval later. Every web process keeps it: the jobs are safe to run side by
    side (the sweep and reminders claim each piece of work before doing it), as with beat on a broker.
    """

    def __init__(self) -> None:
        self._owner = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self, app: Flask) -> None:
        """Keep the schedule in this process from now on (once per process; again in a forked child)."""
        if self._owner == os.getpid():
            return
        with self._lock:
            if self._owner == os.getpid():
                return
            self._owner = os.getpid()
        entries = schedule(app.config)
        threading.Thread(target=self._keep, args=(app, entries), name=f"{THREAD_PREFIX}-beat", daemon=True).start()

    def stop(self) -> None:
        """Stop handing out scheduled jobs (those already handed to the pool finish)."""
        self._stopped.set()

    def _keep(self, app: Flask, entries: dict[str, tuple[Job, float]]) -> None:
        pool: JobPool = app.extensions[POOL]
        due = {name: time.monotonic() + every for name, (_job, every) in entries.items()}
        while not self._stopped.wait(max(0.0, min(due.values()) - time.monotonic())):
            now = time.monotonic()
            for name, (job, every) in entries.items():
                if due[name] <= now:
                    due[name] = now + every
                    try:
                        pool.submit(app, job, ())
                    except Exception:  # the process is shutting down, say: the schedule itself carries on
                        log.exception("scheduled job %s could not be started", job)


def is_eager() -> bool:
    """Return whether jobs run in-process (no broker configured)."""
    return not current_app.config["CELERY_BROKER_URL"]


def countdown(seconds: float) -> float:
    """Return how long a retry may wait: at most LONGEST_COUNTDOWN (the sweep covers longer waits)."""
    return min(seconds, LONGEST_COUNTDOWN)


def dispatch(task_name: Job, *args: Any) -> None:
    """Queue the task named task_name with args once the current transaction commits.

    Tasks are named, not imported, so an operation never imports the job that runs it.
    """
    after_commit(lambda: run_or_queue(task_name, *args))


def run_or_queue(task_name: Job, *args: Any) -> None:
    """Hand a task over now; a failure is logged and left for the sweeper to retry.

    With a broker the task is queued for a worker. Without one it runs in this process: on the
    job pool's threads, after the response, unless JOBS_INLINE is set (tests, some commands) or
    this thread is already doing background work (a job's follow-on jobs run on in its thread).
    """
    if is_eager() and not current_app.config["JOBS_INLINE"] and not in_background():
        pool: JobPool = current_app.extensions[POOL]
        pool.submit(current_app._get_current_object(), task_name, args)  # type: ignore[attr-defined]
        return
    task: Task = current_app.extensions["celery"].tasks[str(task_name)]
    try:
        task.delay(*args)
    except Exception:
        # The job records its own failure; the sweep job picks the work up again later.
        log.exception("job %s%r did not complete; it will be retried", task_name, args)


_here = threading.local()


def in_background() -> bool:
    """Return whether this thread is running background work (so its jobs run on in it)."""
    return bool(getattr(_here, "background", False))


@contextmanager
def background() -> Iterator[None]:
    """Mark this thread as doing background work: jobs it dispatches run in it, at once."""
    before = in_background()
    _here.background = True
    try:
        yield
    finally:
        _here.background = before


_pools: weakref.WeakSet[JobPool] = weakref.WeakSet()


def lower_priority(by: int) -> None:
    """Lower the calling thread's scheduling priority by a nice increment (each thread has its own on Linux).

    Only ever lowered: an unprivileged process cannot raise it again, and the threads that call this
    run background work for the rest of their lives. What they start (threads, LibreOffice, a bulk
    reissue's processes) inherits it. Elsewhere, or where the system refuses, the thread keeps its priority.
    """
    if by <= 0 or not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + by))
    except OSError as exc:
        log.warning("background work keeps the priority of requests: %s", exc.strerror)


class JobPool:
    """A few threads that run jobs in this process once the request that queued them has answered.

    They run at a lower priority (`nice`): a job is waited for by nobody in particular, while a
    request is waited for by a person, and measured under load the last agreement's answer took
    twice as long when the seals it started competed with it on equal terms (bench/load.py).
    """

    def __init__(self, threads: int, *, nice: int = 0) -> None:
        self.threads = max(1, threads)
        self.nice = nice
        self._executor: ThreadPoolExecutor | None = None
        self._owner = 0
        self._pending = 0
        self._idle = threading.Condition()
        _pools.add(self)

    def submit(self, app: Flask, task_name: Job, args: tuple[Any, ...]) -> None:
        """Run the job on a pool thread, inside a fresh app context."""
        with self._idle:
            if self._executor is None or self._owner != os.getpid():  # none yet, or forked
                self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix=THREAD_PREFIX,
                                                    initializer=lower_priority, initargs=(self.nice,))
                self._owner = os.getpid()
                self._pending = 0
            self._pending += 1
            executor = self._executor
        executor.submit(self._run, app, task_name, args)

    def _run(self, app: Flask, task_name: Job, args: tuple[Any, ...]) -> None:
        try:
            with background(), app.app_context():
                run_or_queue(task_name, *args)
        except BaseException:  # run_or_queue logs a job's own failure; this is anything else
            log.exception("job %s%r could not be started; it will be retried", task_name, args)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every job handed to the pool (and what it led to) has finished."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


def drain(app: Flask, timeout: float | None = None) -> bool:
    """Wait for this app's in-process jobs to finish; return False if they outlast timeout."""
    return app.extensions[POOL].drain(timeout)


def wait_for_jobs(timeout: float | None = None) -> None:
    """End this context's read, then wait for the in-process jobs of every app in this process.

    The read must end first: on SQLite it holds the write lock the jobs are waiting for.
    """
    if has_app_context():
        db.session.rollback()
    for pool in list(_pools):
        pool.drain(timeout)


def finish_jobs_after_commands(app: Flask) -> None:
    """Make every `flask` command of the app wait for the jobs it started before it exits.

    Commands are shared by every app built in the process (the test suite builds many), so the
    wrapper waits for all of this process's job pools rather than one app's.
    """

    def wrap(command: click.Command) -> None:
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                wrap(sub)
            return
        callback = command.callback
        if callback is None or getattr(callback, "_drains", False):
            return

        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            finally:
                wait_for_jobs()

        run._drains = True  # type: ignore[attr-defined]
        command.callback = run

    wrap(app.cli)


__all__ = ["BEAT", "THREAD_PREFIX", "InProcessBeat", "Job", "JobPool", "background", "dispatch", "drain", "finish_jobs_after_commands",
           "in_background", "is_eager", "run_or_queue", "schedule", "wait_for_jobs"]

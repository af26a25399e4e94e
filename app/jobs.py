"""Background jobs on Celery: eager in-process by default, a worker on a broker when configured."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app

from .db import after_commit

log = logging.getLogger(__name__)

# Redis hands an unacknowledged message (its worker was killed) to another worker after this
# long. Lost work normally comes back sooner, through a lapsed claim and the sweep; this is the
# backstop. A retry must not wait longer than this, or Redis would deliver it a second time.
VISIBILITY_TIMEOUT = 300
LONGEST_COUNTDOWN = VISIBILITY_TIMEOUT - 60


class Job(StrEnum):
    """Every background job, by the name its task is registered under."""

    PREPARE_VERSION = "countersign.prepare_version"
    SEAL_VERSION = "countersign.seal_version"
    DELIVER_EMAIL = "countersign.deliver_email"
    DELIVER_WEBHOOK = "countersign.deliver_webhook"
    BULK_REISSUE = "countersign.bulk_reissue"
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
            "worker_hijack_root_logger": False,
            "broker_connection_retry_on_startup": True,
            "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT},
            "task_default_queue": app.config["CELERY_QUEUE"],
            "beat_schedule": {
                "sweep": {"task": Job.SWEEP.value, "schedule": float(app.config["SWEEP_SECONDS"])},
                "reminders": {"task": Job.SEND_REMINDERS.value, "schedule": 3600.0},
                "audit-checkpoint": {"task": Job.CHECKPOINT_AUDIT.value, "schedule": 24 * 3600.0},
                "renew-timestamps": {"task": Job.RENEW_TIMESTAMPS.value, "schedule": 86400.0},
            },
        }
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


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
    """Hand a task over now; a failure is logged and left for the sweeper to retry."""
    task: Task = current_app.extensions["celery"].tasks[str(task_name)]
    try:
        task.delay(*args)
    except Exception:
        # The job records its own failure; the sweep job picks the work up again later.
        log.exception("job %s%r did not complete; it will be retried", task_name, args)

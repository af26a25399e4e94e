"""Jobs hold short claims that a heartbeat renews while they work, and never lose a killed worker's message."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, update

from app.db import renewing, utcnow
from app.extensions import db
from app.jobs import VISIBILITY_TIMEOUT, Job
from app.mail.models import OutboundEmail


def test_every_job_is_acknowledged_after_it_ran_and_given_back_when_its_worker_dies(app):
    celery = app.extensions["celery"]
    for job in Job:
        task = celery.tasks[job.value]
        assert task.acks_late is True, job
        assert task.reject_on_worker_lost is True, job
    assert celery.conf.broker_transport_options["visibility_timeout"] == VISIBILITY_TIMEOUT == 300
    assert celery.conf.beat_schedule["sweep"]["schedule"] == app.config["SWEEP_SECONDS"] == 15
    assert celery.conf.task_default_queue == app.config["CELERY_QUEUE"]


def claimed_until(app, email_id):
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(select(OutboundEmail.claimed_until).where(OutboundEmail.id == email_id))


def test_a_claim_is_renewed_while_the_work_runs_and_left_to_lapse_after(app):
    with app.app_context():
        email = OutboundEmail(
            template="x",
            to_name="A",
            to_email="a@example.org",
            context={},
            status=OutboundEmail.SENDING,
            claimed_until=utcnow() + timedelta(seconds=1),
        )
        db.session.add(email)
        db.session.commit()
        email_id = email.id
        db.session.close()  # hold no transaction (SQLite: no write lock) while the heartbeat writes
        start = claimed_until(app, email_id)

        def renewal():
            return (
                update(OutboundEmail)
                .where(OutboundEmail.id == email_id)
                .values(claimed_until=utcnow() + timedelta(seconds=30))
            )

        with renewing(renewal, every=0.2):
            deadline = time.monotonic() + 5
            while claimed_until(app, email_id) == start and time.monotonic() < deadline:
                time.sleep(0.05)
            renewed = claimed_until(app, email_id)
            assert renewed > start
            time.sleep(0.5)
            assert claimed_until(app, email_id) > renewed  # it keeps renewing while the work runs
        stopped = claimed_until(app, email_id)
        time.sleep(0.5)
        assert claimed_until(app, email_id) == stopped  # and stops when the work ends
        db.session.execute(update(OutboundEmail).where(OutboundEmail.id == email_id).values(status=OutboundEmail.SENT))
        db.session.commit()  # nothing left "sending" for the end-of-test settle to wait on

"""Without a broker, jobs run in the web process after the response, not inside it.

The test suite normally runs jobs inline (JOBS_INLINE) so it can look at their outcome at once;
these tests turn that off and use the job pool a served app uses.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from app.db import transaction, utcnow
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.jobs import BEAT, THREAD_PREFIX, drain

from .conftest_helpers import BROKER, eventually
from .test_contract_spine import SUPERVISEE, agree, csrf, events, path_of, state


def hold_seal(app: Any, document_id: int, *, until: datetime) -> None:
    """Set the current version's seal claim, as the worker sealing it holds it."""
    with app.app_context(), transaction():
        document = db.session.get(Document, document_id)
        db.session.execute(update(DocumentVersion).where(DocumentVersion.id == document.version.id)
                           .values(seal_claimed_until=until))


def _create(runner: Any) -> int:
    result = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia",
                                 "--supervisor", "Alex Morgan <alex.morgan@example.org>", "--supervisee", SUPERVISEE])
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


@pytest.mark.skipif(bool(BROKER), reason="the embedded default's own schedule: with a broker, beat keeps it")
def test_without_a_broker_the_serving_process_sweeps_up_lost_work_itself(app, runner, client, mailbox, trusts):
    app.config.update(JOBS_INLINE=False, JOBS_SCHEDULE=True, SWEEP_SECONDS=1)
    document_id = _create(runner)
    supervisee_url = mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0])
    supervisor_url = mailbox.link(mailbox.to("alex.morgan@example.org", "Please read and agree")[0])
    assert agree(client, supervisee_url, "Sam O'Brien <Head> & Co").status_code == 303
    hold_seal(app, document_id, until=utcnow() + timedelta(minutes=10))  # a worker busy sealing it, then killed
    try:
        assert agree(client, supervisor_url, "Alex Morgan").status_code == 303
        assert drain(app, timeout=120)
        assert state(app, document_id) == "agreed"
        # Its claim lapses; no one runs `flask jobs sweep`: the process's own schedule queues the seal again.
        hold_seal(app, document_id, until=utcnow() - timedelta(seconds=1))
        assert eventually(lambda: state(app, document_id) == "sealed", timeout=60)
        assert any(t.name == f"{THREAD_PREFIX}-beat" for t in threading.enumerate())
    finally:
        app.extensions[BEAT].stop()
    assert len(events(app, document_id, "sealed")) == 1


@pytest.mark.skipif(bool(BROKER), reason="the embedded default's job pool: with a broker the worker seals")
def test_the_last_agreement_answers_before_the_seal_which_follows_in_the_background(
    app, runner, client, mailbox, trusts
):
    app.config["JOBS_INLINE"] = False
    document_id = _create(runner)
    # A command waits for the jobs it started: the links are sent by the time it exits.
    assert state(app, document_id) == "awaiting_agreement"
    assert len(events(app, document_id, "email_delivered")) == 2
    supervisee_url = mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0])
    supervisor_url = mailbox.link(mailbox.to("alex.morgan@example.org", "Please read and agree")[0])
    assert agree(client, supervisee_url, "Sam O'Brien <Head> & Co").status_code == 303
    # Hold the seal as a worker busy sealing it would (its claim): the background job finds it taken
    # and leaves it, so the pages below are seen, every time, while the record is still being sealed.
    hold_seal(app, document_id, until=utcnow() + timedelta(minutes=10))

    page = client.get(path_of(supervisor_url))
    began = time.monotonic()
    answered = client.post(path_of(supervisor_url) + "/agree",
                           data={"csrf_token": csrf(page.text), "confirm": "yes", "full_name": "Alex Morgan"})
    took = time.monotonic() - began
    # The response is back while the record is not sealed yet: sealing did not run inside it.
    assert answered.status_code == 303
    assert state(app, document_id) == "agreed"
    assert events(app, document_id, "sealed") == []

    done_url = path_of(supervisor_url) + "/done"
    waiting = client.get(done_url)
    assert waiting.status_code == 200
    assert "The record is being sealed" in waiting.text
    assert f'href="{done_url}"' in waiting.text  # the refresh link, for a browser without JavaScript
    assert re.search(r'<script src="/static/sealing\.js', waiting.text)
    assert re.search(r'<form[^>]+id="sealed-download" hidden', waiting.text)
    status = client.get(path_of(supervisor_url) + "/status")
    assert status.status_code == 200 and status.headers["Content-Type"] == "application/json"
    assert json.loads(status.data) == {"state": "agreed", "sealed": False}
    assert events(app, document_id, "sealed") == []  # and nothing a GET did changed that

    # The seal job ran in the pool after the response and left the held seal alone.
    assert drain(app, timeout=120)
    assert state(app, document_id) == "agreed"
    # The holder lets its claim lapse (as a killed worker's would); the sweep queues the seal again.
    hold_seal(app, document_id, until=utcnow() - timedelta(seconds=1))
    assert runner.invoke(args=["jobs", "sweep"]).exit_code == 0
    assert drain(app, timeout=120)
    assert state(app, document_id) == "sealed"
    assert json.loads(client.get(path_of(supervisor_url) + "/status").data) == {"state": "sealed", "sealed": True}
    ready = client.get(done_url)
    assert "the record is sealed" in ready.text and "being sealed" not in ready.text
    assert not re.search(r'id="sealed-download" hidden', ready.text)
    assert "sealing.js" not in ready.text

    # The download offered on the page is the sealed record, and it is logged like the emailed link.
    emailed = path_of(mailbox.link(mailbox.to("alex.morgan@example.org", "Sealed:")[0]))
    landing = client.get(emailed)
    by_email = client.post(emailed, data={"csrf_token": csrf(landing.text)}).data
    downloads = len(events(app, document_id, "downloaded"))
    got = client.post(path_of(supervisor_url) + "/sealed", data={"csrf_token": csrf(ready.text)})
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.data == by_email
    assert len(events(app, document_id, "downloaded")) == downloads + 1
    assert took < 5, f"the last agreement took {took:.2f} s"


def test_the_status_and_download_of_a_link_not_yet_answered_are_not_found(app, runner, client, mailbox, trusts):
    document_id = _create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0])
    assert client.get(path_of(url) + "/status").status_code == 404
    page = client.get(path_of(url))
    assert client.post(path_of(url) + "/sealed", data={"csrf_token": csrf(page.text)}).status_code == 404
    assert events(app, document_id, "downloaded") == []
    # Until the record is sealed, an agreed party's download is not found either.
    assert agree(client, url, "Sam O'Brien <Head> & Co").status_code == 303
    assert json.loads(client.get(path_of(url) + "/status").data) == {"state": "awaiting_agreement", "sealed": False}
    assert client.post(path_of(url) + "/sealed", data={"csrf_token": csrf(page.text)}).status_code == 404


def _priority(native_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, native_id)


@pytest.mark.skipif(bool(BROKER), reason="the embedded default's job pool: with a broker the worker runs the jobs")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread has a priority of its own on Linux")
def test_jobs_after_the_response_run_at_a_lower_priority_than_the_requests_that_queue_them(app, runner, mailbox, trusts):
    app.config["JOBS_INLINE"] = False
    own = _priority(threading.get_native_id())
    _create(runner)  # its two emails are sent on the pool's threads, after the command's transaction
    assert len(mailbox.to("sam@example.org", "Please read and agree")) == 1
    workers = [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]
    assert workers, "the emails were not sent on the job pool's threads"
    assert {_priority(t.native_id) for t in workers} == {min(19, own + app.config["JOBS_NICE"])}
    assert _priority(threading.get_native_id()) == own  # the thread that queued them keeps its own

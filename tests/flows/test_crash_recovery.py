"""A worker killed mid-seal: once a worker runs again the record is sealed within a minute, once.

Runs only with a broker (COUNTERSIGN_CELERY_BROKER_URL): real worker processes, real beat, a
real timestamp authority over HTTP that is slow, so the kill lands while the seal is under way.
Its workers use a queue of their own, so the suite's shared worker never takes these jobs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pyhanko.sign.timestamps import DummyTimeStamper
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.documents.models import DocumentVersion
from app.extensions import db
from app.storage import PDF, StoredFile
from app.trusts.models import Trust
from app.trusts.seal_keys import seal_key_for
from signing.verify import verify_pdf

from .conftest_helpers import BROKER, TimestampServer, eventually, settle, start_celery, wait_until_ready
from .test_contract_spine import agree, create_and_send, events, state

pytestmark = pytest.mark.skipif(not BROKER, reason="needs a broker and real worker processes")

QUEUE = "countersign-crash-recovery"
TSA_DELAY = 8.0  # per request; under the client's 10 s timeout, and a seal asks twice
RECOVERY_LIMIT = 60.0


@pytest.fixture
def slow_tsa(tsa_credentials: Any) -> Iterator[TimestampServer]:
    server = TimestampServer(DummyTimeStamper(tsa_cert=tsa_credentials[0], tsa_key=tsa_credentials[1]))
    server.delay = TSA_DELAY
    with server.running():
        yield server


@pytest.fixture
def crash_settings(settings: dict[str, Any], slow_tsa: TimestampServer, tmp_path: Path) -> dict[str, Any]:
    config = dict(settings, TSA_URLS=[slow_tsa.url], CELERY_QUEUE=QUEUE)
    if not os.environ.get("COUNTERSIGN_DATABASE_URL"):  # SQLite: the workers must open the same file
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'countersign.sqlite3'}"
    return config


@pytest.fixture
def app(crash_settings: dict[str, Any]) -> Iterator[Any]:
    """The app, sending jobs to this test's queue (no shared worker: these tests start their own)."""
    import redis

    from app import create_app

    redis.Redis.from_url(BROKER).delete(QUEUE)  # nothing left over from an earlier run's killed worker
    application = create_app(dict(crash_settings, TESTING=True))
    with application.app_context():
        db.drop_all()
        db.create_all()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class Processes:
    """Celery processes this test started, each stopped at the end (killed ones are reaped)."""

    def __init__(self, settings: dict[str, Any], folder: Path) -> None:
        self.settings, self.folder, self.started = settings, folder, []

    def worker(self, name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.folder / f"{name}.log"
        process = start_celery(self.settings, "worker", "--concurrency=2", f"--hostname={name}@%h", log_path=log, own_group=True)
        self.started.append(process)
        return process, log

    def beat(self) -> subprocess.Popen[bytes]:
        schedule = self.folder / "beat-schedule"
        process = start_celery(self.settings, "beat", f"--schedule={schedule}", log_path=self.folder / "beat.log", own_group=True)
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def processes(crash_settings: dict[str, Any], tmp_path: Path) -> Iterator[Processes]:
    started = Processes(crash_settings, tmp_path)
    yield started
    started.stop()


def descendants(pid: int) -> list[int]:
    """Return every process descended from pid (LibreOffice runs in sessions of its own)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found


def crash(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker, its pool children and everything they started, as a lost machine would."""
    others = descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    for pid in others:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


def claimed_until(app: Any, document_id: int) -> datetime | None:
    with app.app_context():
        value = db.session.scalar(select(DocumentVersion.seal_claimed_until).where(DocumentVersion.document_id == document_id))
        db.session.rollback()
        return value


def stored_pdfs(app: Any) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.media_type == PDF))
        db.session.rollback()
        return int(count or 0)


def test_a_worker_killed_mid_seal_is_recovered_within_a_minute_and_seals_once(
    app, runner, client, mailbox, trusts, slow_tsa, processes
):
    first, first_log = processes.worker("first")
    wait_until_ready(first, first_log)
    document_id = create_and_send(app, runner, eventually)
    assert eventually(lambda: state(app, document_id) == "awaiting_agreement")
    assert agree(client, mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0]), "Sam O'Brien <Head> & Co").status_code == 303
    assert agree(client, mailbox.link(mailbox.to("alex.morgan@example.org", "Please read and agree")[0]), "Alex Morgan").status_code == 303

    # The seal is claimed, has reached the timestamp authority, and its claim has been renewed.
    first_claim = eventually(lambda: claimed_until(app, document_id), timeout=60, interval=0.1)
    assert first_claim is not None, "the seal was never claimed"
    assert slow_tsa.requested.wait(60), "the seal never asked the timestamp authority"
    assert eventually(lambda: (claimed_until(app, document_id) or first_claim) > first_claim, timeout=20, interval=0.2), (
        "the working seal job did not renew its claim"
    )
    pdfs_before = stored_pdfs(app)

    crash(first)
    assert state(app, document_id) == "agreed"
    assert events(app, document_id, "sealed") == []
    slow_tsa.answer_promptly()

    started = time.monotonic()
    second, second_log = processes.worker("second")
    processes.beat()
    sealed = eventually(lambda: state(app, document_id) == "sealed", timeout=RECOVERY_LIMIT, interval=0.25)
    took = time.monotonic() - started
    assert sealed, f"not sealed {RECOVERY_LIMIT:.0f} s after a worker started again:\n{second_log.read_text()[-3000:]}"
    assert took <= RECOVERY_LIMIT

    # Exactly once: one sealed event, one sealed PDF stored, and it is the version's and valid.
    sealed_events = events(app, document_id, "sealed")
    assert len(sealed_events) == 1
    assert stored_pdfs(app) == pdfs_before + 1
    with app.app_context():
        version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document_id))
        assert version.sealed_file is not None and version.seal_claimed_until is None
        assert version.sealed_file.sha256 == sealed_events[0].details["sealed_sha256"]
        data = version.sealed_file.read()
        fingerprint = seal_key_for(db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))).fingerprint_sha256
        failures = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.document_id == document_id, AuditEvent.type == "seal_failed")
        )
    report = verify_pdf(data, trusted_fingerprints=[fingerprint])
    assert report.ok and report.timestamp_time is not None, report.problems
    assert failures == 0  # the lost seal was taken over, not failed and retried
    settle(app)  # the sealed-copy emails go out before this test's workers stop

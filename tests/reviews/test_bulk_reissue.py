"""A bulk reissue keeps every conversion process busy, reports progress, and is safe to run twice.

Without a broker it runs in threads of this process, or (a large run) in processes of its own that
convert on this process's pool: both are run here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import update

from app import create_app
from app.conversion import ConverterPool, get_converter
from app.db import utcnow
from app.documents.models import Document, DocumentVersion
from app.documents.queries import successor_of
from app.extensions import db
from app.reviews.bulk import CONTRACTS_PER_PROCESS, Outcome, processes_for, reissue_many

from .helpers import contract_count, create_contract, events, seal_by_mail, set_review_date, state


@pytest.fixture
def two_process_app(settings: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    """The app with a pool of two LibreOffice processes (the suite's default is one)."""
    application = create_app({**settings, "TESTING": True, "CONVERSION_POOL_SIZE": 2,
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'countersign.sqlite3'}"})
    with application.app_context():
        db.create_all()
    yield application
    get_converter(application).close()  # type: ignore[attr-defined]
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def run_processes() -> list[psutil.Process]:
    """This process's children started by multiprocessing's spawn: a bulk reissue's own processes."""
    found = []
    for child in psutil.Process().children():
        try:  # a child may end (a LibreOffice process recycled) while it is looked at
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def sealed_contracts_due(app: Any, mailbox: Any, wait: Any, count: int) -> list[int]:
    """Contracts sealed through their emailed links, due for review in ten days."""
    runner, client = app.test_cli_runner(), app.test_client()
    assert runner.invoke(args=["trusts", "load"]).exit_code == 0
    contracts: list[int] = []
    for _ in range(count):
        document_id = create_contract(runner)
        seal_by_mail(app, client, mailbox, wait, document_id, count=len(contracts) + 1)
        set_review_date(app, document_id, date.today() + timedelta(days=10))
        contracts.append(document_id)
    return contracts


@pytest.mark.skipif(bool(os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")),
                    reason="without a broker only: with one, each contract is a job for the workers")
def test_a_run_has_processes_of_its_own_only_when_each_would_reissue_enough_to_pay_for_its_start(
    two_process_app: Any,
) -> None:
    with two_process_app.app_context():
        assert processes_for(2 * CONTRACTS_PER_PROCESS - 1) == 1  # one process's worth: threads here
        assert processes_for(2 * CONTRACTS_PER_PROCESS) == 2
        assert processes_for(1000) == 2  # one per conversion process (REISSUE_PROCESSES is 0)
        assert processes_for(1000, 1) == 1  # asked for threads
        assert processes_for(4, 2) == 2  # asked for processes, however few the contracts
    two_process_app.config["REISSUE_PROCESSES"] = 3
    with two_process_app.app_context():
        assert processes_for(1000) == 3


@pytest.mark.skipif(bool(os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")),
                    reason="this app's own pool of two: with a broker the worker's pool converts")
@pytest.mark.parametrize("processes", [1, 2], ids=["threads here", "processes of its own"])
def test_a_bulk_reissue_converts_on_every_process_of_the_pool_and_is_safe_to_rerun(
    two_process_app: Any, mailbox: Any, wait: Any, processes: int
) -> None:
    app = two_process_app
    runner = app.test_cli_runner()
    contracts = sealed_contracts_due(app, mailbox, wait, 4)
    pool = get_converter(app)
    assert isinstance(pool, ConverterPool) and pool.concurrency == 2
    # One at a time, the pool reuses its warm process and never starts a second; start cold so
    # that both are started only if two conversions are asked for at once.
    pool.close()
    count = contract_count(app)

    seen, reissuers = [], set()

    def finished(result: Any) -> None:
        seen.append(result)
        reissuers.update(child.pid for child in run_processes())

    with app.app_context():
        results = reissue_many(contracts, actor="test", processes=processes, progress=finished)

    assert [r.document_id for r in results] == contracts
    assert all(r.outcome is Outcome.REISSUED for r in results), results
    assert sorted(r.document_id for r in seen) == sorted(contracts)  # progress, one call per contract
    # With processes of its own, they converted on this process's pool: the run started no other.
    assert len(pool.worker_pids()) == 2, "the two processes did not convert at once"
    assert len(reissuers) == (processes if processes > 1 else 0), reissuers
    assert contract_count(app) == count + 4
    for result in results:
        assert state(app, result.new_id) == "awaiting_agreement"  # rendered, converted and sent
        assert len(events(app, result.new_id, "email_delivered")) == 2

    again = runner.invoke(args=["reviews", "reissue", "--all-due", "--within", "60"])
    assert again.exit_code == 0, again.output
    assert "reissued 0, skipped 4 already reissued, failed 0" in again.output
    assert contract_count(app) == count + 4
    for document_id in contracts:
        assert len(events(app, document_id, "reissued")) == 1
        with app.app_context():
            assert successor_of(db.session.get(Document, document_id)) is not None


@pytest.mark.skipif(bool(os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")),
                    reason="without a broker only: with one, each contract is a worker's job")
def test_a_killed_reissue_process_fails_only_its_contracts_and_a_rerun_finishes_them(
    two_process_app: Any, mailbox: Any, wait: Any
) -> None:
    app = two_process_app
    runner = app.test_cli_runner()
    contracts = sealed_contracts_due(app, mailbox, wait, 4)
    count = contract_count(app)

    def kill_a_process(_result: Any) -> None:
        for child in run_processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()

    with app.app_context():
        first = reissue_many(contracts, actor="test", processes=2, progress=kill_a_process)

    failed = [r for r in first if r.outcome is Outcome.FAILED]
    assert failed, "no contract was lost with its process"
    # Those it had started, and those no process was left to reach.
    assert {r.reason for r in failed} <= {"the process reissuing it stopped", "the run stopped before reaching it"}
    for result in failed:
        assert events(app, result.document_id, "reissue_failed")

    with app.app_context():
        second = reissue_many(contracts, actor="test", processes=2)
    assert all(r.outcome in (Outcome.REISSUED, Outcome.SKIPPED) for r in second), second
    # Nothing half-written, nothing twice: each contract has exactly one reissue, recorded against it.
    assert contract_count(app) == count + 4
    successors = []
    for document_id in contracts:
        assert len(events(app, document_id, "reissued")) == 1
        with app.app_context():
            successor = successor_of(db.session.get(Document, document_id))
            assert successor is not None
            successors.append(successor.id)
    # A reissue whose process died while preparing it is finished by the sweep, like a killed worker's.
    with app.app_context():
        db.session.execute(update(DocumentVersion).where(DocumentVersion.document_id.in_(successors))
                           .values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    swept = runner.invoke(args=["jobs", "sweep"])
    assert swept.exit_code == 0, swept.output
    for successor_id in successors:
        assert state(app, successor_id) == "awaiting_agreement"

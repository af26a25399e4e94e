"""A bulk reissue keeps every conversion process busy, reports progress, and is safe to run twice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.conversion import ConverterPool, get_converter
from app.documents.models import Document
from app.documents.queries import successor_of
from app.extensions import db
from app.reviews.bulk import Outcome, reissue_many

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


@pytest.mark.skipif(bool(os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")),
                    reason="this app's own pool of two: with a broker the worker's pool converts")
def test_a_bulk_reissue_converts_on_every_process_of_the_pool_and_is_safe_to_rerun(
    two_process_app: Any, mailbox: Any, wait: Any
) -> None:
    app = two_process_app
    runner, client = app.test_cli_runner(), app.test_client()
    assert runner.invoke(args=["trusts", "load"]).exit_code == 0
    contracts = []
    for _ in range(4):
        document_id = create_contract(runner)
        seal_by_mail(app, client, mailbox, wait, document_id, count=len(contracts) + 1)
        set_review_date(app, document_id, date.today() + timedelta(days=10))
        contracts.append(document_id)
    pool = get_converter(app)
    assert isinstance(pool, ConverterPool) and pool.concurrency == 2
    # One at a time, the pool reuses its warm process and never starts a second; start cold so
    # that both are started only if two conversions are asked for at once.
    pool.close()
    count = contract_count(app)

    seen = []
    with app.app_context():
        results = reissue_many(contracts, actor="test", progress=seen.append)

    assert [r.document_id for r in results] == contracts
    assert all(r.outcome is Outcome.REISSUED for r in results), results
    assert sorted(r.document_id for r in seen) == sorted(contracts)  # progress, one call per contract
    assert len(pool.worker_pids()) == 2, "the two processes did not convert at once"
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

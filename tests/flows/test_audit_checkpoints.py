"""Checkpoints: the head certified under a key the database never sees, so deleting the newest rows
and rewriting the stored head is still found, and a forged checkpoint is named."""

from __future__ import annotations

import hashlib
import hmac
import threading

import pytest
from sqlalchemy import delete, event, func, select

from app import create_app
from app.audit import EventType, record
from app.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditPersonal
from app.db import transaction, utcnow
from app.extensions import db
from app.jobs import Job, run_or_queue

from ..conftest import DATABASE
from .audit_helpers import triggers_off
from .test_contract_spine import agree, create, create_and_send, state


def _checkpoints(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.head_hash).order_by(AuditCheckpoint.id))
        return [(seq, head_hash) for seq, head_hash in rows]


def _cut_back_to(app, keep: int) -> None:
    """Delete every row after `keep` and point the stored head at row `keep`, as an attacker would."""
    with triggers_off(app):
        doomed = select(AuditEvent.id).where(AuditEvent.seq > keep)
        db.session.execute(delete(AuditPersonal).where(AuditPersonal.event_id.in_(doomed)))
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == keep))
        head = db.session.get(AuditHead, 1)
        head.seq, head.hash = row.seq, row.hash
        db.session.commit()


def test_the_cli_certifies_the_head(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        point = db.session.scalar(select(AuditCheckpoint))
        assert (point.seq, point.head_hash) == (head.seq, head.hash)
        message = f"{point.seq}:{point.head_hash}:{point.created_at.isoformat(timespec='microseconds')}"
        key = app.config["AUDIT_CHECKPOINT_KEY"].encode()
        assert point.hmac == hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    assert f"row {head.seq}" in result.output
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "1 checkpoints agree" in verified.output


def test_an_empty_log_has_nothing_to_certify(app, runner):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "nothing to certify" in result.output
    assert _checkpoints(app) == []


def test_deleting_the_newest_rows_and_rewriting_the_head_is_found(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    [(seq, _)] = _checkpoints(app)
    keep = seq - 2
    _cut_back_to(app, keep)
    # The chain on its own now looks whole: only the checkpoint knows it was longer.
    with app.app_context():
        assert db.session.scalar(select(func.max(AuditEvent.seq))) == keep
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"rows after {keep} were deleted since the checkpoint of" in result.output
    assert "audit log broken" not in result.output  # the chain itself checks out; the checkpoint catches it


def test_rewriting_the_newest_rows_is_found(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    [(first_seq, _)] = _checkpoints(app)
    create_and_send(app, runner, wait)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    [_, (seq, _)] = _checkpoints(app)
    # Cut back past the second checkpoint, then append other events with the app's own code: a
    # consistent chain, as long as before, with a different history.
    _cut_back_to(app, first_seq + 1)
    with app.app_context(), transaction():
        while db.session.get(AuditHead, 1).seq < seq:
            record(EventType.CANCELLED, details={"reason": "never happened"})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"rows after {first_seq} were rewritten since the checkpoint of" in result.output
    assert f"row {seq} no longer has the hash it had then" in result.output
    assert "audit log broken" not in result.output


def test_a_forged_checkpoint_is_named(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        at = utcnow()
        message = f"{head.seq}:{head.hash}:{at.isoformat(timespec='microseconds')}".encode()
        wrong_key = hmac.new(b"not the key", message, hashlib.sha256).hexdigest()
        seq = head.seq
        db.session.add(AuditCheckpoint(seq=seq, head_hash=head.hash, created_at=at, hmac=wrong_key))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"(row {seq}) is not genuine: its HMAC fails" in result.output


def test_a_head_that_does_not_match_its_row_is_not_certified(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        head.hash = "f" * 64
        db.session.commit()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code != 0 and "no checkpoint written" in result.output
    assert _checkpoints(app) == []


def test_sealing_checkpoints_the_head_in_the_same_transaction(app, runner, client, mailbox, trusts, wait):
    document_id = create(runner)
    for address, name in (("alex.morgan@example.org", "Alex Morgan"), ("sam@example.org", "Sam O'Brien <Head> & Co")):
        assert agree(client, mailbox.link(mailbox.to(address, "Please read")[0]), name).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    with app.app_context():
        sealed = db.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.type == "sealed")).one()
    assert _checkpoints(app) == [tuple(sealed)]
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


@pytest.mark.skipif(not DATABASE, reason="SQLite's check holds the write lock: nothing can append during it")
def test_an_event_appended_while_the_log_is_checked_is_not_a_break(app, runner, mailbox, trusts, wait):
    # The app goes on working while someone checks: the worker records each email sent after a seal.
    create_and_send(app, runner, wait)
    appended: list[int] = []

    def append_once_the_walk_has_begun(_conn, _cursor, statement, *_args) -> None:
        if appended or not statement.lstrip().startswith("SELECT audit_event.") or "ORDER BY audit_event.seq" not in statement:
            return

        def append() -> None:
            with app.app_context(), transaction():
                appended.append(record(EventType.CANCELLED, details={"reason": "recorded during the check"}).seq)

        thread = threading.Thread(target=append)
        thread.start()
        thread.join()

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", append_once_the_walk_has_begun)
        try:
            result = runner.invoke(args=["audit", "verify"])
        finally:
            event.remove(db.engine, "after_cursor_execute", append_once_the_walk_has_begun)
    assert appended, "nothing was appended during the check"
    assert result.exit_code == 0, result.output
    assert f"audit log intact: {appended[0] - 1} rows" in result.output  # the log as it was when the check began
    assert f"audit log intact: {appended[0]} rows" in runner.invoke(args=["audit", "verify"]).output


def test_beat_checkpoints_daily(app, runner, mailbox, trusts, wait):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert {"task": Job.CHECKPOINT_AUDIT.value, "schedule": 24 * 3600.0} in schedule.values()
    create_and_send(app, runner, wait)
    with app.app_context():
        run_or_queue(Job.CHECKPOINT_AUDIT)
    assert wait(lambda: len(_checkpoints(app)) == 1)


def test_the_checkpoint_key_is_generated_once_outside_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("COUNTERSIGN_AUDIT_CHECKPOINT_KEY", raising=False)
    first = create_app({"OUTPUT_DIR": str(tmp_path)})
    second = create_app({"OUTPUT_DIR": str(tmp_path)})
    key = first.config["AUDIT_CHECKPOINT_KEY"]
    assert key == second.config["AUDIT_CHECKPOINT_KEY"] != first.config["SECRET_KEY"]
    assert len(key) >= 40
    assert (tmp_path / "audit_checkpoint_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("COUNTERSIGN_AUDIT_CHECKPOINT_KEY", "a-key-from-the-environment")
    assert create_app({"OUTPUT_DIR": str(tmp_path)}).config["AUDIT_CHECKPOINT_KEY"] == "a-key-from-the-environment"

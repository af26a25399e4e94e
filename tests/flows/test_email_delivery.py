"""Email is sent after commit, retried with back-off when the server is down, and never lost."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.mail.models import OutboundEmail
from app.mail.operations import deliver

from .conftest_helpers import BROKER
from .test_contract_spine import create

pytestmark = pytest.mark.skipif(bool(BROKER), reason="changes the app's SMTP settings in-process")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def emails(app):
    with app.app_context():
        return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def test_a_failed_send_is_kept_and_retried_later(app, runner, mailbox, trusts):
    working = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = closed_port()
    create(runner)
    queued = emails(app)
    assert len(queued) == 2
    assert all(e.status == "queued" and e.attempts == 1 and "ConnectionRefused" in e.last_error for e in queued)
    assert mailbox.messages == []

    app.config["SMTP_PORT"] = working
    time.sleep(1.1)  # MAIL_RETRY_BASE_SECONDS=1 in tests: the first retry is due after a second
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0 and "2 emails" in result.output
    mailbox.to("sam@example.org", "Please read")
    assert [e.status for e in emails(app)] == ["sent", "sent"]
    # Sweeping again sends nothing twice.
    runner.invoke(args=["jobs", "sweep"])
    assert len(mailbox.messages) == 2


def test_an_email_that_cannot_be_sent_is_recorded_and_written_to_disk(app, runner, mailbox, trusts):
    app.config["SMTP_PORT"] = closed_port()
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    document_id = create(runner)
    assert [e.status for e in emails(app)] == ["failed", "failed"]
    with app.app_context():
        failures = list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == "email_failed")))
    assert len(failures) == 2 and all(f.document_id == document_id for f in failures)
    undelivered = Path(app.config["OUTPUT_DIR"]) / "undelivered"
    assert len([p for p in undelivered.glob("email-*.eml")]) >= 2


def test_outbox_backend_writes_eml_files(app, runner, trusts, tmp_path):
    app.config["MAIL_BACKEND"] = "outbox"
    app.config["OUTPUT_DIR"] = str(tmp_path)
    create(runner)
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    assert any(b"sam@example.org" in f.read_bytes() for f in files)


def test_the_sweep_removes_conversion_folders_of_dead_processes(app, tmp_path):
    from app.sweep import remove_orphaned_conversion_folders

    dead = tmp_path / "pool-999999999-abc"  # no such process
    dead.mkdir()
    (dead / "record.docx").write_bytes(b"a record's text")
    alive = tmp_path / f"pool-{__import__('os').getpid()}-xyz"
    alive.mkdir()
    assert remove_orphaned_conversion_folders(tmp_path) == 1
    assert not dead.exists() and alive.exists()


CHANGES = {"name": "Sam\rPatel", "title": "Supervision contract", "reference": "CS-000001", "version": 1,
           "requester": "Alex Morgan", "requester_role": "supervisor", "reason": "The venue is wrong"}


def outbox_row(app, **fields):
    """Put an email in the outbox directly, as an older release or a bad import could have left it."""
    with app.app_context():
        email = OutboundEmail(template="changes_requested", to_email="sam@example.org", **fields)
        db.session.add(email)
        db.session.commit()
        return email.id


def test_an_email_that_cannot_even_be_built_is_still_written_to_disk(app, tmp_path):
    app.config.update(OUTPUT_DIR=str(tmp_path), MAIL_MAX_ATTEMPTS=1)
    email_id = outbox_row(app, to_name="Sam\rPatel", context=CHANGES)
    with app.app_context():
        assert deliver(email_id) is None  # given up: no retry
        email = db.session.get(OutboundEmail, email_id)
        assert email.status == "failed" and "CR or LF" in email.last_error
        failed = db.session.scalar(select(AuditEvent).where(AuditEvent.type == "email_failed"))
        assert failed.details["to"] == "sam@example.org"
    kept = (tmp_path / "undelivered" / f"email-{email_id}.txt").read_text(encoding="utf-8")
    assert 'To name: "Sam\\rPatel"' in kept and 'To email: "sam@example.org"' in kept
    assert "address parts cannot contain CR or LF" in kept
    assert "Subject:" in kept and "The venue is wrong" in kept  # the rendered message, so nothing is lost
    assert not list((tmp_path / "undelivered").glob("*.eml"))


def test_an_email_whose_template_cannot_render_keeps_its_context(app, tmp_path):
    app.config.update(OUTPUT_DIR=str(tmp_path), MAIL_MAX_ATTEMPTS=1)
    email_id = outbox_row(app, to_name="Sam Patel", context={"reason": "The venue is wrong"})  # most keys missing
    with app.app_context():
        deliver(email_id)
        assert db.session.get(OutboundEmail, email_id).status == "failed"
    kept = (tmp_path / "undelivered" / f"email-{email_id}.txt").read_text(encoding="utf-8")
    assert "Not rendered:" in kept and "UndefinedError" in kept
    assert '"reason": "The venue is wrong"' in kept


def test_an_email_built_but_never_accepted_is_written_as_eml_on_its_last_try(app, runner, trusts, tmp_path):
    app.config.update(OUTPUT_DIR=str(tmp_path), SMTP_PORT=closed_port(), MAIL_MAX_ATTEMPTS=2)
    create(runner)
    assert [e.status for e in emails(app)] == ["queued", "queued"]
    assert not (tmp_path / "undelivered").exists()  # not on a try that will be retried
    with app.app_context():
        for email in emails(app):
            db.session.get(OutboundEmail, email.id).next_attempt_at = None
        db.session.commit()
        for email in emails(app):
            assert deliver(email.id) is None
    assert [e.status for e in emails(app)] == ["failed", "failed"]
    kept = sorted((tmp_path / "undelivered").glob("email-*.eml"))
    assert [p.name for p in kept] == [f"email-{e.id}.eml" for e in emails(app)]
    assert any(b"sam@example.org" in p.read_bytes() for p in kept)


def test_a_retry_delivered_before_its_back_off_ends_sends_nothing(app, runner, mailbox, trusts):
    working = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = closed_port()
    app.config["MAIL_RETRY_BASE_SECONDS"] = 60
    create(runner)
    app.config["SMTP_PORT"] = working
    first = emails(app)[0]
    with app.app_context():
        assert deliver(first.id) is None  # a duplicate or early message: the back-off still holds
    again = emails(app)[0]
    assert (again.status, again.attempts) == ("queued", 1)
    assert mailbox.messages == []

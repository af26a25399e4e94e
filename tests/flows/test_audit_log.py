"""The audit log is a hash chain: an edited or deleted row is found and named."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from app.audit.models import AuditEvent
from app.extensions import db

from .test_contract_spine import create_and_send


def test_an_intact_log_verifies(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit log intact" in result.output


def test_an_edited_row_is_named(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with app.app_context():
        seq = db.session.scalar(select(AuditEvent.seq).where(AuditEvent.type == "sent").limit(1))
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(actor="someone else"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"row {seq}" in result.output and "edited" in result.output


def test_a_deleted_row_is_named(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "row 2 is missing" in result.output


def test_deleting_the_newest_rows_is_noticed(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditEvent.seq)))
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == last))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "deleted" in result.output

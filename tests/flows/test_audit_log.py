"""The audit log is a hash chain the database keeps append-only: an edited or deleted row is refused,
and, when an owner switches the triggers off to do it anyway, found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from app.extensions import db

from .audit_helpers import triggers_off
from .test_contract_spine import create_and_send


def test_an_intact_log_verifies(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit log intact" in result.output


@pytest.mark.parametrize(
    "change",
    [
        update(AuditEvent).where(AuditEvent.seq == 1).values(actor="someone else"),
        delete(AuditEvent).where(AuditEvent.seq == 1),
        delete(AuditEvent),
    ],
    ids=["update", "delete-one", "delete-all"],
)
def test_the_database_refuses_to_change_a_written_row(app, runner, mailbox, trusts, wait, change):
    create_and_send(app, runner, wait)
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(AuditEvent))
        first = db.session.scalar(select(AuditEvent.actor).where(AuditEvent.seq == 1))
        with pytest.raises(DBAPIError, match="audit_event is append-only"):
            db.session.execute(change)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == rows
        assert db.session.scalar(select(AuditEvent.actor).where(AuditEvent.seq == 1)) == first != "someone else"
    # Appending still moves the head row on: it is the one audit table that is updated.
    create_and_send(app, runner, wait)
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        assert head is not None and head.seq > rows
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_the_database_refuses_to_change_a_checkpoint(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    with app.app_context():
        for change in (update(AuditCheckpoint).values(seq=1), delete(AuditCheckpoint)):
            with pytest.raises(DBAPIError, match="audit_checkpoint is append-only"):
                db.session.execute(change)
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1


def test_an_edited_row_is_named(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with triggers_off(app):
        seq = db.session.scalar(select(AuditEvent.seq).where(AuditEvent.type == "sent").limit(1))
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(actor="someone else"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"row {seq}" in result.output and "edited" in result.output


def test_a_deleted_row_is_named(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with triggers_off(app):
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "row 2 is missing" in result.output


def test_deleting_the_newest_rows_is_noticed(app, runner, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    with triggers_off(app):
        last = db.session.scalar(select(func.max(AuditEvent.seq)))
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == last))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "deleted" in result.output

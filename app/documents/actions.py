"""Agreed actions as data: made when a record is sealed, reviewed at the next session, marked done."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import audit
from ..audit import EventType
from ..db import UTCDateTime, transaction, utcnow
from ..extensions import db
from .models import Document


class Action(db.Model):  # type: ignore[name-defined]
    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    pair_key: Mapped[str] = mapped_column(String(1000), index=True)
    source_document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_in_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    done_by: Mapped[str | None] = mapped_column(String(320))


class ActionNotFound(Exception):
    pass


def open_actions_for(document: Document, *, include_done_by: int | None = None) -> list[Action]:
    """Return the pair's actions still open (and those this document closes), oldest first."""
    still_open = Action.done_at.is_(None)
    if include_done_by is not None:
        still_open = or_(still_open, Action.done_in_document_id == include_done_by)
    return list(
        db.session.scalars(
            select(Action)
            .where(
                Action.trust_id == document.trust_id,
                Action.pair_key == document.pair_key,
                Action.source_document_id != document.id,
                still_open,
            )
            .order_by(Action.due.is_(None), Action.due, Action.id)
        )
    )


def record_sealed(document: Document, fields: dict) -> None:
    """Turn a sealed record's agreed actions into data and close the ones it marked done."""
    for item in fields.get("actions", []):
        db.session.add(
            Action(
                trust_id=document.trust_id,
                pair_key=document.pair_key,
                source_document_id=document.id,
                what=item["what"],
                who=item["who"],
                due=date.fromisoformat(item["due"]) if item["due"] else None,
            )
        )
    done = set(fields.get("done_actions", []))
    for action in open_actions_for(document):
        if action.id in done:
            _close(action, document_id=document.id, actor=f"record {document.reference}")


def _close(action: Action, *, document_id: int | None, actor: str) -> None:
    action.done_at = utcnow()
    action.done_in_document_id = document_id
    action.done_by = actor
    audit.record(
        EventType.ACTION_DONE,
        document_id=action.source_document_id,
        actor=actor,
        details={"action": action.id, "closed_in": document_id},
    )


def mark_done(action_id: int, *, actor: str) -> Action:
    """Mark one action done (recorded in the audit log); doing it twice changes nothing."""
    with transaction():
        action = db.session.get(Action, action_id)
        if action is None:
            raise ActionNotFound(action_id)
        if action.done_at is None:
            _close(action, document_id=None, actor=actor)
    return action

"""What the review tests share: a contract sealed through the emailed links, and moving time in the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app.db import utcnow
from app.documents.models import Document, DocumentVersion, Link
from app.extensions import db
from app.mail.models import OutboundEmail
from app.trusts.models import Trust

from ..flows.test_contract_spine import agree, events, path_of, state

__all__ = ["agree", "events", "path_of", "state"]

SUPERVISOR = ("Alex Morgan", "alex.morgan@example.org")
SUPERVISEE = ("Sam Patel", "sam@example.org")
TRUST = "heart-of-mercia"


def person(who: tuple[str, str]) -> str:
    return f"{who[0]} <{who[1]}>"


def create_contract(runner: Any, *extra: str, supervisee: tuple[str, str] = SUPERVISEE) -> int:
    result = runner.invoke(
        args=["contract", "create", "--trust", TRUST, "--supervisor", person(SUPERVISOR), "--supervisee", person(supervisee), *extra]
    )
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def settle(app: Any, wait: Any) -> None:
    """Wait until no email is waiting to go and no document is being prepared or sealed."""
    from ..flows.conftest_helpers import settle as settle_app

    settle_app(app)

def agree_latest(client: Any, mailbox: Any, who: tuple[str, str], count: int) -> None:
    """Agree through the count-th 'Please read and agree' email a person received."""
    url = mailbox.link(mailbox.to(who[1], "Please read and agree", count=count)[count - 1])
    assert agree(client, url, who[0]).status_code == 303


def seal_by_mail(app: Any, client: Any, mailbox: Any, wait: Any, document_id: int, count: int = 1,
                 supervisee: tuple[str, str] = SUPERVISEE, supervisor_count: int | None = None) -> None:
    """Both parties agree through their count-th emailed link; wait for the seal."""
    settle(app, wait)
    agree_latest(client, mailbox, SUPERVISOR, supervisor_count or count)
    agree_latest(client, mailbox, supervisee, count)
    assert wait(lambda: state(app, document_id) == "sealed"), state(app, document_id)


def set_review_date(app: Any, document_id: int, when: date) -> None:
    """Move a contract's review date (time passing, without sleeping)."""
    with app.app_context():
        document = db.session.get(Document, document_id)
        version = document.version
        version.fields = {**version.fields, "review_date": when.isoformat()}
        document.take_fields(version)  # the review date column follows the version
        db.session.commit()


def fields_of(app: Any, document_id: int) -> dict[str, Any]:
    with app.app_context():
        return dict(db.session.get(Document, document_id).version.fields)


def change_trust_default(app: Any, key: str, value: str, slug: str = TRUST) -> None:
    """Change an installed trust's default, as re-installing an edited profile would."""
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        trust.profile = {**trust.profile, "defaults": {**trust.profile["defaults"], key: value}}
        db.session.commit()


def set_trust_profile(app: Any, table: str, values: dict[str, Any], slug: str = TRUST) -> None:
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        trust.profile = {**trust.profile, table: values}
        db.session.commit()


def age_links(app: Any, document_id: int, days: float, *, email: str | None = None, expiry_days: int = 14,
              purpose: str = "agree") -> datetime:
    """Make the document's personal links look sent `days` ago (expiry moved with them); return now."""
    now = utcnow()
    sent = now - timedelta(days=days)
    with app.app_context():
        versions = select(DocumentVersion.id).where(DocumentVersion.document_id == document_id)
        query = update(Link).where(Link.version_id.in_(versions), Link.purpose == purpose)
        if email:
            query = query.where(Link.party.has(email=email))
        db.session.execute(query.values(created_at=sent, expires_at=sent + timedelta(days=expiry_days)))
        db.session.commit()
    return now


def queued(app: Any, template: str) -> list[OutboundEmail]:
    """Emails queued from a template (whether or not a worker has delivered them yet)."""
    with app.app_context():
        return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.template == template)))


def contract_count(app: Any) -> int:
    with app.app_context():
        return len(list(db.session.scalars(select(Document.id))))

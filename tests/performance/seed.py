"""Many documents at once, written straight to the database (no LibreOffice), for statement counts and load."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.db import utcnow
from app.documents.actions import Action
from app.documents.create import unsaved_document
from app.documents.models import Link, LinkPurpose
from app.documents.people import Person
from app.documents.states import State
from app.extensions import db
from app.kinds import kind, resolve_fields
from app.trusts.models import Trust

SCHOOL = "Oakfield Primary School"


def seed(app: Any, pairs: int, slug: str = "heart-of-mercia") -> None:
    """Give a trust `pairs` supervision pairs, each with a contract due for review, a record, a document awaiting
    agreement, one with changes requested, and an overdue action."""
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        today = date.today()
        for n in range(pairs):
            supervisor = Person(f"Supervisor {n}", f"supervisor{n}@example.org")
            supervisee = Person(f"Supervisee {n}", f"supervisee{n}@example.org")
            made = {}
            for key, kind_name, state, fields in (
                ("contract", "contract", State.SEALED, {"school": SCHOOL, "agreed_date": (today - timedelta(days=300)).isoformat(),
                                                       "review_date": (today + timedelta(days=20)).isoformat()}),
                ("record", "record", State.SEALED, {"school": SCHOOL, "session_date": (today - timedelta(days=90)).isoformat()}),
                ("waiting", "contract", State.AWAITING_AGREEMENT, {"school": SCHOOL}),
                ("changes", "case-proforma", State.CHANGES_REQUESTED,
                 {"school": SCHOOL, "session_date": today.isoformat(), "case_reference": "J.S.", "case_background": "…"}),
            ):
                spec = kind(kind_name)
                resolved = resolve_fields(spec, fields, trust.profile, today)
                document = unsaved_document(trust, spec, supervisor, [supervisee], resolved, supervisor)
                document.state = state
                db.session.add(document)
                made[key] = document
            db.session.flush()
            waiting = made["waiting"]
            for party in waiting.parties:
                db.session.add(Link(purpose=LinkPurpose.AGREE, party=party, version=waiting.versions[0], nonce="0" * 32,
                                    created_at=utcnow(), expires_at=utcnow() + timedelta(days=14)))
            db.session.add(Action(trust_id=trust.id, pair_key=made["record"].pair_key, source_document_id=made["record"].id,
                                  what="Refer to early help", who=supervisee.name, due=today - timedelta(days=3)))
        db.session.commit()

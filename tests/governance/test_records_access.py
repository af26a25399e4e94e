"""Every records page checks who is asking: signed out, each role, and an admin of another trust."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.governance.models import Batch
from app.staff.models import User
from app.trusts.models import Trust

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from ..staff.test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="pages checked in-process")

PEOPLE = {
    "admin": ("admin@hom.example.org", "Morgan Admin", "admin", "heart-of-mercia", None),
    "lead": ("lead@oakfield.example.org", "Lee Lead", "lead", "heart-of-mercia", "Oakfield Primary School"),
    "staff": ("sam@example.org", "Sam Patel", "staff", "heart-of-mercia", "Oakfield Primary School"),
    "other_trust": ("admin@rt.example.org", "Rita Tees", "admin", "river-tees", None),
}


@pytest.fixture
def world(app: Any, runner: Any, trusts: Any) -> dict[str, int]:
    """Staff of two trusts, a Heart of Mercia batch awaiting approval and a standing hold."""
    for email, name, role, trust, school in PEOPLE.values():
        args = ["users", "create", email, "--name", name, "--role", role, "--trust", trust]
        assert runner.invoke(args=args + (["--school", school] if school else [])).exit_code == 0
    held = runner.invoke(args=["holds", "place", "--trust", "heart-of-mercia", "--school", "Elm Academy", "--reason", "Inquiry"])
    assert held.exit_code == 0, held.output
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        batch = Batch(trust_id=trust.id, as_of=date(2040, 1, 1), created_by="command line")
        db.session.add(batch)
        db.session.commit()
        sam = db.session.scalar(select(User).where(User.email == "sam@example.org"))
        return {"batch": batch.id, "hold": int(held.output.split()[1]), "user": sam.id}


def routes(w: dict[str, int]) -> list[tuple[str, str]]:
    return [
        ("GET", "/staff/records/"), ("GET", "/staff/records/log"), ("GET", "/staff/records/holds"),
        ("GET", "/staff/records/staff"), ("GET", "/staff/records/export"), ("GET", "/staff/records/audit-report"),
        ("GET", "/staff/records/audit-report/2026.pdf"), ("GET", f"/staff/records/batches/{w['batch']}"),
        ("POST", "/staff/records/review"), ("POST", f"/staff/records/batches/{w['batch']}/approve"),
        ("POST", "/staff/records/holds"), ("POST", f"/staff/records/holds/{w['hold']}/release"),
        ("POST", f"/staff/records/staff/{w['user']}/left"), ("POST", "/staff/records/export"),
    ]


EXPECTED = {
    "admin": [200, 200, 200, 200, 200, 200, 200, 200, 303, 400, 400, 303, 303, 400],
    "lead": [403] * 14,
    "staff": [403] * 14,
    "other_trust": [200, 200, 200, 200, 200, 200, 200, 404, 303, 404, 400, 404, 404, 400],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_reaches_only_what_it_may(app, client, mailbox, world, role):
    sign_in(client, mailbox, PEOPLE[role][0])
    token = csrf(client.get("/staff/documents").text)
    got = []
    for method, path in routes(world):
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token, "reason": "test"})
        got.append(response.status_code)
    assert got == EXPECTED[role], list(zip(routes(world), got, EXPECTED[role], strict=True))


def test_signed_out_visitors_are_sent_to_sign_in(app, client, world):
    for method, path in routes(world):
        if method == "GET":
            response = client.get(path)
            assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"], path
        else:
            assert client.post(path).status_code == 400, path  # no CSRF token: refused before anything else


def test_another_trusts_admin_sees_none_of_its_holds_batches_or_staff(app, client, mailbox, world):
    sign_in(client, mailbox, PEOPLE["other_trust"][0])
    assert "Elm Academy" not in client.get("/staff/records/holds").text
    assert "DB-" not in client.get("/staff/records/").text
    assert "Sam Patel" not in client.get("/staff/records/staff").text

"""Bulk annual reissue from the staff pages, with a progress view, safe to run twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from ..flows.test_kinds import agree_by_mail
from .test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="moves review dates in-process")


def sealed_contract(app, runner, client, mailbox, wait, supervisee: str, count: int) -> int:
    name, email = supervisee.split(" <")
    result = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "Alex Morgan <alex.morgan@example.org>",
                                 "--supervisee", supervisee, "--set", "school=Oakfield Primary School"])
    document_id = int(result.output.split()[-1])
    agree_by_mail(client, mailbox, "alex.morgan@example.org", "Alex Morgan", count=count)
    agree_by_mail(client, mailbox, email.rstrip(">"), name)
    with app.app_context():
        assert wait(lambda: db.session.get(Document, document_id).state == "sealed")
        document = db.session.get(Document, document_id)
        version = document.version
        version.fields = {**version.fields, "review_date": (date.today() + timedelta(days=10)).isoformat()}
        document.take_fields(version)  # the review date column follows the version
        db.session.commit()
    return document_id


def test_reissue_all_shows_progress_and_is_safe_twice(app, runner, client, mailbox, trusts, wait):
    first = sealed_contract(app, runner, app.test_client(), mailbox, wait, "Sam Patel <sam@example.org>", 1)
    second = sealed_contract(app, runner, app.test_client(), mailbox, wait, "Ria Shah <ria@example.org>", 2)
    runner.invoke(args=["users", "create", "lead@oakfield.example.org", "--name", "Lee Lead", "--role", "lead",
                        "--trust", "heart-of-mercia", "--school", "Oakfield Primary School"])
    sign_in(client, mailbox, "lead@oakfield.example.org")
    dashboard = client.get("/staff/").text
    assert "Contracts due for review" in dashboard and "review due" in dashboard
    page = client.get("/staff/reviews")
    assert page.status_code == 200 and "Reissue all 2" in page.text
    started = client.post("/staff/reviews/reissue-all", data={"csrf_token": csrf(page.text)})
    assert started.status_code == 303
    progress = client.get(started.headers["Location"])
    assert "2 of 2 done" in progress.text and progress.text.count("Reissued") == 2
    with app.app_context():
        successors = db.session.scalars(select(Document.previous_document_id).where(Document.previous_document_id.is_not(None))).all()
        assert sorted(successors) == sorted([first, second])
    with app.app_context():
        new = db.session.scalar(select(Document.id).where(Document.previous_document_id == first))
    shown = client.get(f"/staff/documents/{new}")
    assert "Changed from CS-" in shown.text and "review date" in shown.text and "This contract replaces" in shown.text
    assert "Contracts due for review" not in client.get("/staff/").text  # reissued: no longer due
    again = client.get("/staff/reviews")
    assert "No contracts are due" in again.text

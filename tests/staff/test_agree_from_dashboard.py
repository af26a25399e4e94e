"""A member of staff who is a party reads and agrees from their dashboard: the same checks, the same answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.documents.models import Answer
from app.extensions import db

from ..flows.test_contract_spine import csrf, events, path_of, state
from ..flows.test_parties_read import CLAUSE, agree_at, text_of
from ..frontend.support import check_page
from . import test_access
from .test_access import PEOPLE, sign_in
from .test_read_only_requests import every_row

SAM = PEOPLE["party"][0]
world = test_access.world  # staff of two trusts and a contract at Oakfield with Sam (staff) as its supervisee


def _agree(client: Any, document_id: int, **form: str) -> Any:
    page = client.get(f"/staff/documents/{document_id}/agree")
    return client.post(f"/staff/documents/{document_id}/agree", data={"csrf_token": csrf(page.text), **form})


def test_a_party_reads_and_agrees_from_the_dashboard_and_the_last_agreement_seals(app, client, mailbox, world, wait):
    document_id = world["document"]
    emailed = path_of(mailbox.link(mailbox.to(SAM, "Please read")[0]))
    alex = path_of(mailbox.link(mailbox.to("alex@example.org", "Please read")[0]))
    assert agree_at(app.test_client(), alex, "Alex Morgan").status_code == 303
    sign_in(client, mailbox, SAM)

    dashboard = client.get("/staff/")
    assert "Waiting for your agreement" in dashboard.text and "use the link in your email" not in dashboard.text
    assert f'href="/staff/documents/{document_id}/agree"' in dashboard.text

    before = every_row(app)
    page = client.get(f"/staff/documents/{document_id}/agree")
    assert page.status_code == 200
    check_page(page.text)
    assert "<title>Read and agree — " in page.text and CLAUSE in text_of(page.text)
    assert every_row(app) == before  # reading it wrote nothing

    no_tick = _agree(client, document_id, full_name="Sam Patel")
    wrong_name = _agree(client, document_id, confirm="yes", full_name="Someone Else")
    assert no_tick.status_code == 400 and "Tick the box" in no_tick.text
    assert wrong_name.status_code == 400 and "as it appears on the document: Sam Patel" in wrong_name.text
    assert events(app, document_id, "agreed")[-1].actor.startswith("Alex Morgan")  # nothing recorded yet

    done = _agree(client, document_id, confirm="yes", full_name="sam  patel")
    assert done.status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")  # Sam's was the last agreement
    event = events(app, document_id, "agreed")[-1]
    with app.app_context():
        answers = list(db.session.scalars(select(Answer).order_by(Answer.id)))
    assert [a.typed_name for a in answers] == ["Alex Morgan", "sam  patel"]
    assert event.actor.startswith("Sam Patel") and event.details["via"] == "staff_session"
    assert isinstance(event.details["staff_user"], int)

    after = client.get(done.headers["Location"])
    assert after.status_code == 200 and "<title>Agreed — " in after.text and "You agreed version 1" in after.text
    # The emailed link was the one used: it now opens the read-only page, and cannot agree again.
    reopened = app.test_client().get(emailed)
    assert reopened.status_code == 200 and "<title>Agreed — " in reopened.text
    again = _agree(client, document_id, confirm="yes", full_name="Sam Patel")
    assert again.status_code == 409
    assert len(events(app, document_id, "agreed")) == 2


@pytest.mark.parametrize("role", ["bystander", "lead", "admin"])
def test_staff_who_are_not_a_party_cannot_agree_from_the_dashboard(app, client, mailbox, world, role):
    document_id = world["document"]
    sign_in(client, mailbox, PEOPLE[role][0])
    token = csrf(client.get("/staff/").text)
    assert client.get(f"/staff/documents/{document_id}/agree").status_code == 404
    refused = client.post(f"/staff/documents/{document_id}/agree",
                          data={"csrf_token": token, "confirm": "yes", "full_name": "Sam Patel"})
    assert refused.status_code == 404
    assert events(app, document_id, "agreed") == []


def test_a_party_can_ask_for_changes_from_the_dashboard_and_keep_the_reason_to_the_author(app, client, mailbox, world):
    document_id = world["document"]
    alex = path_of(mailbox.link(mailbox.to("alex@example.org", "Please read")[0]))
    sign_in(client, mailbox, SAM)
    page = client.get(f"/staff/documents/{document_id}/agree")
    asked = client.post(f"/staff/documents/{document_id}/changes",
                        data={"csrf_token": csrf(page.text), "reason": "Wrong venue."})
    assert asked.status_code == 303
    assert events(app, document_id, "changes_requested")[-1].details["via"] == "staff_session"
    seen = app.test_client().get(alex)
    assert "<title>Changes requested — " in seen.text and "Sam Patel (supervisee) asked for changes" in seen.text
    assert "Wrong venue." not in seen.text
    assert re.search(r"chose not to share their reason", seen.text)

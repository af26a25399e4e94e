"""The signing page is rendered once and served again, in one statement, until anything it shows changes."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db import utcnow
from app.documents.models import Link, Party
from app.extensions import db
from app.trusts.models import Trust
from app.trusts.profile_edit import change_profile

from ..performance.statements import counted
from .conftest_helpers import BROKER
from .test_contract_spine import SUPERVISOR, create_and_send, csrf, path_of

SAM = "sam@example.org"


@pytest.fixture
def signing_page(app, runner, mailbox, trusts, wait) -> str:
    create_and_send(app, runner, wait)
    return path_of(mailbox.link_to(SAM, "Please read and agree"))


def without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf_token" value=|data-csrf=)"[^"]+"', r'\1""', html)


def test_a_page_opened_again_is_the_same_page_in_one_statement(app, client, signing_page):
    opened = client.get(signing_page)  # rendered: tests/performance/test_statements.py counts that one
    with counted(app) as again:
        reopened = client.get(signing_page)
    assert opened.status_code == reopened.status_code == 200
    assert len(again) == 1, "\n\n".join(again)
    assert without_csrf(reopened.text) == without_csrf(opened.text)
    assert "\x00" not in reopened.text


def test_each_visitor_gets_their_own_forms_token_and_it_works(app, client, signing_page):
    client.get(signing_page)  # kept
    other = app.test_client()
    page = other.get(signing_page)
    assert csrf(page.text) != csrf(client.get(signing_page).text)
    agreed = other.post(signing_page + "/agree", data={"csrf_token": csrf(page.text), "confirm": "yes",
                                                       "full_name": "Sam O'Brien <Head> & Co"})
    assert agreed.status_code == 303, agreed.text
    # The link is used: no one is shown the kept form to agree again.
    after = client.get(signing_page)
    assert after.status_code == 200 and 'action="' + signing_page + '/agree"' not in after.text
    assert "You agreed version 1" in after.text


def test_a_change_to_the_trusts_wording_is_on_the_next_open(app, client, signing_page):
    assert "I have read and agree to this supervision contract" in client.get(signing_page).text
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        profile = dict(trust.profile)
        profile["wording"] = {**profile.get("wording", {}), "contract": {"statement": "We accept the terms above"}}
        change_profile(trust, profile, templates_dir=Path(app.config["TEMPLATES_DIR"]), actor="test")
    page = client.get(signing_page)
    assert "We accept the terms above" in page.text
    assert "I have read and agree to this supervision contract" not in page.text


def test_a_kept_page_is_not_served_once_the_link_expires(app, client, signing_page):
    with app.app_context():
        db.session.execute(update(Link).where(Link.party.has(Party.email == SAM))
                           .values(expires_at=utcnow() + timedelta(seconds=1.5)))
        db.session.commit()
    assert client.get(signing_page).status_code == 200
    assert client.get(signing_page).status_code == 200  # served kept
    time.sleep(1.6)
    expired = client.get(signing_page)
    assert expired.status_code == 410 and "This link has expired" in expired.text


def test_a_link_replaced_in_another_process_is_refused_at_once(app, client, signing_page, mailbox):
    from app.documents.links import resend_link

    client.get(signing_page)
    with app.app_context():
        party = db.session.scalar(select(Party).where(Party.email == SAM))
        resend_link(party.document_id, party.id, actor="test")
    refused = client.get(signing_page)
    assert refused.status_code == 410 and "A newer link has been sent" in refused.text


@pytest.mark.skipif(bool(BROKER), reason="sign-in emails are sent in-process")
def test_a_member_of_staff_opening_the_link_is_named_and_no_one_else_is_shown_their_name(
        app, runner, client, mailbox, signing_page):
    from ..staff.test_access import sign_in

    client.get(signing_page)  # kept for anyone without a session of their own
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    staff = app.test_client()
    sign_in(staff, mailbox, "admin@hom.example.org")
    assert "Morgan Admin" in staff.get(signing_page).text
    assert "Morgan Admin" not in client.get(signing_page).text
    assert "Morgan Admin" not in app.test_client().get(signing_page).text


def test_the_supervisors_page_is_their_own(app, client, mailbox, signing_page):
    client.get(signing_page)
    theirs = client.get(path_of(mailbox.link_to(SUPERVISOR.split("<")[1].rstrip(">"), "Please read and agree")))
    assert theirs.status_code == 200
    assert "as the supervisor" in theirs.text and "as the supervisee" not in theirs.text
    mine = client.get(signing_page)
    assert "as the supervisee" in mine.text and "as the supervisor" not in mine.text

"""Passwordless sign-in: one use, fifteen minutes, and nothing reveals who has an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db import utcnow
from app.extensions import db
from app.staff.models import SignInLink

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf

pytestmark = pytest.mark.skipif(bool(BROKER), reason="checks in-process mail timing")


@pytest.fixture
def admin(runner, trusts):
    result = runner.invoke(args=["users", "create", "Admin@HOM.example.org", "--name", "Morgan Admin", "--role", "admin", "--trust", "heart-of-mercia"])
    assert result.exit_code == 0, result.output
    return "admin@hom.example.org"


def ask(client, email):
    page = client.get("/staff/sign-in")
    return client.post("/staff/sign-in", data={"csrf_token": csrf(page.text), "email": email})


def test_known_and_unknown_addresses_get_the_same_answer(app, client, mailbox, admin):
    known = ask(client, "ADMIN@hom.example.org")
    unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ADMIN@hom.example.org", "X") == unknown.text.replace("nobody@example.org", "X")
    mailbox.to(admin, "Sign in")
    assert all("nobody@example.org" not in str(m["To"]) for m in mailbox.messages)


def test_a_sign_in_link_works_once_and_opening_it_signs_nobody_in(app, client, mailbox, admin):
    ask(client, admin)
    path = mailbox.link_to(admin).split("countersign.test", 1)[1]
    for _ in range(2):  # a mail filter opening it
        assert client.get(path).status_code == 200
    assert client.get("/staff/").status_code == 302  # still signed out
    confirm = client.get(path)
    assert client.post(path, data={"csrf_token": csrf(confirm.text)}).status_code == 303
    assert client.get("/staff/").status_code == 200
    other = app.test_client()
    again = other.post(path, data={"csrf_token": csrf(other.get("/staff/sign-in").text)})
    assert again.status_code == 410 and "already been used" in again.text


def test_a_sign_in_link_expires_after_fifteen_minutes(app, client, mailbox, admin):
    ask(client, admin)
    path = mailbox.link_to(admin).split("countersign.test", 1)[1]
    with app.app_context():
        db.session.execute(update(SignInLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    page = client.get(path)
    assert page.status_code == 410 and "expired" in page.text


def test_sign_in_requests_are_rate_limited(app, client, mailbox, admin):
    statuses = [ask(client, "someone@example.org").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429


def test_a_bad_address_gets_an_error_summary(app, client, admin):
    page = ask(client, "not an email")
    assert page.status_code == 400 and "There is a problem" in page.text and "correct format" in page.text


def test_session_cookie_is_httponly_and_lax(app, client, mailbox, admin):
    ask(client, admin)
    path = mailbox.link_to(admin).split("countersign.test", 1)[1]
    response = client.post(path, data={"csrf_token": csrf(client.get(path).text)})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

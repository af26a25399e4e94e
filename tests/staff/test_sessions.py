"""Signing out, signing out everywhere and deactivation end every session, even a copied cookie."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import create_and_send, csrf, path_of
from .test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="sign-in emails are sent in-process")

ADMIN = "admin@hom.example.org"


@pytest.fixture
def admin(runner, trusts) -> str:
    result = runner.invoke(args=["users", "create", ADMIN, "--name", "Morgan Admin", "--role", "admin", "--trust", "heart-of-mercia"])
    assert result.exit_code == 0, result.output
    return ADMIN


def copy_of(app: Any, client: Any) -> Any:
    """Return another browser holding a copy of client's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def signed_in(client: Any) -> bool:
    staff, settings = client.get("/staff/"), client.get("/staff/settings")
    if staff.status_code == settings.status_code == 200:
        return True
    assert staff.status_code == settings.status_code == 302 and "/staff/sign-in" in staff.headers["Location"]
    return False


def sign_out(client: Any, page: str = "/staff/") -> Any:
    html = client.get(page).text
    return client.post("/staff/sign-out", data={"csrf_token": csrf(html)})


def events(app: Any, type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == type)))


def test_a_copied_cookie_stops_working_after_sign_out(app, client, mailbox, admin):
    sign_in(client, mailbox, admin)
    copy = copy_of(app, client)
    assert signed_in(copy)
    out = sign_out(client)
    assert out.status_code == 303
    assert "every other device" in client.get(out.headers["Location"]).text
    assert not signed_in(client) and not signed_in(copy)
    assert [e.actor for e in events(app, "signed_out")] == ["Morgan Admin <admin@hom.example.org>"]
    mailbox.clear()
    sign_in(client, mailbox, admin)  # signing in again works, and the old copy stays dead
    assert signed_in(client) and not signed_in(copy)


def test_a_copied_cookie_stops_working_when_the_user_is_deactivated(app, client, runner, mailbox, admin):
    sign_in(client, mailbox, admin)
    copy = copy_of(app, client)
    assert signed_in(copy)
    result = runner.invoke(args=["users", "deactivate", "ADMIN@hom.example.org"])
    assert result.exit_code == 0 and "their sessions have ended" in result.output, result.output
    assert not signed_in(client) and not signed_in(copy)
    assert len(events(app, "user_deactivated")) == 1
    mailbox.clear()
    page = client.get("/staff/sign-in")
    client.post("/staff/sign-in", data={"csrf_token": csrf(page.text), "email": admin})
    assert mailbox.messages == []  # no sign-in link for a deactivated account
    missing = runner.invoke(args=["users", "deactivate", "nobody@example.org"])
    assert missing.exit_code != 0 and "has no account" in missing.output


def test_sign_out_everywhere_ends_sessions_on_other_devices(app, mailbox, admin):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, mailbox, admin)
    mailbox.clear()
    sign_in(phone, mailbox, admin)
    stolen = copy_of(app, laptop)
    assert signed_in(laptop) and signed_in(phone) and signed_in(stolen)
    dashboard = phone.get("/staff/").text
    form = re.search(r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrf_token" value="([^"]+)">'
                     r'\s*<button[^>]*>Sign out everywhere</button>', dashboard)
    assert form, "the dashboard has no Sign out everywhere button"
    assert phone.post(form.group(1), data={"csrf_token": form.group(2)}).status_code == 303
    assert not signed_in(phone) and not signed_in(laptop) and not signed_in(stolen)


def test_a_session_cookie_taken_to_another_browser_is_signed_out(app, client, mailbox, admin):
    sign_in(client, mailbox, admin)
    thief = copy_of(app, client)
    thief.environ_base["HTTP_USER_AGENT"] = "Another browser/1.0"
    assert not signed_in(thief)
    assert signed_in(client)  # the browser it was made for is still signed in


def test_a_visitor_with_nobody_signed_in_is_not_sent_a_cookie_on_every_page(app, runner, client, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    signing_page = path_of(mailbox.link_to("sam@example.org", "Please read and agree"))
    # A form's CSRF token puts a session cookie in a visitor's browser once; pages after that leave it alone.
    first = client.get("/verify")
    assert [c.split("=", 1)[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    for page in ["/verify", "/", signing_page, signing_page]:
        answered = client.get(page)
        assert answered.status_code == 200
        assert answered.headers.getlist("Set-Cookie") == [], page

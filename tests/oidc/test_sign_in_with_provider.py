"""Staff sign in with their trust's OpenID provider: a real provider (oidc-provider) on 127.0.0.1.

Only a verified address of an active member of the provider's own trust signs in; every refusal
reads the same, so nobody learns whether an address is known; the emailed link still works.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.staff.models import User

from ..flows.test_contract_spine import csrf
from .journey import (
    ADMIN,
    CALLBACK,
    DOMAIN,
    LEFT,
    TRUST,
    UNVERIFIED,
    notice,
    query,
    sign_in_with_provider,
    through_provider,
    to_provider,
)


def events(app, kind):
    with app.app_context():
        return [e.details for e in db.session.scalars(select(AuditEvent).where(AuditEvent.type == kind))]


def test_the_command_prints_the_redirect_uri_to_register(sso):
    assert "sign in with Microsoft" in sso and f"redirect URI: {CALLBACK}" in sso


def test_a_verified_member_of_staff_signs_in_and_lands_on_the_dashboard(app, client, sso, oidc_provider):
    authorize = to_provider(client, ADMIN)
    asked = query(authorize)
    assert authorize.startswith(f"{oidc_provider.issuer}/auth?")
    # State, nonce and a PKCE S256 challenge on every request; the address as the login hint.
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20 and asked["login_hint"] == ADMIN
    assert asked["scope"] == "openid email profile" and asked["redirect_uri"] == CALLBACK
    answer = client.get(through_provider(authorize))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/staff/")
    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200 and "What needs your attention" in dashboard.text
    [signed_in] = [d for d in events(app, "signed_in") if d.get("method") == "oidc"]
    assert signed_in["issuer"] == oidc_provider.issuer
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == ADMIN)).last_signed_in_at is not None


def test_signing_out_ends_a_provider_session_like_any_other(app, client, sso):
    assert sign_in_with_provider(client, ADMIN).status_code == 303
    page = client.get("/staff/")
    assert client.post("/staff/sign-out", data={"csrf_token": csrf(page.text)}).status_code == 303
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize("email", [f"nobody@{DOMAIN}", UNVERIFIED, LEFT, f"kim@{DOMAIN}"],
                         ids=["unknown", "unverified", "deactivated", "another-trusts-staff"])
def test_everyone_else_is_refused_with_one_page_that_reveals_nothing(app, client, sso, email):
    answer = sign_in_with_provider(client, email)
    assert answer.status_code == 403
    assert "We could not sign you in with that account" in answer.text
    assert email not in answer.text
    assert client.get("/staff/").status_code == 302  # still signed out
    reason = {f"nobody@{DOMAIN}": "not_staff", UNVERIFIED: "email_not_verified", LEFT: "not_staff",
              f"kim@{DOMAIN}": "not_staff"}[email]
    assert [d["reason"] for d in events(app, "sso_refused")] == [reason]
    assert all(email not in str(d) for d in events(app, "sso_refused"))


def test_every_refusal_reads_the_same(app, sso):
    pages = {notice(sign_in_with_provider(app.test_client(), email).text)
             for email in (f"nobody@{DOMAIN}", UNVERIFIED, LEFT, f"kim@{DOMAIN}")}
    forged = app.test_client().get(f"/staff/sign-in/sso/{TRUST}/callback?code=x&state=forged")
    assert forged.status_code == 403
    pages.add(notice(forged.text))
    assert len(pages) == 1


def test_a_replayed_callback_is_refused(app, client, sso):
    """The browser's cookie from before the callback, replayed with the same code, signs nobody in."""
    callback = through_provider(to_provider(client, ADMIN))
    before = client.get_cookie("session")
    assert client.get(callback).status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", before.value, domain=before.domain)
    again = replay.get(callback)
    assert again.status_code == 403
    assert replay.get("/staff/").status_code == 302
    # The session still held the state and PKCE verifier: the provider refused the used code.
    assert [d["reason"] for d in events(app, "sso_refused")] == ["invalid_grant: grant request is invalid"]


def test_a_callback_for_another_browsers_login_is_refused(app, client, sso):
    """Login CSRF: a callback started in one browser is refused in another (no state in its session)."""
    callback = through_provider(to_provider(client, ADMIN))
    victim = app.test_client()
    assert victim.get(callback).status_code == 403
    assert [d["reason"] for d in events(app, "sso_refused")][0].startswith("mismatching_state")


def test_a_provider_error_is_refused(app, client, sso):
    authorize = to_provider(client, ADMIN)
    state = query(authorize)["state"]
    answer = client.get(f"/staff/sign-in/sso/{TRUST}/callback?error=access_denied&state={state}")
    assert answer.status_code == 403 and client.get("/staff/").status_code == 302


def test_the_emailed_link_still_works_for_a_trust_with_a_provider(app, client, mailbox, sso):
    page = client.get("/staff/sign-in")
    sent = client.post("/staff/sign-in", data={"csrf_token": csrf(page.text), "email": ADMIN})
    assert sent.status_code == 200 and "Check your email" in sent.text
    assert mailbox.to(ADMIN, "Sign in")


def test_a_domain_without_a_provider_is_told_to_use_the_emailed_link(app, client, sso):
    page = client.get("/staff/sign-in")
    answer = client.post("/staff/sign-in/sso", data={"csrf_token": csrf(page.text), "email": "x@elsewhere.example"})
    assert answer.status_code == 200
    assert "cannot sign in with an organisation account" in answer.text and "Sign in with Microsoft" not in answer.text


def test_the_offer_page_lets_its_form_go_to_the_provider_and_nowhere_else(app, client, sso, oidc_provider):
    page = client.get("/staff/sign-in")
    offered = client.post("/staff/sign-in/sso", data={"csrf_token": csrf(page.text), "email": ADMIN})
    assert f"form-action 'self' {oidc_provider.issuer}" in offered.headers["Content-Security-Policy"]
    assert page.headers["Content-Security-Policy"].endswith("form-action 'self'")


def test_an_unreachable_provider_is_explained_and_the_link_offered(app, client, runner, staff, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s")
    result = runner.invoke(args=["sso", "set", "--trust", TRUST, "--issuer", "http://127.0.0.1:9", "--client-id",
                                 "c", "--client-secret-file", str(secret), "--label", "Google", "--domain", DOMAIN])
    assert result.exit_code == 0, result.output
    page = client.get("/staff/sign-in")
    answer = client.post("/staff/sign-in/sso", data={"csrf_token": csrf(page.text), "email": ADMIN})
    assert answer.status_code == 200 and "Google sign-in cannot be reached just now" in answer.text


def test_a_head_request_to_the_callback_changes_nothing(app, client, sso):
    callback = through_provider(to_provider(client, ADMIN))
    assert client.head(callback).status_code == 405
    assert events(app, "signed_in") == [] and events(app, "sso_refused") == []
    assert client.get(callback).status_code == 303  # the code was not used up


def test_the_callbacks_code_and_state_never_reach_a_log(app, client, sso, caplog):
    caplog.set_level(logging.DEBUG)
    callback = through_provider(to_provider(client, ADMIN))
    asked = query(callback)
    line = f'127.0.0.1 - - "GET {callback} HTTP/1.1" 303 -'  # as an access log writes it
    logging.getLogger("werkzeug").info(line)
    assert client.get(callback).status_code == 303
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/staff/sign-in/" in logged
    assert asked["code"] not in logged and asked["state"] not in logged

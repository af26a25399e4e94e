"""Trust admins set their provider on a page or with `flask sso`; its secret never shows again."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.sso.models import TrustSso

from ..flows.test_contract_spine import csrf
from ..staff.test_access import sign_in
from .journey import ADMIN, DOMAIN, TRUST, sign_in_with_provider


def test_an_admin_sets_the_provider_on_a_page_and_staff_then_sign_in_with_it(
        app, client, mailbox, staff, oidc_provider, client_credentials):
    sign_in(client, mailbox, ADMIN)
    page = client.get("/staff/sso")
    assert page.status_code == 200 and "Set up a provider" in page.text
    client_id, secret = client_credentials
    form = {"csrf_token": csrf(page.text), "issuer": oidc_provider.issuer, "client_id": client_id,
            "client_secret": secret, "label": "Microsoft", "domains": f"{DOMAIN.upper()} school.example.org"}
    assert client.post("/staff/sso", data=form).status_code == 303
    shown = client.get("/staff/sso")
    assert client_id in shown.text and secret not in shown.text
    assert "/staff/sign-in/sso/heart-of-mercia/callback" in shown.text
    # Saving again with the secret left blank keeps it.
    assert client.post("/staff/sso", data={**form, "client_secret": "", "label": "Microsoft 365"}).status_code == 303
    with app.app_context():
        saved = db.session.scalar(select(TrustSso))
        assert (saved.client_secret, saved.label, saved.email_domains) == (secret, "Microsoft 365",
                                                                          ["hom.example.org", "school.example.org"])
        logged = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
        assert secret not in logged and "sso_configured" in {e.type for e in db.session.scalars(select(AuditEvent))}
    fresh = app.test_client()
    page = fresh.get("/staff/sign-in")
    offered = fresh.post("/staff/sign-in/sso", data={"csrf_token": csrf(page.text), "email": ADMIN})
    assert "Sign in with Microsoft 365" in offered.text


def test_the_page_is_for_admins_only(app, client, mailbox, runner, staff):
    runner.invoke(args=["users", "create", f"lead@{DOMAIN}", "--name", "Lee Lead", "--role", "lead", "--trust", TRUST,
                        "--school", "Any School"])
    sign_in(client, mailbox, f"lead@{DOMAIN}")
    assert client.get("/staff/sso").status_code == 403
    page = client.get("/staff/")
    assert client.post("/staff/sso", data={"csrf_token": csrf(page.text), "issuer": "https://x.example"}).status_code == 403


def test_bad_settings_are_refused_each_with_its_reason(app, runner, staff, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret")

    def set_(*extra, issuer="https://login.example.com/v2.0", trust=TRUST):
        return runner.invoke(args=["sso", "set", "--trust", trust, "--issuer", issuer, "--client-id", "abc",
                                   "--label", "Microsoft", *extra])

    assert "no trust 'nowhere'" in set_("--domain", DOMAIN, "--client-secret-file", str(secret), trust="nowhere").output
    assert "client secret" in set_("--domain", DOMAIN).output  # none saved yet, none given
    assert "email domains" in set_("--client-secret-file", str(secret)).output
    assert "not an email domain" in set_("--domain", "not a domain", "--client-secret-file", str(secret)).output
    app.config["OIDC_ALLOW_HTTP_ISSUERS"] = False
    assert "starting https://" in set_("--domain", DOMAIN, "--client-secret-file", str(secret),
                                       issuer="http://127.0.0.1:5556").output
    assert set_("--domain", DOMAIN, "--client-secret-file", str(secret)).exit_code == 0
    # One trust per domain: otherwise which provider may vouch for its addresses would be ambiguous.
    taken = set_("--domain", DOMAIN, "--client-secret-file", str(secret), trust="river-tees")
    assert taken.exit_code != 0 and "already signs in with another trust's provider" in taken.output
    shown = runner.invoke(args=["sso", "show", "--trust", TRUST]).output
    assert "https://login.example.com/v2.0" in shown and "s3cret" not in shown


def test_removing_the_provider_leaves_the_emailed_link(app, client, runner, sso):
    assert sign_in_with_provider(app.test_client(), ADMIN).status_code == 303
    assert runner.invoke(args=["sso", "remove", "--trust", TRUST]).exit_code == 0
    page = client.get("/staff/sign-in")
    answer = client.post("/staff/sign-in/sso", data={"csrf_token": csrf(page.text), "email": ADMIN})
    assert "cannot sign in with an organisation account" in answer.text
    assert client.get(f"/staff/sign-in/sso/{TRUST}/callback?code=x&state=y").status_code == 404
    assert runner.invoke(args=["sso", "remove", "--trust", TRUST]).exit_code != 0

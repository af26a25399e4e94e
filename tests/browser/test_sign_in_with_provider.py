"""In the browser: sign in with the trust's OpenID provider from the sign-in page, land on the dashboard."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

TRUST = "heart-of-mercia"
EMAIL = "jo.admin@hom.example.org"


def test_sign_in_with_the_trusts_provider(page: Any, live_server: str, runner: Any, trusts: None,
                                          oidc_provider: Any, tmp_path: Any, screenshot: Any) -> None:
    created = runner.invoke(args=["users", "create", EMAIL, "--name", "Jo Admin", "--role", "admin", "--trust", TRUST])
    assert created.exit_code == 0, created.output
    client_id, secret = oidc_provider.register(f"{live_server}/staff/sign-in/sso/{TRUST}/callback")
    (tmp_path / "secret").write_text(secret)
    configured = runner.invoke(args=["sso", "set", "--trust", TRUST, "--issuer", oidc_provider.issuer,
                                     "--client-id", client_id, "--client-secret-file", str(tmp_path / "secret"),
                                     "--label", "Microsoft", "--domain", "hom.example.org"])
    assert configured.exit_code == 0, configured.output

    page.goto("/staff/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Use my organisation account").click()
    button = page.get_by_role("button", name="Sign in with Microsoft")
    expect(button).to_be_visible()
    screenshot(page, "staff-sign-in-with-provider.png")
    button.click()  # to the provider (a form POST redirected there: the page's form-action allows it) and back
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs your attention")
    assert page.url == f"{live_server}/staff/"

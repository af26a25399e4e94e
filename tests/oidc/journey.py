"""Walk the sign-in journey through the real provider with the Flask test client, as a browser would."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from ..flows.test_contract_spine import csrf

TRUST = "heart-of-mercia"
DOMAIN = "hom.example.org"
BASE_URL = "http://countersign.test"
CALLBACK = f"{BASE_URL}/staff/sign-in/sso/{TRUST}/callback"
ADMIN = f"jo.admin@{DOMAIN}"
UNVERIFIED = f"unverified.sam@{DOMAIN}"  # the test provider says this address is not verified
LEFT = f"left.lee@{DOMAIN}"  # deactivated


def to_provider(client: Any, email: str) -> str:
    """Ask for the trust's provider by email and press its button; return the authorisation URL."""
    page = client.get("/staff/sign-in")
    offered = client.post("/staff/sign-in/sso", data={"csrf_token": csrf(page.text), "email": email})
    assert offered.status_code == 200 and "Sign in with Microsoft" in offered.text, offered.text
    started = client.post(f"/staff/sign-in/sso/{TRUST}", data={"csrf_token": csrf(offered.text), "email": email})
    assert started.status_code == 303, started.text
    return started.headers["Location"]


def through_provider(authorize_url: str, browser: requests.Session | None = None) -> str:
    """Follow the provider's redirects (it signs in the login_hint's account); return the callback path."""
    browser = browser or requests.Session()
    url = authorize_url
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), f"{answer.status_code} {answer.text[:500]}"
        url = requests.compat.urljoin(url, answer.headers["Location"])
        if url.startswith(BASE_URL):
            return url[len(BASE_URL):]
    raise AssertionError("the provider never sent the browser back")


def sign_in_with_provider(client: Any, email: str) -> Any:
    """The whole journey: returns the app's answer to the provider's redirect back."""
    return client.get(through_provider(to_provider(client, email)))


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def notice(page: str) -> str:
    """The page's main text, without its CSRF token (which differs per session)."""
    main = re.search(r"<main.*?</main>", page, re.S)
    text = main.group(0) if main else page
    return html.unescape(re.sub(r'name="csrf_token" value="[^"]+"', "", text))


def real_token(provider: Any, client_id: str, secret: str, email: str, nonce: str) -> dict[str, Any]:
    """Run the code flow with PKCE directly against the provider as client_id; return its token response."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"client_id": client_id, "response_type": "code", "scope": "openid email profile",
              "redirect_uri": CALLBACK, "state": secrets.token_urlsafe(16), "nonce": nonce,
              "code_challenge": challenge, "code_challenge_method": "S256", "login_hint": email}
    back = through_provider(f"{provider.issuer}/auth?{urlencode(params)}")
    answer = requests.post(f"{provider.issuer}/token", auth=(client_id, secret), timeout=10, data={
        "grant_type": "authorization_code", "code": query(back)["code"], "redirect_uri": CALLBACK,
        "code_verifier": verifier})
    answer.raise_for_status()
    return dict(answer.json())

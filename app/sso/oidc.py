"""OpenID Connect with Authlib: the redirect to a trust's provider, and the ID token checked on return.

Authlib keeps the state, nonce and PKCE verifier (S256) in the session when it redirects, and on
return checks the state, exchanges the code with the verifier, then checks the ID token's signature
(against the provider's published keys), issuer, audience (and azp), expiry, issued-at, nonce and
at_hash. We pin the issuer to the configured one: the discovery document must name it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import Response, current_app
from joserfc.errors import JoseError

from .models import TrustSso

SCOPE = "openid email profile"


class SsoRefused(Exception):
    """Sign-in with a provider did not succeed; reason says why (for the audit log, never the page)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """What a checked ID token says about who signed in."""

    email: str
    email_verified: bool
    subject: str
    nonce: str


def redirect_uri(provider: TrustSso) -> str:
    """Return where the provider sends the person back (register this URI with the provider)."""
    return f"{current_app.config['BASE_URL']}/staff/sign-in/sso/{provider.trust.slug}/callback"


def client(provider: TrustSso) -> FlaskOAuth2App:
    """Return an Authlib client for the trust's provider (made per request, so saved changes apply at once)."""
    name = f"trust-{provider.trust_id}"
    return FlaskOAuth2App(
        FlaskIntegration(name), name,
        client_id=provider.client_id, client_secret=provider.client_secret,
        server_metadata_url=f"{provider.issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                       "default_timeout": current_app.config["OIDC_TIMEOUT"]},
    )


def metadata(provider: TrustSso, oauth: FlaskOAuth2App | None = None) -> dict[str, Any]:
    """Return the provider's discovery document, refusing one that names another issuer."""
    oauth = oauth or client(provider)
    try:
        found = oauth.load_server_metadata()
    except (requests.RequestException, ValueError):
        raise SsoRefused("provider_unreachable") from None
    if found.get("issuer") != provider.issuer:  # OpenID Connect Discovery 1.0, section 4.3
        raise SsoRefused("issuer_mismatch")
    return dict(found)


def form_origin(provider: TrustSso) -> str:
    """Return the origin of the provider's authorisation endpoint (the sign-in page's form goes there)."""
    parts = urlsplit(str(metadata(provider).get("authorization_endpoint", "")))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SsoRefused("no_authorization_endpoint")
    return f"{parts.scheme}://{parts.netloc}"


def authorize_redirect(provider: TrustSso, login_hint: str) -> Response:
    """Redirect to the provider, with state, nonce and a PKCE challenge kept in the session."""
    oauth = client(provider)
    metadata(provider, oauth)
    hint = {"login_hint": login_hint} if login_hint else {}
    response: Response = oauth.authorize_redirect(redirect_uri(provider), **hint)
    response.status_code = 303
    return response


def _claims_options(provider: TrustSso) -> dict[str, Any]:
    # Authlib checks aud only when told to (otherwise only azp, which a token for another client
    # may carry): our client ID must be the audience, and the only one (OpenID Connect Core 3.1.3.7).
    only_us = provider.client_id
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": only_us, "validate": lambda _claims, aud: aud in (only_us, [only_us])},
        "nonce": {"essential": True},
    }


def fetch_identity(provider: TrustSso) -> Identity:
    """Finish the code flow this request returns from; return the ID token's identity or raise SsoRefused."""
    oauth = client(provider)
    metadata(provider, oauth)
    try:
        token = oauth.authorize_access_token(claims_options=_claims_options(provider), leeway=_leeway())
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise SsoRefused(_reason(exc)) from None
    # Authlib checks the ID token only when the session held a nonce for this state: insist on both.
    claims = token.get("userinfo")
    if claims is None:
        raise SsoRefused("no_id_token")
    return _identity(claims)


def check_id_token(provider: TrustSso, token: dict[str, Any], nonce: str) -> Identity:
    """Check a token response's ID token as the callback does (signature, iss, aud, exp, iat, nonce)."""
    if not nonce:  # Authlib skips the nonce check for an empty expected nonce
        raise SsoRefused("no_nonce")
    oauth = client(provider)
    metadata(provider, oauth)
    try:
        claims = oauth.parse_id_token(token, nonce=nonce, claims_options=_claims_options(provider), leeway=_leeway())
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoRefused(_reason(exc)) from None
    if claims is None:
        raise SsoRefused("no_id_token")
    return _identity(claims)


def _identity(claims: Any) -> Identity:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused("no_email")
    # Only a literal true counts: some providers send "true" strings or leave it out for unverified mail.
    # Microsoft Entra ID never sends email_verified for work accounts; its optional xms_edov claim
    # (the address's domain is one the tenant has proved it owns) stands in, only when it is absent.
    verified = claims.get("email_verified") is True or (
        "email_verified" not in claims and claims.get("xms_edov") is True)
    return Identity(email=email.strip(), email_verified=verified,
                    subject=str(claims.get("sub", "")), nonce=str(claims["nonce"]))


def _leeway() -> int:
    return int(current_app.config["OIDC_CLOCK_SKEW_SECONDS"])


def _reason(exc: Exception) -> str:
    # Authlib's errors carry a short code (mismatching_state, invalid_claim …); the message may name a claim.
    code = getattr(exc, "error", None) or type(exc).__name__
    description = getattr(exc, "description", None)
    return f"{code}: {description}" if description else str(code)

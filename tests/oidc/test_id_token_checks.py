"""The ID token is checked as the callback checks it: signature, issuer, audience, expiry, nonce, replay.

Tokens here are either real ones the provider issued (for this client or another, for one nonce)
or claims signed with the provider's own key — the key its JWKS publishes — so only the claim
under test is wrong. Each goes through app.sso.oidc.check_id_token, the same Authlib call with
the same options the callback uses (fetch_identity → authorize_access_token → parse_id_token).
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from app.sso.oidc import SsoRefused, check_id_token
from app.sso.providers import provider_by_slug
from app.sso.sign_in import complete_sso_sign_in

from .journey import ADMIN, CALLBACK, TRUST, real_token


@pytest.fixture
def check(app, sso):
    """check(token_response, nonce) -> Identity, inside a request as the callback runs."""
    context = app.test_request_context()
    context.push()
    provider = provider_by_slug(TRUST)
    yield lambda token, nonce: check_id_token(provider, token, nonce)
    context.pop()


@pytest.fixture
def claims(oidc_provider, client_credentials):
    """Claims just as the provider issues them for this client and nonce "n-1"."""
    now = int(time.time())
    return {"iss": oidc_provider.issuer, "sub": ADMIN, "aud": client_credentials[0], "iat": now, "exp": now + 3600,
            "nonce": "n-1", "email": ADMIN, "email_verified": True}


def refused(check, token, nonce="n-1"):
    with pytest.raises(SsoRefused) as caught:
        check(token, nonce)
    return caught.value.reason


def test_a_real_token_for_this_client_and_nonce_is_accepted(check, oidc_provider, client_credentials):
    token = real_token(oidc_provider, *client_credentials, ADMIN, "n-1")
    identity = check(token, "n-1")
    assert (identity.email, identity.email_verified, identity.nonce) == (ADMIN, True, "n-1")


def test_a_wrong_nonce_is_refused(check, oidc_provider, client_credentials, claims):
    token = real_token(oidc_provider, *client_credentials, ADMIN, "n-1")
    assert refused(check, token, nonce="n-2").startswith("invalid_claim")
    del claims["nonce"]
    assert refused(check, {"id_token": oidc_provider.sign(claims)}).startswith("missing_claim")
    assert refused(check, token, nonce="") == "no_nonce"


def test_a_replayed_token_is_refused(app, check, oidc_provider, client_credentials):
    token = real_token(oidc_provider, *client_credentials, ADMIN, "n-1")
    provider = provider_by_slug(TRUST)
    first = complete_sso_sign_in(provider, check(token, "n-1"), ip=None, user_agent=None)
    assert first.email == ADMIN
    # The same token again, with its own nonce (a copied session): the used nonce is remembered.
    with pytest.raises(SsoRefused) as caught:
        complete_sso_sign_in(provider, check(token, "n-1"), ip=None, user_agent=None)
    assert caught.value.reason == "replayed"
    # The same token offered to a new sign-in, which has a fresh nonce: refused by the nonce.
    assert refused(check, token, nonce="n-fresh").startswith("invalid_claim")


def test_a_real_token_for_another_client_is_refused(check, oidc_provider):
    other_id, other_secret = oidc_provider.register(CALLBACK)
    token = real_token(oidc_provider, other_id, other_secret, ADMIN, "n-1")
    assert refused(check, token).startswith("invalid_claim")


def test_an_audience_that_is_not_only_this_client_is_refused(check, oidc_provider, client_credentials, claims):
    ours = client_credentials[0]
    # Authlib alone would pass this one (azp names us; aud unchecked): the app pins the audience.
    claims.update(aud="someone-else", azp=ours)
    assert refused(check, {"id_token": oidc_provider.sign(claims)}).startswith("invalid_claim")
    claims.update(aud=[ours, "someone-else"], azp=ours)
    assert refused(check, {"id_token": oidc_provider.sign(claims)}).startswith("invalid_claim")
    claims.update(aud=[ours])
    del claims["azp"]
    assert check({"id_token": oidc_provider.sign(claims)}, "n-1").email == ADMIN


def test_an_expired_token_is_refused(check, oidc_provider, claims):
    now = int(time.time())
    claims.update(iat=now - 3700, exp=now - 100)  # beyond the 60 seconds' clock skew allowed
    assert refused(check, {"id_token": oidc_provider.sign(claims)}).startswith("expired_token")
    claims.update(exp=now - 30)  # within it
    assert check({"id_token": oidc_provider.sign(claims)}, "n-1").email == ADMIN
    del claims["exp"]
    assert refused(check, {"id_token": oidc_provider.sign(claims)}).startswith("missing_claim")


def test_another_issuer_is_refused(check, oidc_provider, claims):
    claims["iss"] = "https://login.example.com"
    assert refused(check, {"id_token": oidc_provider.sign(claims)}).startswith("invalid_claim")


def test_a_token_not_signed_by_the_provider_is_refused(check, oidc_provider, client_credentials, claims):
    impostor = RSAKey.generate_key(2048, parameters={"kid": "countersign-test-provider"})  # the provider's kid
    forged = jwt.encode({"alg": "RS256", "kid": "countersign-test-provider"}, claims, impostor)
    assert refused(check, {"id_token": forged}) == "bad_signature"
    real = real_token(oidc_provider, *client_credentials, ADMIN, "n-1")["id_token"]
    header, _payload, signature = real.split(".")
    other = jwt.encode({"alg": "RS256"}, {**claims, "email": "someone.else@hom.example.org"}, impostor).split(".")[1]
    assert refused(check, {"id_token": f"{header}.{other}.{signature}"}) == "bad_signature"  # claims swapped
    unsigned = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
                        for part in ({"alg": "none"}, claims)) + "."
    assert refused(check, {"id_token": unsigned})


def test_only_a_literal_true_email_verified_counts(app, check, oidc_provider, claims):
    claims["email_verified"] = "true"
    identity = check({"id_token": oidc_provider.sign(claims)}, "n-1")
    assert identity.email_verified is False
    with pytest.raises(SsoRefused) as caught:
        complete_sso_sign_in(provider_by_slug(TRUST), identity, ip=None, user_agent=None)
    assert caught.value.reason == "email_not_verified"


def test_an_access_token_that_does_not_match_at_hash_is_refused(check, oidc_provider, client_credentials):
    token = real_token(oidc_provider, *client_credentials, ADMIN, "n-1")
    assert "at_hash" in jwt.decode(token["id_token"], oidc_provider.key).claims
    token["access_token"] = "swapped-" + token["access_token"]
    assert refused(check, token).startswith("invalid_claim")


def test_entra_ids_domain_owner_verified_claim_stands_in_only_when_email_verified_is_absent(check, oidc_provider, claims):
    del claims["email_verified"]
    assert check({"id_token": oidc_provider.sign(claims)}, "n-1").email_verified is False
    claims["xms_edov"] = True
    assert check({"id_token": oidc_provider.sign(claims)}, "n-1").email_verified is True
    claims.update(xms_edov="true")
    assert check({"id_token": oidc_provider.sign(claims)}, "n-1").email_verified is False
    claims.update(xms_edov=True, email_verified=False)  # the provider said no: that stands
    assert check({"id_token": oidc_provider.sign(claims)}, "n-1").email_verified is False

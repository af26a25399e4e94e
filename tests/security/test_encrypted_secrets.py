"""Secrets the app reads back are kept encrypted: a copy of the database does not give them away."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from app import create_app
from app.encrypted import NotDecryptable, decrypt, encrypt
from app.extensions import db
from app.sso.models import TrustSso
from app.sso.providers import set_provider
from app.webhooks.endpoints import add_endpoint
from app.webhooks.models import WebhookEndpoint


def test_webhook_and_sign_in_secrets_are_stored_encrypted_and_read_back_as_given(app: Any) -> None:
    assert app.test_cli_runner().invoke(args=["trusts", "load"]).exit_code == 0
    with app.app_context():
        _endpoint, secret = add_endpoint("heart-of-mercia", "https://hooks.example.org/countersign",
                                         ["document.sealed"], actor="admin@example.org")
        set_provider("heart-of-mercia", issuer="https://login.example.org", client_id="countersign",
                     client_secret="the-client-secret-42", label="Example", domains=["example.org"],
                     actor="admin@example.org")
        stored = [db.session.execute(text("SELECT secret FROM webhook_endpoint")).scalar_one(),
                  db.session.execute(text("SELECT client_secret FROM trust_sso")).scalar_one()]
        for value, given in zip(stored, (secret, "the-client-secret-42"), strict=True):
            assert value.startswith("fernet:") and given not in value
        db.session.expire_all()
        assert db.session.scalar(select(WebhookEndpoint.secret)) == secret
        assert db.session.scalar(select(TrustSso.client_secret)) == "the-client-secret-42"


def test_a_new_key_with_the_old_one_listed_still_decrypts_and_without_it_says_which_setting(settings: dict[str, Any]) -> None:
    old = create_app({**settings, "ENCRYPTION_KEY": "the-old-key"}).config
    rotated = create_app({**settings, "ENCRYPTION_KEY": "the-new-key", "OLD_ENCRYPTION_KEYS": ["the-old-key"]}).config
    wrong = create_app({**settings, "ENCRYPTION_KEY": "the-new-key"}).config
    stored = encrypt("whsec_secret", old)
    assert decrypt(stored, rotated) == "whsec_secret"
    assert decrypt(encrypt("whsec_secret", rotated), wrong) == "whsec_secret"  # new values use the new key
    with pytest.raises(NotDecryptable, match="ENCRYPTION_KEY") as refused:
        decrypt(stored, wrong)
    assert "whsec_secret" not in str(refused.value)

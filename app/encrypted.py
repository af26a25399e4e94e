"""Secrets the app must read back (webhook signing secrets, OpenID client secrets), kept encrypted.

The database and its backups hold only Fernet tokens (AES-128-CBC with an HMAC-SHA256) under a key
kept out of them: ENCRYPTION_KEY, generated under OUTPUT_DIR on first run like the audit checkpoint
key. OLD_ENCRYPTION_KEYS still decrypt what was stored under an earlier key, so it can be rotated.
The migration that introduced encryption rewrote every secret stored before it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "fernet:"


class NotDecryptable(Exception):
    """A stored secret that none of the configured keys opens: ENCRYPTION_KEY is not the one it was stored under."""


def _fernet_key(secret: str) -> bytes:
    # Any secret string becomes a Fernet key: 32 bytes derived from it, url-safe base64.
    return base64.urlsafe_b64encode(hashlib.sha256(f"countersign-encryption:{secret}".encode()).digest())


@lru_cache(maxsize=8)
def _keys(current: str, old: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in (current, *old)])


def keys(config: Any = None) -> MultiFernet:
    """The keys of the app's settings: the first encrypts, every one decrypts."""
    config = config if config is not None else current_app.config
    old: Sequence[str] = config.get("OLD_ENCRYPTION_KEYS") or ()
    return _keys(str(config["ENCRYPTION_KEY"]), tuple(str(key) for key in old))


def encrypt(value: str, config: Any = None) -> str:
    """Return the value as stored: the prefix and a Fernet token."""
    return PREFIX + keys(config).encrypt(value.encode()).decode("ascii")


def decrypt(stored: str, config: Any = None) -> str:
    """Return the value a stored string holds; raise NotDecryptable when no configured key opens it."""
    if not stored.startswith(PREFIX):
        raise NotDecryptable("a stored secret is not encrypted: run `flask db upgrade`")
    try:
        return keys(config).decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode()
    except InvalidToken:
        raise NotDecryptable(
            "a stored secret cannot be decrypted: ENCRYPTION_KEY (or OLD_ENCRYPTION_KEYS) is not the key it was "
            "stored under"
        ) from None


class EncryptedText(TypeDecorator[str]):
    """A string column whose values are encrypted on the way in and decrypted on the way out."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)

"""Create, revoke and check API keys.

A key is "cs_" + an 8-character prefix + "_" + 43 characters of randomness (256 bits): a
hash of it is enough to store, since nobody can search a space that large, so SHA-256 without a
slow KDF is sound here. The prefix is kept in clear so staff can tell keys apart.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..trusts.models import Trust
from .models import ApiKey, Scope

KEY_START = "cs_"


class KeyProblem(Exception):
    """A key cannot be made or revoked as asked; the message says why."""


def hash_key(key: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(trust_slug: str, name: str, scopes: list[str], *, actor: str) -> tuple[ApiKey, str]:
    """Make a key for a trust; return it and its secret, which is shown once and never again."""
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise KeyProblem("give the key a name of 1 to 100 characters")
    try:
        wanted = sorted({Scope(s).value for s in scopes})
    except ValueError:
        raise KeyProblem(f"scopes are {', '.join(s.value for s in Scope)}") from None
    if not wanted:
        raise KeyProblem("give the key at least one scope")
    with transaction():
        trust = db.session.scalar(select(Trust).where(Trust.slug == trust_slug))
        if trust is None:
            raise KeyProblem(f"no trust {trust_slug!r} is installed")
        taken = db.session.scalar(
            select(ApiKey.id).where(ApiKey.trust_id == trust.id, ApiKey.name == name, ApiKey.revoked_at.is_(None))
        )
        if taken is not None:
            raise KeyProblem(f"the trust already has a key called {name!r}")
        prefix = f"{KEY_START}{secrets.token_hex(4)}"
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(trust=trust, name=name, prefix=prefix, key_hash=hash_key(secret), scopes=wanted,
                     created_by=actor)
        db.session.add(key)
        db.session.flush()
        audit.record(EventType.API_KEY_CREATED, actor=actor,
                     details={"trust": trust.slug, "key": prefix, "name": name, "scopes": wanted})
    return key, secret


def revoke_key(trust_id: int | None, key_id_or_prefix: str, *, actor: str) -> ApiKey:
    """Stop a key working at once; trust_id, when given, limits which keys may be named."""
    with transaction():
        query = select(ApiKey).where(
            (ApiKey.prefix == key_id_or_prefix)
            | (ApiKey.id == (int(key_id_or_prefix) if key_id_or_prefix.isdigit() else -1))
        )
        if trust_id is not None:
            query = query.where(ApiKey.trust_id == trust_id)
        key = db.session.scalar(query)
        if key is None:
            raise KeyProblem(f"no key {key_id_or_prefix!r}")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            audit.record(EventType.API_KEY_REVOKED, actor=actor,
                         details={"trust": key.trust.slug, "key": key.prefix, "name": key.name})
    return key


def key_for(presented: str) -> ApiKey | None:
    """Return the live key a request presented, or None."""
    if not presented.startswith(KEY_START) or len(presented) > 100:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(presented)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def keys_of(trust_id: int) -> list[ApiKey]:
    """Return a trust's keys, live ones first, newest first."""
    rows = db.session.scalars(select(ApiKey).where(ApiKey.trust_id == trust_id).order_by(ApiKey.id.desc()))
    return sorted(rows, key=lambda k: k.revoked_at is not None)

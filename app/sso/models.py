"""A trust's OpenID provider for staff sign-in, and the ID token nonces already used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..encrypted import EncryptedText
from ..extensions import db
from ..trusts.models import Trust


class TrustSso(db.Model):  # type: ignore[name-defined]
    """Where a trust's staff may sign in with their organisation account (one provider per trust).

    Kept in the database, not the profile TOML admins export: the client secret must not travel.
    """

    __tablename__ = "trust_sso"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(500))
    client_secret: Mapped[str] = mapped_column(EncryptedText)  # under ENCRYPTION_KEY
    label: Mapped[str] = mapped_column(String(100))  # "Microsoft", "Google": the button says "Sign in with …"
    # Lower-case domains whose addresses are offered this provider, and the only ones it may sign in.
    email_domains: Mapped[list[str]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trust: Mapped[Trust] = relationship()


class UsedNonce(db.Model):  # type: ignore[name-defined]
    """An ID token's nonce, once it has signed someone in: the same token is never accepted twice."""

    __tablename__ = "sso_used_nonce"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex; the nonce is not kept
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

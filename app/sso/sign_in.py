"""Sign a member of staff in from a checked ID token: a verified address of the provider's own trust."""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow, writes_during_read
from ..extensions import db
from ..staff.auth import find_user
from ..staff.models import User
from .models import TrustSso, UsedNonce
from .oidc import Identity, SsoRefused
from .providers import domain_of


def complete_sso_sign_in(provider: TrustSso, identity: Identity, *, ip: str | None, user_agent: str | None) -> User:
    """Return the active user the identity names, recording the sign-in; raise SsoRefused otherwise.

    The provider vouches only for its own trust's domains and staff: a provider that could sign in
    any address would let one trust's administrators sign in as another trust's staff.
    """
    if not identity.email_verified:
        raise SsoRefused("email_not_verified")
    if domain_of(identity.email) not in provider.email_domains:
        raise SsoRefused("domain_not_the_trusts")
    user = find_user(identity.email)
    if user is None or user.trust_id != provider.trust_id:
        raise SsoRefused("not_staff")
    nonce_hash = hashlib.sha256(identity.nonce.encode()).hexdigest()
    if db.session.get(UsedNonce, nonce_hash) is not None:
        raise SsoRefused("replayed")
    # The provider returns here with a GET (its redirect), so this GET alone records a sign-in: the
    # audit event, the nonce used up, and the user's last sign-in. Nothing else may be written.
    try:
        with audit.audit_only_write(), writes_during_read(UsedNonce.__tablename__, User.__tablename__), transaction():
            db.session.add(UsedNonce(nonce_hash=nonce_hash, used_at=utcnow()))
            user.last_signed_in_at = utcnow()
            audit.record(EventType.SIGNED_IN, actor=user.label, ip=ip, user_agent=user_agent,
                         details={"user": user.id, "method": "oidc", "issuer": provider.issuer})
    except IntegrityError:  # the same ID token at the same moment in another request
        raise SsoRefused("replayed") from None
    return user


def record_refusal(provider: TrustSso, reason: str, *, ip: str | None, user_agent: str | None) -> None:
    """Log a refused sign-in with the trust's provider (no address: it may be nobody's we know)."""
    with audit.audit_only_write(), transaction():
        audit.record(EventType.SSO_REFUSED, actor="anonymous", ip=ip, user_agent=user_agent,
                     details={"trust": provider.trust.slug, "issuer": provider.issuer, "reason": reason[:200]})

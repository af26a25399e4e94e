"""Which OpenID provider a trust's staff sign in with: set, remove, and find one by email domain."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..trusts.models import Trust
from .models import TrustSso

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SsoProblem(Exception):
    """A provider's settings cannot be saved; the message says which and why."""


def provider_of(trust_id: int) -> TrustSso | None:
    """Return the trust's provider, if it has one."""
    return db.session.scalar(select(TrustSso).where(TrustSso.trust_id == trust_id))


def provider_by_slug(slug: str) -> TrustSso | None:
    """Return the provider of the trust with this slug, if it has one."""
    return db.session.scalar(select(TrustSso).join(Trust).where(Trust.slug == slug))


def provider_for_email(email: str) -> TrustSso | None:
    """Return the provider whose trust claims the address's domain (domains are claimed by one trust only)."""
    domain = email.rpartition("@")[2].strip().lower()
    # Few rows (one per trust), and JSON containment differs by database: compare in Python.
    return next((p for p in db.session.scalars(select(TrustSso)) if domain in p.email_domains), None)


def domain_of(email: str) -> str:
    """Return an address's domain, lower-case."""
    return email.rpartition("@")[2].strip().lower()


def set_provider(slug: str, *, issuer: str, client_id: str, client_secret: str | None, label: str,
                 domains: list[str], actor: str) -> TrustSso:
    """Save a trust's provider (a blank secret or no domains keep what is saved); the secret is never logged."""
    trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
    if trust is None:
        raise SsoProblem(f"trust: no trust {slug!r} is installed")
    issuer, client_id, label = issuer.strip(), client_id.strip(), " ".join(label.split())
    cleaned = sorted({d.strip().lower().lstrip("@") for given in domains for d in given.replace(",", " ").split()})
    _check_issuer(issuer)
    if not client_id or len(client_id) > 500:
        raise SsoProblem("client_id: Enter the client ID the provider gave you")
    if not label or len(label) > 40:
        raise SsoProblem("label: Enter what the button says after “Sign in with”, like Microsoft (up to 40 characters)")
    for domain in cleaned:
        if not _DOMAIN.match(domain):
            raise SsoProblem(f"domains: {domain!r} is not an email domain, like example.org")
    with transaction():
        existing = provider_of(trust.id)
        secret = (client_secret or "").strip() or (existing.client_secret if existing else "")
        if not secret:
            raise SsoProblem("client_secret: Enter the client secret the provider gave you")
        cleaned = cleaned or (list(existing.email_domains) if existing else [])
        if not cleaned:
            raise SsoProblem("domains: Enter the email domains of the trust's staff, like example.org")
        for other in db.session.scalars(select(TrustSso).where(TrustSso.trust_id != trust.id)):
            if taken := set(cleaned) & set(other.email_domains):
                raise SsoProblem(f"domains: {', '.join(sorted(taken))} already signs in with another trust's provider")
        provider = existing or TrustSso(trust=trust)
        provider.issuer, provider.client_id, provider.client_secret = issuer, client_id, secret
        provider.label, provider.email_domains = label, cleaned
        provider.updated_by, provider.updated_at = actor, utcnow()
        db.session.add(provider)
        audit.record(EventType.SSO_CONFIGURED, actor=actor, details={
            "trust": slug, "issuer": issuer, "client_id": client_id, "label": label, "domains": cleaned,
            "secret_changed": bool((client_secret or "").strip()),
        })
    return provider


def remove_provider(slug: str, *, actor: str) -> None:
    """Stop a trust's staff signing in with its provider (the emailed link still works)."""
    with transaction():
        provider = provider_by_slug(slug)
        if provider is None:
            raise SsoProblem(f"trust: {slug!r} has no sign-in provider")
        db.session.delete(provider)
        audit.record(EventType.SSO_REMOVED, actor=actor, details={"trust": slug, "issuer": provider.issuer})


def _check_issuer(issuer: str) -> None:
    parts = urlsplit(issuer)
    plain_allowed = current_app.config["OIDC_ALLOW_HTTP_ISSUERS"] and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and plain_allowed):
        raise SsoProblem("issuer: Enter the provider's issuer URL, starting https://")
    if not parts.hostname or parts.query or parts.fragment or len(issuer) > 500:
        raise SsoProblem("issuer: Enter the issuer URL exactly as the provider publishes it, with no query")

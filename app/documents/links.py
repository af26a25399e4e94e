"""Personal links: issue, resend, resolve (the one place a token is checked), consume, mark viewed.

A token is a signed (link id, nonce) pair: stateless, so single use and expiry live in the link row.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload, load_only

from signing.tokens import TokenError, new_nonce

from .. import audit
from ..audit import EventType, Noise
from ..db import transaction, utcnow
from ..extensions import db
from ..kinds import kind
from ..storage import StoredFile
from ..tokens import link_tokens
from . import notify
from .models import Answer, Document, DocumentVersion, Link, LinkPurpose, Party
from .people import Request, party_label
from .records import NotAllowed, locked_document
from .states import State

MAX_TOKEN_AGE = 91 * 24 * 3600  # outer bound; each link's own expiry is checked in the database
PATHS = {LinkPurpose.AGREE: "s", LinkPurpose.DOWNLOAD: "d", LinkPurpose.ANSWER: "a"}
REQUEST_TEMPLATES = {LinkPurpose.AGREE: "agree_request", LinkPurpose.ANSWER: "answer_request"}
# The state a document must be in for each kind of link to be worth chasing or resending.
AWAITING = {LinkPurpose.AGREE: State.AWAITING_AGREEMENT, LinkPurpose.ANSWER: State.AWAITING_ANSWERS}
# Rejections of tokens that name no link row, counted rather than logged.
# Refusals after which the link still opens the version read-only (see readable_link).
READABLE = frozenset({"used", "changes_requested"})
NOISE = {"invalid": Noise.LINK_INVALID, "unknown": Noise.LINK_UNKNOWN, "expired": Noise.LINK_EXPIRED}


# What a personal-link page shows and its checks need, loaded with the link in one statement (all many-to-one
# joins), and only that: the ORM's cost grows with every column and row it loads. A column left out is still
# loaded when something asks for it (one statement more), as is the sealed file, which only a download reads.
_VERSION = joinedload(Link.version)
_DOCUMENT = _VERSION.joinedload(DocumentVersion.document)
_FILE = (StoredFile.sha256, StoredFile.path)
LINK_PAGE_LOADS = (
    load_only(Link.purpose, Link.party_id, Link.version_id, Link.nonce, Link.expires_at, Link.used_at,
              Link.revoked_at, Link.first_viewed_at),
    joinedload(Link.party),
    _VERSION.load_only(DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.fields,
                       DocumentVersion.note, DocumentVersion.sent_at, DocumentVersion.superseded_at,
                       DocumentVersion.docx_file_id, DocumentVersion.pdf_file_id, DocumentVersion.text_file_id,
                       DocumentVersion.sealed_file_id, DocumentVersion.sealed_at),
    _DOCUMENT.load_only(Document.trust_id, Document.kind, Document.title, Document.state, Document.author_name,
                        Document.author_email, Document.current_version, Document.school, Document.destroyed_at),
    _DOCUMENT.joinedload(Document.trust),
    _VERSION.joinedload(DocumentVersion.pdf_file).load_only(*_FILE),
    _VERSION.joinedload(DocumentVersion.text_file).load_only(*_FILE),
)
# Built once: every personal-link page runs it, and building it again each time was a fifth of its cost.
LINK_PAGE = select(Link).where(Link.id == bindparam("link_id")).options(*LINK_PAGE_LOADS)


class LinkRejected(Exception):
    """A personal link cannot be used; reason says why, contact says whom to ask."""

    def __init__(self, reason: str, document: Document | None = None, link: Link | None = None):
        super().__init__(reason)
        self.reason = reason
        self.document = document
        self.link = link


def link_url(link_id: int) -> str:
    """Return the absolute URL carrying a freshly signed token for a link row."""
    link = db.session.get(Link, link_id)
    assert link is not None
    token = link_tokens().issue(link.purpose.value, link.id, link.nonce)
    return f"{current_app.config['BASE_URL']}/{PATHS[link.purpose]}/{token}"


def issue_link(document: Document, version: DocumentVersion, party: Party, purpose: LinkPurpose) -> Link:
    """Make a party's personal link to answer a version and queue the email carrying it."""
    link = _new_link(party, version, purpose, days=int(document.trust.defaults["link_expiry_days"]))
    notify.email_link(link, REQUEST_TEMPLATES[purpose])
    audit.record(
        EventType.SENT,
        document_id=document.id,
        details={"to": party.email, "role": party.role, "version": version.number, "link": link.id,
                 "purpose": purpose.value},
    )
    return link


def issue_download_link(party: Party, version: DocumentVersion) -> Link:
    """Email a party a personal link to download the sealed record (reusable until it expires)."""
    link = _new_link(party, version, LinkPurpose.DOWNLOAD, days=int(current_app.config["DOWNLOAD_LINK_DAYS"]))
    notify.email_link(link, "sealed")
    return link


def _new_link(party: Party, version: DocumentVersion, purpose: LinkPurpose, *, days: int) -> Link:
    now = utcnow()
    link = Link(purpose=purpose, party=party, version=version, nonce=new_nonce(), created_at=now,
                expires_at=now + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    return link


def resend_link(document_id: int, party_id: int, *, actor: str) -> Link:
    """Send a party a new personal link with a fresh expiry; their earlier open links stop working."""
    with transaction():
        document = locked_document(document_id)
        purpose = next((p for p, state in AWAITING.items() if document.state is state), None)
        if purpose is None:
            raise NotAllowed(f"{document.reference} is {document.state}: it is not waiting for anyone")
        party = next((p for p in document.parties if p.id == party_id), None)
        if party is None or party.role not in kind(document.kind).agreed_by:
            raise NotAllowed(f"that person does not answer {document.reference}")
        version = document.version
        answered = db.session.scalar(
            select(Answer.id).where(Answer.party_id == party.id, Answer.version_id == version.id)
        )
        if answered is not None:
            raise NotAllowed(f"{party.name} has already answered {document.reference} v{version.number}")
        open_links = select(Link.id).where(
            Link.party_id == party.id, Link.version_id == version.id, Link.purpose == purpose,
            Link.used_at.is_(None), Link.revoked_at.is_(None),
        )
        replaced = list(db.session.scalars(open_links))
        if replaced:
            db.session.execute(
                update(Link).where(Link.id.in_(replaced), Link.revoked_at.is_(None)).values(revoked_at=utcnow())
            )
        link = issue_link(document, version, party, purpose)
        audit.record(
            EventType.LINK_RESENT,
            document_id=document.id,
            actor=actor,
            details={"to": party.email, "link": link.id, "replaced": replaced, "version": version.number},
        )
    return link


def revoke_open_links(version: DocumentVersion) -> None:
    """Stop every unused link to a version from working (it has been revised)."""
    db.session.execute(
        update(Link)
        .where(Link.version_id == version.id, Link.revoked_at.is_(None), Link.used_at.is_(None))
        .values(revoked_at=utcnow())
    )


def read_token(token: str, purpose: LinkPurpose) -> tuple[int, str]:
    """Return the link id and nonce a genuine token for this purpose carries, or raise LinkRejected."""
    try:
        return link_tokens().read(purpose.value, token, MAX_TOKEN_AGE)
    except TokenError as exc:
        raise LinkRejected("expired" if exc.reason == "expired" else "invalid") from None


def resolve_link(token: str, purpose: LinkPurpose) -> Link:
    """Return the link a token stands for, or raise LinkRejected saying why it cannot be used."""
    link_id, nonce = read_token(token, purpose)
    link = db.session.scalar(LINK_PAGE, {"link_id": link_id})
    if link is None or link.purpose != purpose or not hmac.compare_digest(link.nonce, nonce):
        raise LinkRejected("unknown")
    return checked(link, purpose)


def checked(link: Link, purpose: LinkPurpose) -> Link:
    """Return a genuine link if it can be used now, or raise LinkRejected saying why not."""
    version = link.version
    document = version.document
    if document.state is State.CANCELLED:
        raise LinkRejected("cancelled", document, link)
    if document.state is State.DESTROYED:
        raise LinkRejected("destroyed", document, link)
    reason = _refusal(link, purpose, version, document)
    if reason is not None:
        raise LinkRejected(reason, document, link)
    return link


def readable_link(token: str) -> tuple[Link, bool]:
    """Return the agree link a token stands for and whether it can still answer.

    Once answered, or while the document waits on someone's change request, the link still opens
    the version to read until it expires; otherwise raise LinkRejected as resolve_link does.
    """
    try:
        return resolve_link(token, LinkPurpose.AGREE), True
    except LinkRejected as exc:
        if not still_readable(exc):
            raise
        assert exc.link is not None
        return exc.link, False


def still_readable(exc: LinkRejected) -> bool:
    """Return whether a link refused for answering may still be read: answered (or waiting on a change request), not expired."""
    link = exc.link
    if link is None or exc.reason not in READABLE or link.revoked_at is not None or link.expires_at <= utcnow():
        return False
    return exc.reason == "changes_requested" or link.used_at is not None


def party_link(document_id: int, email: str) -> Link | None:
    """Return the newest agree link to a document's current version of the party with this address, if sent."""
    return db.session.scalar(
        select(Link)
        .join(Party, Party.id == Link.party_id)
        .join(DocumentVersion, DocumentVersion.id == Link.version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.id == document_id, DocumentVersion.number == Document.current_version,
               Party.email == email.strip().lower(), Link.purpose == LinkPurpose.AGREE, Link.revoked_at.is_(None))
        .order_by(Link.id.desc())
        .limit(1)
        .options(*LINK_PAGE_LOADS)
    )


def _refusal(link: Link, purpose: LinkPurpose, version: DocumentVersion, document: Document) -> str | None:
    """Return why a genuine link cannot be used now, in the order a party would want to hear it."""
    now = utcnow()
    if purpose is LinkPurpose.DOWNLOAD:
        checks = [(link.revoked_at is not None, "replaced"), (link.expires_at <= now, "expired"),
                  (version.sealed_file_id is None, "closed")]
    else:
        checks = [
            (purpose is LinkPurpose.AGREE
             and (version.superseded_at is not None or document.current_version != version.number), "superseded"),
            (link.used_at is not None, "used"),
            (link.revoked_at is not None, "replaced"),
            (link.expires_at <= now, "expired"),
            (purpose is LinkPurpose.AGREE and document.state is State.CHANGES_REQUESTED, "changes_requested"),
            (document.state is not AWAITING[purpose], "closed"),
        ]
    return next((reason for failed, reason in checks if failed), None)


def consume(link: Link, purpose: LinkPurpose) -> Link:
    """Re-check the link inside the transaction (its document locked) and use up its nonce exactly once."""
    db.session.refresh(link)
    link = checked(link, purpose)
    used = db.session.execute(
        update(Link)
        .where(Link.id == link.id, Link.used_at.is_(None), Link.revoked_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if used != 1:
        raise LinkRejected("used", link.version.document, link)
    db.session.refresh(link)
    return link


def record_rejection(exc: LinkRejected, request: Request) -> None:
    """Log a refused real link in the audit trail; count a token that names no link (no token is stored)."""
    # Its own transaction, even on a GET: this is the one write a refused link page makes.
    with audit.audit_only_write(), transaction():
        if exc.link is None:
            # Made-up, mangled or ancient tokens name nobody: one tally row per client and hour, not a row each.
            audit.count(NOISE[exc.reason], request.ip)
            return
        audit.record(
            EventType.LINK_REJECTED,
            document_id=exc.document.id if exc.document else None,
            actor=party_label(exc.link.party.name, exc.link.party.email),
            ip=request.ip,
            user_agent=request.user_agent,
            details={"reason": exc.reason, "link": exc.link.id},
        )


def mark_viewed(token: str, request: Request) -> None:
    """Record the first time a party's browser displayed the document (idempotent)."""
    link = resolve_link(token, LinkPurpose.AGREE)
    with transaction():
        first = db.session.execute(
            update(Link).where(Link.id == link.id, Link.first_viewed_at.is_(None)).values(first_viewed_at=utcnow())
        ).rowcount
        if first:
            audit.record(
                EventType.VIEWED,
                document_id=link.version.document_id,
                actor=party_label(link.party.name, link.party.email),
                ip=request.ip,
                user_agent=request.user_agent,
                details={"version": link.version.number, "link": link.id},
            )

"""Passwordless sign-in: a single-use link, valid for 15 minutes, emailed to known staff only.

A session holds the user's session generation from sign-in; signing out or deactivation raises
it, so a copied session cookie stops working everywhere at once.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import LoginManager, login_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from signing.tokens import TokenError, new_nonce

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..mail import queue_email, register_link
from ..tokens import link_tokens
from .models import SignInLink, User

PURPOSE = "signin"
LINK_KIND = "sign_in"  # how emails refer to a sign-in link row (see app.mail.links)
LIFETIME = timedelta(minutes=15)
INVITE_LIFETIME = timedelta(days=3)  # an invitation waits for someone who may not read email for days
GENERATION = "staff_session_generation"  # the session key holding the generation signed in under


class _LoginManager(LoginManager):
    """Flask-Login with strong session protection kept to sessions that have someone signed in.

    Flask-Login checks any non-empty session against the address and browser it was made for, and a
    visitor's session holding only a form's CSRF token has no such identifier: so on every page it
    "protected" that session, clearing a remember cookie that was never set and writing the session
    cookie again (maxcountryman/flask-login#569). A session with nobody signed in has nothing to protect.
    """

    def _session_protection_failed(self) -> bool:
        return "_user_id" in session and super()._session_protection_failed()


login_manager = _LoginManager()


class SignInRejected(Exception):
    """A sign-in link cannot be used; reason says why (expired, used, invalid)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def init_app(app: Flask) -> None:
    """Attach Flask-Login: sessions remember the user id and the session generation."""
    login_manager.init_app(app)
    login_manager.login_view = "staff.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.session_protection = "strong"
    register_link(app, LINK_KIND, sign_in_url)


@login_manager.user_loader
def _load(user_id: str) -> User | None:
    # With their trust: every staff page's header names it.
    user = db.session.get(User, int(user_id), options=[joinedload(User.trust)]) if user_id.isdigit() else None
    if user is None or not user.active:
        return None
    # A session from before the person last signed out (anywhere) or was deactivated is over.
    return user if session.get(GENERATION) == user.session_generation else None


def start_session(user: User) -> None:
    """Begin a fresh session for a user who has just signed in."""
    session.clear()
    login_user(user)
    session[GENERATION] = user.session_generation


def end_sessions(user_id: int, *, ip: str | None, user_agent: str | None) -> None:
    """End every session of a user, on every device and browser (their next request is signed out)."""
    with transaction():
        user = db.session.get(User, user_id)
        assert user is not None
        bump_session_generation(user)
        audit.record(EventType.SIGNED_OUT, actor=user.label, ip=ip, user_agent=user_agent, details={"user": user.id})


def bump_session_generation(user: User) -> None:
    """Make every existing session of a user invalid (in the caller's transaction)."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_generation=User.session_generation + 1)
    )
    db.session.refresh(user)


def find_user(email: str) -> User | None:
    """Return the active user with this email address (case-insensitive)."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower(), User.active))


def request_sign_in(email: str, *, ip: str | None, user_agent: str | None) -> None:
    """Email a sign-in link if the address belongs to active staff; say nothing either way."""
    user = find_user(email)
    if user is None:
        return
    with transaction():
        now = utcnow()
        link = SignInLink(user=user, nonce=new_nonce(), created_at=now, expires_at=now + LIFETIME)
        db.session.add(link)
        db.session.flush()
        queue_email(  # the token is signed when the email is built, never stored
            "sign_in",
            to_name=user.name,
            to_email=user.email,
            link=(LINK_KIND, link.id),
            context={"name": user.name, "minutes": int(LIFETIME.total_seconds() // 60)},
        )
        audit.record(EventType.SIGN_IN_REQUESTED, actor=user.label, ip=ip, user_agent=user_agent, details={"user": user.id})


def queue_invitation(user: User, *, actor: str) -> None:
    """Email a new member of staff a sign-in link that works once, for days, in the caller's transaction."""
    now = utcnow()
    link = SignInLink(user=user, nonce=new_nonce(), created_at=now, expires_at=now + INVITE_LIFETIME)
    db.session.add(link)
    db.session.flush()
    queue_email(
        "invite",
        to_name=user.name,
        to_email=user.email,
        link=(LINK_KIND, link.id),
        context={"name": user.name, "trust": user.trust.name, "inviter": actor, "role": user.role,
                 "days": INVITE_LIFETIME.days},
    )


def check_sign_in(token: str) -> SignInLink:
    """Return the sign-in link a token stands for, or raise SignInRejected (changes nothing)."""
    try:
        # The outer bound; each link's own expiry (minutes, or days for an invitation) is checked below.
        link_id, nonce = link_tokens().read(PURPOSE, token, int(INVITE_LIFETIME.total_seconds()) + 60)
    except TokenError as exc:
        raise SignInRejected(exc.reason) from None
    link = db.session.get(SignInLink, link_id)
    if link is None or not hmac.compare_digest(link.nonce, nonce) or not link.user.active:
        raise SignInRejected("invalid")
    if link.used_at is not None:
        raise SignInRejected("used")
    if link.expires_at <= utcnow():
        raise SignInRejected("expired")
    return link


def complete_sign_in(token: str, *, ip: str | None, user_agent: str | None) -> User:
    """Use up a sign-in link (exactly once) and return its user."""
    with transaction():
        link = check_sign_in(token)
        now = utcnow()
        used = db.session.execute(
            update(SignInLink).where(SignInLink.id == link.id, SignInLink.used_at.is_(None)).values(used_at=now)
        ).rowcount
        if used != 1:
            raise SignInRejected("used")
        user = link.user
        user.last_signed_in_at = now
        audit.record(EventType.SIGNED_IN, actor=user.label, ip=ip, user_agent=user_agent, details={"user": user.id})
    return user


def sign_in_url(link_id: int) -> str:
    """Return the URL, with a freshly signed token, for a sign-in link."""
    link = db.session.get(SignInLink, link_id)
    assert link is not None
    token = link_tokens().issue(PURPOSE, link.id, link.nonce)
    return f"{current_app.config['BASE_URL']}/staff/sign-in/{token}"

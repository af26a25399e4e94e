"""The page a personal agree link opens, rendered once and served again while nothing it shows has changed.

Each party opens their link, and opens it again, and every open asks for the same page. Each process
keeps the rendered page of an open link (SIGNING_PAGE_CACHE_SIZE links, the least recently opened
forgotten first) with a stamp read in one statement before it was rendered: the audit log's newest
event (every change to what the page shows, the document, its versions and parties, the trust's
name and wording, is recorded there in the same transaction) and the link's own row (nonce, expiry,
use, revocation), so single use is checked in the database on every open. A later open serves the
kept page only when its stamp is the same and the link has not expired since; else the page is read
and rendered afresh. The forms' CSRF token is the visitor's own, put into the kept page as it is
served. A page with a signed-in member of staff (it names them) or a message to show is never kept.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache
from flask import Flask, current_app, render_template, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select

from ..audit import LAST_SEQ
from ..db import utcnow
from ..extensions import db
from ..kept import Kept
from .links import read_token
from .models import Link, LinkPurpose
from .reading import Reading, read

CACHE = "countersign.signing_pages"
# A string no page holds otherwise (every text a page shows is refused control characters).
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
# The stamp: the newest event and what of the link's own row decides whether it can be answered.
STAMP = select(LAST_SEQ, Link.nonce, Link.expires_at, Link.used_at, Link.revoked_at).where(
    Link.id == bindparam("link_id")
)


@dataclass(frozen=True)
class _Page:
    nonce: str
    expires_at: datetime
    html: str  # the CSRF token replaced by CSRF_PLACEHOLDER


def init_app(app: Flask) -> None:
    """Give this app its own kept pages (tests make many apps in one process)."""
    app.extensions[CACHE] = Kept[_Page](LRUCache(max(1, int(app.config["SIGNING_PAGE_CACHE_SIZE"]))))


def signing_page(token: str) -> str:
    """Return the page a party's agree link opens: the signing page, or read-only once answered.

    Raise LinkRejected when the link shows nothing now. Reading writes nothing.
    """
    keeping = _keeping()
    if not keeping:
        return render_reading(token, read(token))
    link_id, nonce = read_token(token, LinkPurpose.AGREE)
    stamp = db.session.connection().execute(STAMP, {"link_id": link_id}).one_or_none()
    store: Kept[_Page] = current_app.extensions[CACHE]
    kept = store.get(link_id, stamp) if stamp is not None else None
    if kept is not None and hmac.compare_digest(kept.nonce, nonce) and kept.expires_at > utcnow():
        return kept.html.replace(CSRF_PLACEHOLDER, generate_csrf())
    reading = read(token)
    html = render_reading(token, reading)
    if reading.answerable and stamp is not None:
        link = reading.link
        store.put(link_id, stamp, _Page(link.nonce, link.expires_at, html.replace(generate_csrf(), CSRF_PLACEHOLDER)))
    return html


def render_reading(token: str, reading: Reading, *, problems: dict[str, str] | None = None,
                   form: Any = None) -> str:
    """Render what a party's agree link shows: the forms (with any problems) while they can answer, else read-only."""
    return render_template(
        "links/sign.html" if reading.answerable else "links/read.html",
        token=token,
        reading=reading,
        party=reading.party,
        document=reading.document,
        version=reading.version,
        pages=reading.pages,
        problems=problems or {},
        form=form or {},
    )


def _keeping() -> bool:
    """Return whether this open may be served a kept page: keeping is on, nobody signed in, no message waiting."""
    return (int(current_app.config["SIGNING_PAGE_CACHE_SIZE"]) > 0 and "_flashes" not in session
            and not current_user.is_authenticated)


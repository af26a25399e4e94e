"""Anonymous noise is counted, not logged, and rate limited: made-up links and unknown uploads cannot
fill the audit log, while every refusal of a real link is still logged."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from io import BytesIO
from typing import Any

from sqlalchemy import func, select, update

from app import create_app
from app.audit import Noise, count, tallies
from app.audit.models import AuditEvent
from app.db import transaction, utcnow
from app.documents.models import Link
from app.extensions import db
from signing.tokens import LinkTokens

from .conftest_helpers import settle
from .test_contract_spine import agree, create, csrf, path_of


def _audit_rows(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _tally(app: Any) -> list[tuple[str, str, int]]:
    with app.app_context():
        return [(t.ip, t.reason, t.count) for t in tallies()]


def test_fifty_made_up_links_add_no_audit_rows_and_one_tally(app, client, runner, mailbox, trusts):
    create(runner)
    settle(app)  # with a worker, the new document's emails would otherwise add rows meanwhile
    before = _audit_rows(app)
    for n in range(50):
        page = client.get(f"/{'sda'[n % 3]}/made-up-link-{n}")
        assert page.status_code == 404 and "This link is not valid" in page.text
    assert _audit_rows(app) == before
    assert _tally(app) == [("127.0.0.1", "invalid", 50)]


def test_a_refused_real_link_is_still_logged(app, client, runner, mailbox, trusts):
    create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    assert agree(client, url, "Sam O'Brien <Head> & Co").status_code == 303
    with app.app_context():  # an answered link reads until it expires; after that it is refused
        db.session.execute(update(Link).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    before = _audit_rows(app)
    again = client.get(path_of(url))
    assert again.status_code == 409 and "already been used" in again.text
    assert _audit_rows(app) == before + 1
    with app.app_context():
        newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert newest.type == "link_rejected" and newest.details["reason"] == "used"
        assert newest.actor.startswith("Sam O'Brien") and newest.ip == "127.0.0.1"
    assert _tally(app) == []


def test_the_sixty_first_token_page_in_a_minute_is_refused(app, client):
    # The allowance is shared by every personal-link page, staff sign-in links included.
    paths = ["/s/x", "/d/x", "/a/x", "/staff/sign-in/x"]
    statuses = [client.get(paths[n % 4]).status_code for n in range(60)]
    assert 429 not in statuses
    refused = client.get("/s/another")
    assert refused.status_code == 429
    assert "Too many requests" in refused.text and "govuk-heading-l" in refused.text
    assert client.get("/staff/sign-in/x").status_code == 429
    # Another client is not held back by this one.
    other = app.test_client()
    assert other.get("/s/x", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404
    # 45 document-link pages were counted (sign-in links record nothing); the refused requests wrote nothing.
    assert _tally(app) == [("127.0.0.1", "invalid", 45), ("192.0.2.7", "invalid", 1)]


def test_unknown_uploads_are_counted_and_limited(app, client):
    token = csrf(client.get("/verify").text)
    before = _audit_rows(app)
    for _ in range(10):
        checked = client.post("/verify", data={"csrf_token": token, "pdf": (BytesIO(b"not a pdf"), "x.pdf")})
        assert checked.status_code == 200 and "This file has no seal" in checked.text
    assert _audit_rows(app) == before
    assert _tally(app) == [("127.0.0.1", "verify-unknown", 10)]
    limited = client.post("/verify", data={"csrf_token": token, "pdf": (BytesIO(b"not a pdf"), "x.pdf")})
    assert limited.status_code == 429 and "Too many requests" in limited.text
    assert client.get("/verify").status_code == 200  # the form itself is not limited


def test_concurrent_counts_are_never_lost(app):
    def hammer() -> None:
        with app.app_context():
            for _ in range(10):
                with transaction():
                    count(Noise.LINK_UNKNOWN, "198.51.100.9")
            db.session.remove()

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _tally(app) == [("198.51.100.9", "unknown", 60)]


def test_a_token_older_than_any_link_is_counted_not_logged(app, client, runner, mailbox, trusts):
    create(runner)
    before = _audit_rows(app)
    ancient = LinkTokens([app.config["SECRET_KEY"]], clock=lambda: time.time() - 200 * 24 * 3600).issue("agree", 1, "n")
    page = client.get(f"/s/{ancient}")
    assert page.status_code == 410 and "This link has expired" in page.text
    assert _audit_rows(app) == before
    assert _tally(app) == [("127.0.0.1", "expired", 1)]


def test_the_tally_can_be_read(app, client, runner):
    for n in range(3):
        client.get(f"/s/made-up-{n}")
    result = runner.invoke(args=["audit", "noise"])
    assert result.exit_code == 0
    [line] = result.output.splitlines()
    assert line.split()[-3:] == ["127.0.0.1", "invalid", "3"]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(settings, tmp_path):
    config = {**settings, "TESTING": True, "PROXY_FIX": 1}
    if not os.environ.get("COUNTERSIGN_DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'proxied.sqlite3'}"
    proxied = create_app(config)
    with proxied.app_context():
        db.drop_all()  # on PostgreSQL the shared test database still holds the previous test's tables
        db.create_all()
    try:
        client = proxied.test_client()
        for _ in range(60):
            client.get("/s/x", headers={"X-Forwarded-For": "203.0.113.1"})
        assert client.get("/s/x", headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 429
        assert client.get("/s/x", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 404
        with proxied.app_context():
            assert [(t.ip, t.count) for t in tallies()] == [("203.0.113.1", 60), ("203.0.113.2", 1)]
    finally:
        with proxied.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()

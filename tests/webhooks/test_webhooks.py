"""Webhooks: each document event reaches the trust's endpoint signed per Standard Webhooks, exactly once,
even across an outage; a failing endpoint is disabled (its admins emailed, its events held); private
addresses and redirects are refused."""

from __future__ import annotations

import json
from datetime import timedelta
from ipaddress import ip_address
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.audit.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.reviews.reminders import send_reminders
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.sending import allowed_address

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf, path_of
from ..reviews.helpers import SUPERVISEE, SUPERVISOR, age_links, agree_latest, create_contract, settle
from ..staff.test_access import sign_in
from .receiver import Receiver

pytestmark = pytest.mark.skipif(bool(BROKER), reason="these tests change delivery settings of the app in-process")
SENT_OUT = {"sent", "viewed", "agreed", "changes_requested", "revised", "sealed", "link_expired", "reissued"}


@pytest.fixture
def receiver(app: Any) -> Any:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = ["127.0.0.1/32"]  # the receiver is on loopback
    app.config["WEBHOOK_RETRY_BASE_SECONDS"] = 0  # a failed delivery is due again at the next sweep
    made = Receiver()
    yield made
    made.stop()


def add_endpoint(runner: Any, url: str, *extra: str) -> str:
    result = runner.invoke(args=["webhooks", "add", "--trust", "heart-of-mercia", url, *extra])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]  # the signing secret, last


def verified(secret: str, received: list[tuple[dict[str, str], bytes, str]]) -> list[tuple[str, dict[str, Any]]]:
    """Check every delivery's signature with the standardwebhooks package; return (webhook-id, payload)."""
    hook = Webhook(secret)
    return [(headers["webhook-id"], hook.verify(body, headers)) for headers, body, _ in received]


def life_of_a_contract(app: Any, client: Any, runner: Any, mailbox: Any, wait: Any) -> int:
    """Every event that is sent out: sent, viewed, changes requested, revised, agreed, sealed, reissued, link expired."""
    document_id = create_contract(runner)
    settle(app, wait)
    supervisee_link = path_of(mailbox.link(mailbox.to(SUPERVISEE[1], "Please read and agree")[0]))
    page = client.get(supervisee_link)
    assert client.post(supervisee_link + "/viewed", headers={"X-CSRFToken": csrf(page.text)}).status_code == 204
    asked = client.post(supervisee_link + "/changes", data={"csrf_token": csrf(page.text), "reason": "Wrong venue"})
    assert asked.status_code == 303
    revised = runner.invoke(args=["documents", "revise", str(document_id), "--set", "venue=Library", "--note", "Venue"])
    assert revised.exit_code == 0, revised.output
    settle(app, wait)
    agree_latest(client, mailbox, SUPERVISOR, 2)
    agree_latest(client, mailbox, SUPERVISEE, 2)
    settle(app, wait)
    reissued = runner.invoke(args=["reviews", "reissue", str(document_id)])
    assert reissued.exit_code == 0, reissued.output
    settle(app, wait)
    new_id = document_id + 1
    with app.app_context():
        send_reminders(age_links(app, new_id, days=30))
    return document_id


def test_each_event_arrives_once_signed_across_an_outage(app: Any, client: Any, runner: Any, mailbox: Any,
                                                          trusts: Any, wait: Any, receiver: Receiver):
    secret = add_endpoint(runner, receiver.url)
    life_of_a_contract(app, client, runner, mailbox, wait)  # while the receiver is down
    with app.app_context():
        expected = {e.seq: e.type for e in db.session.scalars(select(AuditEvent).where(AuditEvent.type.in_(SENT_OUT)))}
        failed = list(db.session.scalars(select(WebhookDelivery)))
    assert set(expected.values()) == SENT_OUT
    assert len(failed) == len(expected) and all(d.state == "queued" and d.attempts == 1 for d in failed)
    assert all("Connection refused" in (d.last_error or "") or "NewConnectionError" in (d.last_error or "") for d in failed)
    assert receiver.received == []

    runner.invoke(args=["jobs", "sweep"])  # still down: a second attempt fails too, nothing is lost
    with app.app_context():
        assert {d.attempts for d in db.session.scalars(select(WebhookDelivery))} == {2}
    receiver.start()
    swept = runner.invoke(args=["jobs", "sweep"])
    assert f"{len(expected)} webhooks" in swept.output, swept.output
    for _ in range(2):  # and sweeping again sends nothing twice
        assert "0 webhooks" in runner.invoke(args=["jobs", "sweep"]).output

    deliveries = verified(secret, receiver.received)
    ids = [message_id for message_id, _ in deliveries]
    assert len(ids) == len(set(ids)) == len(expected)
    seen = {payload["data"]["event"]: payload["type"] for _, payload in deliveries}
    assert seen == {seq: f"document.{kind}" for seq, kind in expected.items()}  # each event exactly once
    sealed = next(p for _, p in deliveries if p["type"] == "document.sealed")
    assert sealed["data"]["document"]["reference"] == "CS-000001" and sealed["data"]["details"]["version"] == 2
    with app.app_context():
        rows = list(db.session.scalars(select(WebhookDelivery)))
        assert all(d.state == "delivered" and d.response_code == 204 and d.attempts == 3 for d in rows)
    tampered_headers, body, _ = receiver.received[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"CS-0", b"CS-9"), tampered_headers)


def test_an_endpoint_takes_only_the_events_it_chose(app: Any, runner: Any, mailbox: Any, trusts: Any, wait: Any,
                                                   receiver: Receiver):
    receiver.start()
    secret = add_endpoint(runner, receiver.url, "--events", "document.sealed,document.agreed")
    create_contract(runner)
    settle(app, wait)
    assert receiver.received == []  # "sent" was not chosen
    assert runner.invoke(args=["webhooks", "add", "--trust", "heart-of-mercia", receiver.url, "--events",
                               "document.opened"]).exit_code != 0
    assert verified(secret, receiver.received) == []


def test_a_failing_endpoint_is_disabled_its_admins_emailed_and_its_events_held(
        app: Any, client: Any, runner: Any, mailbox: Any, trusts: Any, wait: Any, receiver: Receiver):
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    secret = add_endpoint(runner, receiver.url)
    first = create_contract(runner)  # two "sent" events fail: the receiver is down
    settle(app, wait)
    with app.app_context():
        db.session.execute(update(WebhookEndpoint).values(failing_since=utcnow() - timedelta(days=3, minutes=1)))
        db.session.commit()
    runner.invoke(args=["jobs", "sweep"])  # failing for over 3 days now: disabled
    notice = mailbox.to("admin@hom.example.org", "Webhook endpoint disabled")[0]
    assert receiver.url in str(notice["Subject"]) and "flask webhooks enable 1" in notice.get_body().get_content()
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, 1)
        assert endpoint.state == "disabled"
        assert {d.state for d in db.session.scalars(select(WebhookDelivery))} == {"held"}
    create_contract(runner, supervisee=("Jo Bloggs", "jo@example.org"))  # queued while disabled: held
    settle(app, wait)
    receiver.start()
    assert "0 webhooks" in runner.invoke(args=["jobs", "sweep"]).output and receiver.received == []
    sign_in(client, mailbox, "admin@hom.example.org")
    log = client.get("/staff/webhooks/1")
    assert log.status_code == 200 and "Held" in log.text and "Enable and send held events" in log.text
    enabled = client.post("/staff/webhooks/1/enable", data={"csrf_token": csrf(log.text)})
    assert enabled.status_code == 303
    deliveries = verified(secret, receiver.received)
    assert len(deliveries) == 4 and {p["data"]["document"]["id"] for _, p in deliveries} == {first, first + 1}
    page = client.get("/staff/webhooks/1")
    assert page.text.count("Delivered") == 4 and "204" in page.text


def test_loopback_and_private_addresses_are_refused_unless_allowed(app: Any, runner: Any, trusts: Any, wait: Any,
                                                                   receiver: Receiver):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    receiver.start()
    add_endpoint(runner, receiver.url)
    create_contract(runner)
    settle(app, wait)
    assert receiver.received == []
    with app.app_context():
        errors = {d.last_error for d in db.session.scalars(select(WebhookDelivery))}
    assert errors == {"Refused: 127.0.0.1 resolves to an address that may not be reached: 127.0.0.1"}
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254", "100.64.0.1",
                    "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1"):
        assert not allowed_address(ip_address(address), False), address
    assert allowed_address(ip_address("8.8.8.8"), False)
    assert allowed_address(ip_address("10.1.2.3"), ["10.0.0.0/8"])


def test_redirects_are_not_followed(app: Any, runner: Any, trusts: Any, wait: Any, receiver: Receiver):
    target = Receiver().start()
    try:
        receiver.status, receiver.location = 302, target.url
        receiver.start()
        add_endpoint(runner, receiver.url)
        create_contract(runner)
        settle(app, wait)
        assert len(receiver.received) == 2 and target.received == []
        with app.app_context():
            assert {(d.state, d.response_code) for d in db.session.scalars(select(WebhookDelivery))} == {("queued", 302)}
    finally:
        target.stop()


def test_endpoints_must_be_https_in_production(app: Any, runner: Any, trusts: Any):
    app.config["BASE_URL"] = "https://countersign.example.org"
    refused = runner.invoke(args=["webhooks", "add", "--trust", "heart-of-mercia", "http://mis.example.org/hook"])
    assert refused.exit_code != 0 and "https" in refused.output
    assert runner.invoke(args=["webhooks", "add", "--trust", "heart-of-mercia", "https://mis.example.org/hook"]).exit_code == 0


def test_admins_add_an_endpoint_on_a_page_and_see_its_secret_once(app: Any, client: Any, runner: Any, mailbox: Any,
                                                                   trusts: Any):
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    sign_in(client, mailbox, "admin@hom.example.org")
    page = client.get("/staff/webhooks")
    bad = client.post("/staff/webhooks", data={"csrf_token": csrf(page.text), "url": "ftp://x"})
    assert bad.status_code == 400 and "give an https:// URL" in bad.text
    made = client.post("/staff/webhooks", data={"csrf_token": csrf(page.text), "url": "https://mis.example.org/hook",
                                                "events": ["document.sealed"]})
    assert made.status_code == 200 and "whsec_" in made.text
    assert "whsec_" not in client.get("/staff/webhooks").text
    with app.app_context():
        assert json.dumps(db.session.get(WebhookEndpoint, 1).events) == '["document.sealed"]'

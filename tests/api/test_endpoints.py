"""Each API operation for each key scope, and for another trust's key; errors as problem details; every call logged."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.api.models import ApiKey
from app.audit.models import AuditEvent
from app.extensions import db

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from ..reviews.helpers import create_contract, seal_by_mail, set_review_date
from ..staff.test_access import sign_in
from .conftest import auth

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process for these checks")
NEW = {"kind": "contract", "supervisor": "Alex Morgan <alex.morgan@example.org>",
       "supervisees": [{"name": "Kim Lee", "email": "kim@example.org"}], "fields": {"school": "Oakfield Primary School"}}


@pytest.fixture
def world(app: Any, client: Any, runner: Any, mailbox: Any, keys: dict[str, str], wait: Any) -> dict[str, int]:
    """A sealed contract due for review, and a contract waiting for its parties."""
    sealed = create_contract(runner)
    seal_by_mail(app, client, mailbox, wait, sealed)
    set_review_date(app, sealed, date.today() + timedelta(days=10))
    waiting = create_contract(runner, supervisee=("Jo Bloggs", "jo@example.org"))
    got = client.get(f"/api/v1/documents/{waiting}", headers=auth(keys["read"])).json
    return {"sealed": sealed, "waiting": waiting, "party": got["parties"][1]["id"]}


def call(client: Any, key: str, method: str, path: str, **kw: Any) -> Any:
    return client.open(path, method=method, headers=auth(key), **kw)


def test_reads_need_the_read_scope_and_never_reach_another_trust(client: Any, keys: dict[str, str], world: dict[str, int]):
    sealed = world["sealed"]
    reads = [f"/api/v1/documents/{sealed}", f"/api/v1/documents/{sealed}/sealed.pdf", "/api/v1/documents",
             "/api/v1/reviews/due"]
    for path in reads:
        for scope in ("read", "both"):
            assert call(client, keys[scope], "GET", path).status_code == 200, (path, scope)
        refused = call(client, keys["write"], "GET", path)
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json", path
        assert refused.json["title"] == "Not allowed for this key" and "read scope" in refused.json["detail"]
    for path in reads[:2]:
        other = call(client, keys["other"], "GET", path)
        assert other.status_code == 404 and other.json["status"] == 404, path
    # Another trust's key sees only its own trust: none of these documents, no reviews due.
    assert call(client, keys["other"], "GET", "/api/v1/documents").json["documents"] == []
    assert call(client, keys["other"], "GET", "/api/v1/reviews/due").json["contracts"] == []


def test_a_document_shows_state_parties_versions_and_events(client: Any, keys: dict[str, str], world: dict[str, int]):
    got = call(client, keys["read"], "GET", f"/api/v1/documents/{world['sealed']}").json
    assert got["state"] == "sealed" and got["sealed"] is True and got["reference"] == f"CS-{world['sealed']:06d}"
    assert [p["role"] for p in got["parties"]] == ["supervisor", "supervisee"]
    assert all(p["decision"] == "agreed" and p["status"].startswith("Agreed") for p in got["parties"])
    assert got["versions"][0]["number"] == 1 and got["versions"][0]["sealed_at"]
    assert {"created", "sent", "agreed", "sealed"} <= {e["type"] for e in got["events"]}
    pdf = call(client, keys["read"], "GET", f"/api/v1/documents/{world['sealed']}/sealed.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    unsealed = call(client, keys["read"], "GET", f"/api/v1/documents/{world['waiting']}/sealed.pdf")
    assert unsealed.status_code == 409 and "no sealed record" in unsealed.json["detail"]


def test_listing_filters_like_the_staff_pages(client: Any, keys: dict[str, str], world: dict[str, int]):
    everything = call(client, keys["read"], "GET", "/api/v1/documents").json["documents"]
    assert [d["id"] for d in everything] == [world["waiting"], world["sealed"]]  # newest first
    sealed = call(client, keys["read"], "GET", "/api/v1/documents?state=sealed").json["documents"]
    assert [d["id"] for d in sealed] == [world["sealed"]]
    jo = call(client, keys["read"], "GET", "/api/v1/documents?person=jo@example").json["documents"]
    assert [d["id"] for d in jo] == [world["waiting"]]
    first = call(client, keys["read"], "GET", "/api/v1/documents?limit=1").json
    assert len(first["documents"]) == 1 and first["next_before"] == world["waiting"]
    rest = call(client, keys["read"], "GET", f"/api/v1/documents?limit=1&before={first['next_before']}").json
    assert [d["id"] for d in rest["documents"]] == [world["sealed"]] and rest["next_before"] is None
    bad = call(client, keys["read"], "GET", "/api/v1/documents?state=lost&from=yesterday")
    assert bad.status_code == 422 and {e["pointer"] for e in bad.json["errors"]} == {"#/state", "#/from"}
    due = call(client, keys["read"], "GET", "/api/v1/reviews/due?within=30").json["contracts"]
    assert [c["id"] for c in due] == [world["sealed"]] and due[0]["review_date"] == (date.today() + timedelta(days=10)).isoformat()
    assert call(client, keys["read"], "GET", "/api/v1/reviews/due?within=5").json["contracts"] == []


def test_writes_need_the_write_scope_and_never_reach_another_trust(app: Any, client: Any, keys: dict[str, str], mailbox: Any,
                                                                   world: dict[str, int]):
    resend = f"/api/v1/documents/{world['waiting']}/parties/{world['party']}/resend"
    reissue = f"/api/v1/documents/{world['sealed']}/reissue"
    for path in ("/api/v1/documents", resend, reissue):
        refused = call(client, keys["read"], "POST", path, json=NEW)
        assert refused.status_code == 403 and "write scope" in refused.json["detail"], path
    for path in (resend, reissue):
        assert call(client, keys["other"], "POST", path).status_code == 404, path
    resent = call(client, keys["write"], "POST", resend)
    assert resent.status_code == 200 and resent.json["party_id"] == world["party"]
    assert len(mailbox.to("jo@example.org", "Please read and agree", count=2)) == 2
    again = call(client, keys["both"], "POST", resend)
    assert again.status_code == 200
    reissued = call(client, keys["write"], "POST", reissue)
    assert reissued.status_code == 201 and reissued.json["previous_document_id"] == world["sealed"]
    assert reissued.headers["Location"] == f"/api/v1/documents/{reissued.json['id']}"
    twice = call(client, keys["both"], "POST", reissue)
    assert twice.status_code == 409 and "already been reissued" in twice.json["detail"]
    not_waiting = call(client, keys["write"], "POST", f"/api/v1/documents/{world['sealed']}/parties/1/resend")
    assert not_waiting.status_code == 409


def test_create_takes_the_create_pages_fields_and_names_each_problem(app: Any, client: Any, keys: dict[str, str],
                                                                     mailbox: Any, trusts: Any):
    for scope in ("write", "both"):
        made = call(client, keys[scope], "POST", "/api/v1/documents",
                    json=NEW | {"supervisees": [f"Kim Lee <kim.{scope}@example.org>"], "fields": {"venue": "The library"}})
        assert made.status_code == 201, made.json
        assert made.json["state"] == "awaiting_agreement" and made.json["kind"] == "contract"
        assert made.json["versions"][0]["fields"]["terms"]["venue"] == "The library"
        mailbox.to(f"kim.{scope}@example.org", "Please read and agree")
    theirs = call(client, keys["other"], "POST", "/api/v1/documents", json=NEW)
    assert theirs.status_code == 201
    assert call(client, keys["both"], "GET", f"/api/v1/documents/{theirs.json['id']}").status_code == 404
    person = call(client, keys["write"], "POST", "/api/v1/documents", json=NEW | {"supervisees": ["Kim kim@example.org"]})
    assert person.status_code == 422 and [e["pointer"] for e in person.json["errors"]] == ["#/supervisees/0"]
    wrong = call(client, keys["write"], "POST", "/api/v1/documents", json={
        "kind": "contract", "supervisees": [{"name": " ", "email": "kim@example.org"}],
        "fields": {"review_date": "next year", "colour": "blue", "confidentiality_discussed": "Maybe"}})
    assert wrong.status_code == 422 and wrong.mimetype == "application/problem+json"
    pointers = {e["pointer"]: e["detail"] for e in wrong.json["errors"]}
    assert set(pointers) == {"#/supervisees/0/name", "#/fields/colour", "#/fields/review_date",
                             "#/fields/confidentiality_discussed"}, pointers
    assert "not a date" in pointers["#/fields/review_date"]
    no_supervisor = call(client, keys["write"], "POST", "/api/v1/documents", json=NEW | {"supervisor": None})
    assert no_supervisor.status_code == 422 and no_supervisor.json["errors"][0]["pointer"] == "#/supervisor"
    schema = call(client, keys["write"], "POST", "/api/v1/documents", json={"kind": "memo", "supervisees": []})
    assert schema.status_code == 422 and {"#/kind", "#/supervisees"} <= {e["pointer"] for e in schema.json["errors"]}
    not_json = call(client, keys["write"], "POST", "/api/v1/documents", data="{", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json["type"].endswith("/bad-request")


def test_keys_are_needed_stored_hashed_and_revocable(app: Any, client: Any, runner: Any, keys: dict[str, str]):
    for headers in ({}, {"Authorization": "Bearer cs_nope_nope"}, {"Authorization": f"Basic {keys['read']}"}):
        refused = client.get("/api/v1/documents", headers=headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    prefix = keys["read"].split("_")[0] + "_" + keys["read"].split("_")[1]
    with app.app_context():
        stored = " ".join(str(v) for row in db.session.execute(select(AuditEvent.details)) for v in row)
        assert keys["read"] not in stored
    listed = runner.invoke(args=["api-keys", "list", "--trust", "heart-of-mercia"])
    assert prefix in listed.output and keys["read"] not in listed.output
    assert runner.invoke(args=["api-keys", "revoke", prefix]).exit_code == 0
    assert client.get("/api/v1/documents", headers=auth(keys["read"])).status_code == 401
    assert client.get("/api/v1/documents", headers=auth(keys["both"])).status_code == 200


def test_every_call_is_an_audit_event_by_the_keys_name(app: Any, client: Any, keys: dict[str, str], world: dict[str, int]):
    call(client, keys["read"], "GET", f"/api/v1/documents/{world['sealed']}")
    call(client, keys["write"], "GET", "/api/v1/documents")
    call(client, keys["read"], "GET", f"/api/v1/documents/{world['sealed']}/sealed.pdf")
    with app.app_context():
        calls = list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == "api_called").order_by(AuditEvent.seq)))
        downloads = list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == "downloaded")))
    last = calls[-3:]
    assert [(e.actor, e.details["status"], e.document_id) for e in last] == [
        ("MIS reader", 200, world["sealed"]), ("HR writer", 403, None), ("MIS reader", 200, world["sealed"])]
    assert downloads[-1].actor == "MIS reader" and downloads[-1].details["via"] == "api"


def test_unknown_addresses_are_problems_and_calls_are_rate_limited(app: Any, client: Any, keys: dict[str, str], trusts: Any):
    missing = call(client, keys["read"], "GET", "/api/v1/contracts")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    app.config["API_RATE_LIMIT"] = "3 per minute"
    statuses = [call(client, keys["both"], "GET", "/api/v1/reviews/due").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = call(client, keys["both"], "GET", "/api/v1/reviews/due")
    assert limited.mimetype == "application/problem+json" and limited.json["title"] == "Too many requests"
    assert call(client, keys["read"], "GET", "/api/v1/reviews/due").status_code == 200  # counted per key


def test_staff_admins_make_and_revoke_keys_on_a_page(app: Any, client: Any, runner: Any, mailbox: Any, trusts: Any):
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    sign_in(client, mailbox, "admin@hom.example.org")
    page = client.get("/staff/api-keys")
    assert page.status_code == 200
    made = client.post("/staff/api-keys", data={"csrf_token": csrf(page.text), "name": "Payroll", "scopes": ["read"]})
    assert made.status_code == 200 and "shown only this once" in made.text
    key = made.text.split('id="new-key">', 1)[1].split("<", 1)[0]
    assert app.test_client().get("/api/v1/documents", headers=auth(key)).status_code == 200
    assert key not in client.get("/staff/api-keys").text
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.name == "Payroll"))
    revoked = client.post(f"/staff/api-keys/{key_id}/revoke", data={"csrf_token": csrf(page.text)})
    assert revoked.status_code == 303
    assert app.test_client().get("/api/v1/documents", headers=auth(key)).status_code == 401

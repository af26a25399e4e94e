"""Pages ask for what the trust's form prints; schools are rows; overdue in the trust's words; confirmation first; a styled 403."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.documents.create import unsaved_document
from app.documents.models import Document
from app.documents.people import Person
from app.documents.states import State
from app.extensions import db
from app.kinds import KINDS, kind, resolve_fields
from app.staff.dashboard import attention
from app.staff.models import User
from app.trusts.form_use import offer_for
from app.trusts.models import School, Trust

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from . import test_access
from .test_access import PEOPLE, sign_in

world = test_access.world  # the same people and contract as the access tests

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process for these checks")


def test_heart_of_mercias_contract_asks_only_for_what_its_form_prints(app, trusts):
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        contract = offer_for(trust, "contract")
        names = {f.name for f in contract.fields}
        # The list: none of these is printed on the trust's Appendix A.
        for dropped in ("supervisor_position", "supervisee_position", "supervisee_expectations",
                        "confidentiality_discussed", "other_agreements"):
            assert dropped not in names, dropped
        assert {"agreed_date", "review_date", "school"} <= names and "frequency" in contract.terms
        assert "school" in contract.unprinted  # asked for, and the page says it is not printed
        record = offer_for(trust, "record")
        assert record.terms == () and "supervisor_position" not in {f.name for f in record.fields}
        assert "session_date" in {f.name for f in record.fields}


def test_farrington_records_offer_no_actions_table_it_does_not_print(app, trusts):
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "farrington"))
        assert not offer_for(trust, "record").has("actions")


def test_the_create_page_shows_only_offered_fields_and_grows_rows_without_javascript(app, client, mailbox, world):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    page = client.get("/staff/create/contract")
    assert page.status_code == 200
    assert 'name="supervisee_expectations"' not in page.text and 'name="term-frequency"' in page.text
    assert "Not printed on your trust&#39;s form" in page.text or "Not printed on your trust's form" in page.text
    record = client.get("/staff/create/record")
    assert record.text.count('name="action-0-what"') == 1 and 'name="action-1-what"' not in record.text
    grown = client.post("/staff/create/record", data={"csrf_token": csrf(record.text), "action": "add-action",
                                                     "action_rows": "1", "action-0-what": "Ring early help"})
    assert grown.status_code == 200 and 'name="action-1-what"' in grown.text and "Ring early help" in grown.text
    cases = client.post("/staff/create/record", data={"csrf_token": csrf(record.text), "action": "add-case",
                                                     "case_rows": "1"})
    assert 'name="case-1-reference"' in cases.text


def test_record_actions_belong_to_sections_and_the_next_session_has_a_time(app, trusts):
    with app.app_context():
        profile = db.session.scalar(select(Trust.profile).where(Trust.slug == "heart-of-mercia"))
        spec = kind("record")
        resolved = resolve_fields(spec, {
            "session_date": "2026-10-14", "next_session_date": "2026-11-25", "next_session_time": "15:30",
            "group_session": "Yes",
            "actions": [{"what": "Book training", "who": "Sam", "due": "", "section": "Analysis"}],
        }, profile, date(2026, 10, 14))
        assert resolved["next_session_time"] == "15:30" and resolved["group_session"] == "Yes"
        assert resolved["actions"][0]["section"] == "Analysis"
        from app.kinds import FieldError
        with pytest.raises(FieldError, match="not a section actions may belong to"):
            resolve_fields(spec, {"session_date": "2026-10-14",
                                  "actions": [{"what": "x", "who": "", "due": "", "section": "Nowhere"}]},
                           profile, date(2026, 10, 14))
        with pytest.raises(FieldError, match="not a time"):
            resolve_fields(spec, {"session_date": "2026-10-14", "next_session_time": "half three"}, profile,
                           date(2026, 10, 14))


def test_school_overrides_apply_over_trust_defaults(app, trusts):
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        db.session.add(School(trust=trust, name="Elm Academy", active=True, overrides={"venue": "Elm library"}))
        db.session.commit()
        from app.trusts.schools import profile_for
        spec = kind("contract")
        elm = resolve_fields(spec, {"school": "elm  academy"}, profile_for(trust), date.today())
        other = resolve_fields(spec, {"school": "Oakfield"}, profile_for(trust), date.today())
        assert elm["terms"]["venue"] == "Elm library" and other["terms"]["venue"] != "Elm library"


def test_users_create_takes_several_schools_and_a_lead_sees_each(app, runner, trusts):
    result = runner.invoke(args=["users", "create", "lead@two.example.org", "--name", "Two Schools", "--role", "lead",
                                 "--trust", "heart-of-mercia", "--school", "Oakfield Primary School",
                                 "--school", "Elm Academy"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lead@two.example.org"))
        assert [s.name for s in user.schools] == ["Elm Academy", "Oakfield Primary School"]
        from app.staff import access
        assert access.creation_problem(user, "Elm Academy") is None
        assert access.creation_problem(user, "oakfield primary school") is None
        assert "only for" in access.creation_problem(user, "Birch School")


def _sealed(trust: Trust, kind_name: str, fields: dict[str, Any], sealed_days_ago: int, n: int = 0) -> Document:
    supervisor, supervisee = Person("Alex Morgan", "alex@example.org"), Person(f"Sam {n}", f"sam{n}@example.org")
    resolved = resolve_fields(kind(kind_name), fields, trust.profile, date.today())
    document = unsaved_document(trust, kind(kind_name), supervisor, [supervisee], resolved, supervisor)
    document.state = State.SEALED
    from app.db import utcnow
    document.versions[0].sealed_at = utcnow() - timedelta(days=sealed_days_ago)
    db.session.add(document)
    db.session.flush()
    return document


def test_overdue_counts_from_the_last_session_in_the_trusts_words(app, runner, trusts):
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        admin = db.session.scalar(select(User).where(User.email == "admin@hom.example.org"))
        fresh = _sealed(trust, "contract", {}, sealed_days_ago=0, n=1)  # sealed minutes ago: never overdue
        old = _sealed(trust, "contract", {}, sealed_days_ago=200, n=2)
        _sealed(trust, "record", {"session_date": (date.today() - timedelta(days=60)).isoformat()}, 59, n=2)
        recent = _sealed(trust, "contract", {}, sealed_days_ago=200, n=3)
        _sealed(trust, "record", {"session_date": (date.today() - timedelta(days=10)).isoformat()}, 9, n=3)
        superseded = _sealed(trust, "contract", {}, sealed_days_ago=400, n=4)
        superseded.state = State.SUPERSEDED
        db.session.commit()
        lapsed = attention(admin).lapsed
        assert [item.contract.id for item in lapsed] == [old.id]
        assert lapsed[0].frequency == "each half term or sooner if requested"
        assert fresh.id not in {i.contract.id for i in lapsed} and recent.id not in {i.contract.id for i in lapsed}


def test_the_dashboard_says_overdue_in_the_trusts_words_never_in_days(app, client, mailbox, runner, trusts):
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        _sealed(trust, "contract", {}, sealed_days_ago=200)
        db.session.commit()
    sign_in(client, mailbox, "admin@hom.example.org")
    page = client.get("/staff/").text
    assert "Supervision overdue" in page and "each half term or sooner if requested" in page
    assert "49 days" not in page


def test_the_header_says_who_is_signed_in_and_which_trust(app, client, mailbox, world):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    page = client.get("/staff/").text
    assert "Morgan Admin · Admin of The Heart of Mercia Academy Trust" in page


def test_a_lead_opening_an_admin_page_gets_the_styled_not_allowed_page(app, client, mailbox, world):
    sign_in(client, mailbox, PEOPLE["lead"][0])
    page = client.get("/staff/settings")
    assert page.status_code == 403
    assert "You are not allowed to see this page" in page.text and "govuk-heading-l" in page.text
    assert "Forbidden" not in page.text


@pytest.mark.parametrize("role", list(PEOPLE))
def test_confirmation_pages_say_what_happens_and_who_is_emailed(app, client, mailbox, world, role):
    sign_in(client, mailbox, PEOPLE[role][0])
    d, p = world["document"], world["party"]
    got = [client.get(path).status_code for path in
           (f"/staff/documents/{d}/resend/{p}", f"/staff/documents/{d}/cancel", f"/staff/documents/{d}/reissue")]
    expected = {"admin": [200, 200, 409], "lead": [200, 200, 409], "other_lead": [404, 404, 404],
                "party": [403, 403, 403], "bystander": [404, 404, 404], "other_trust": [404, 404, 404]}
    assert got == expected[role], got
    if role == "admin":
        page = client.get(f"/staff/documents/{d}/resend/{p}").text
        assert "Who will be emailed" in page and "sam@example.org" in page and "stops working" in page
        with app.app_context():
            assert db.session.get(Document, d).state != State.CANCELLED  # a GET changes nothing


def test_every_kind_has_an_offer_for_every_bundled_trust(app, trusts):
    with app.app_context():
        for trust in db.session.scalars(select(Trust)):
            for name in KINDS:
                offer = offer_for(trust, name)
                assert all(f.name not in ("answers", "answered_date") for f in offer.fields)

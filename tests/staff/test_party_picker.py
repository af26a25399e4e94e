"""The create page picks parties from the trust's staff (narrowed by a search, no script needed) or takes an
external supervisor by name and email; the school is chosen from the trust's active schools."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.staff.models import User

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from .test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process")

TRUST = "heart-of-mercia"
SCHOOL = "Oakfield Primary School"
STAFF = [
    ("admin@hom.example.org", "Morgan Admin", "admin", TRUST),
    ("alex.morgan@hom.example.org", "Alex Morgan", "staff", TRUST),
    ("sam.patel@oakfield.example.org", "Sam Patel", "staff", TRUST),
    ("sasha.khan@oakfield.example.org", "Sasha Khan", "staff", TRUST),
    ("rita@rt.example.org", "Rita Tees", "staff", "river-tees"),
]


@pytest.fixture
def admin(app, runner, trusts, client, mailbox) -> Any:
    for email, name, role, trust in STAFF:
        result = runner.invoke(args=["users", "create", email, "--name", name, "--role", role, "--trust", trust,
                                     "--school", SCHOOL if trust == TRUST else "Tees Valley Primary"])
        assert result.exit_code == 0, result.output
    sign_in(client, mailbox, STAFF[0][0])
    mailbox.clear()
    return client


def ids(app: Any) -> dict[str, int]:
    with app.app_context():
        return {u.email: u.id for u in db.session.scalars(select(User))}


def options(html: str, name: str) -> list[str]:
    """Return the text of each option a select offers."""
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<option[^>]*>(.*?)</option>", select_html, re.S)]


def test_the_page_lists_the_trusts_staff_and_a_search_narrows_them_without_javascript(app, admin):
    page = admin.get("/staff/create/contract")
    assert '<label class="govuk-label" for="supervisor">' in page.text
    assert '<label class="govuk-label" for="supervisor_search">' in page.text
    listed = options(page.text, "supervisees")
    assert "Sam Patel (sam.patel@oakfield.example.org)" in listed and "Alex Morgan (alex.morgan@hom.example.org)" in listed
    assert not any("Rita" in o for o in listed)  # another trust's staff are never offered
    who = ids(app)
    narrowed = admin.post("/staff/create/contract", data={
        "csrf_token": csrf(page.text), "action": "search-supervisees", "supervisee_search": "SA",
        "supervisor": str(who["alex.morgan@hom.example.org"]), "term-venue": "The library"})
    assert narrowed.status_code == 200
    assert options(narrowed.text, "supervisees") == [
        "Choose the supervisee", "Sam Patel (sam.patel@oakfield.example.org)", "Sasha Khan (sasha.khan@oakfield.example.org)"]
    assert "Alex Morgan" in " ".join(options(narrowed.text, "supervisor"))  # the other list is not narrowed
    assert re.search(r'<option value="%d" selected>Alex Morgan' % who["alex.morgan@hom.example.org"], narrowed.text)
    assert "The library" in narrowed.text  # what was typed is kept
    none = admin.post("/staff/create/contract", data={"csrf_token": csrf(page.text), "action": "search-supervisees",
                                                     "supervisee_search": "zz-nobody"})
    assert options(none.text, "supervisees") == ["No staff match the search"]
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None


def test_picked_staff_become_the_parties_with_their_names_and_addresses(app, admin, mailbox):
    who = ids(app)
    page = admin.get("/staff/create/contract")
    sent = admin.post("/staff/create/contract", data={
        "csrf_token": csrf(page.text), "action": "send", "supervisor": str(who["alex.morgan@hom.example.org"]),
        "supervisees": str(who["sam.patel@oakfield.example.org"]), "school": SCHOOL})
    assert sent.status_code == 303, sent.text
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert [(p.role, p.name, p.email) for p in document.parties] == [
            ("supervisor", "Alex Morgan", "alex.morgan@hom.example.org"),
            ("supervisee", "Sam Patel", "sam.patel@oakfield.example.org")]
    mailbox.to("sam.patel@oakfield.example.org", "Please read and agree")


def test_another_trusts_member_cannot_be_made_a_party_by_their_id(app, admin):
    who = ids(app)
    page = admin.get("/staff/create/contract")
    for field, other in (("supervisor", "supervisees"), ("supervisees", "supervisor")):
        refused = admin.post("/staff/create/contract", data={
            "csrf_token": csrf(page.text), "action": "send", field: str(who["rita@rt.example.org"]),
            other: str(who["sam.patel@oakfield.example.org"] if other == "supervisees" else who["alex.morgan@hom.example.org"]),
            "school": SCHOOL})
        assert refused.status_code == 400 and f'href="#{field}"' in refused.text
        assert "from your trust&#39;s staff" in refused.text
        assert "Rita" not in refused.text  # nor shown on the page
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None


def test_an_external_supervisor_is_given_by_name_and_a_checked_email(app, admin, mailbox):
    who = ids(app)
    page = admin.get("/staff/create/contract")
    base = {"csrf_token": csrf(page.text), "action": "send", "supervisees": str(who["sam.patel@oakfield.example.org"]),
            "school": SCHOOL}
    for name, email, field, message in [
        ("Jo External", "jo@localhost", "external_email", "is not an email address"),
        ("Jo External", "jo..x@example.org", "external_email", "is not an email address"),
        ("", "jo@elsewhere.example.org", "external_name", "Enter the external supervisor&#39;s full name"),
        ("Jo External", "", "external_email", "Enter the external supervisor&#39;s email address"),
    ]:
        refused = admin.post("/staff/create/contract", data=base | {"external_name": name, "external_email": email})
        assert refused.status_code == 400 and f'href="#{field}"' in refused.text and message in refused.text, (name, email)
    both = admin.post("/staff/create/contract", data=base | {
        "supervisor": str(who["alex.morgan@hom.example.org"]), "external_name": "Jo", "external_email": "jo@x.example.org"})
    assert both.status_code == 400 and 'href="#external_name"' in both.text
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None
    sent = admin.post("/staff/create/contract", data=base | {"external_name": "Jo External",
                                                            "external_email": "Jo@Elsewhere.example.org"})
    assert sent.status_code == 303
    with app.app_context():
        supervisor = db.session.scalar(select(Document)).parties[0]
        assert (supervisor.role, supervisor.name, supervisor.email) == ("supervisor", "Jo External",
                                                                       "jo@elsewhere.example.org")
    mailbox.to("jo@elsewhere.example.org", "Please read and agree")


def test_the_school_is_chosen_from_the_trusts_active_schools_not_typed(app, admin):
    who = ids(app)
    page = admin.get("/staff/create/contract")
    assert options(page.text, "school") == ["Choose a school", SCHOOL]
    refused = admin.post("/staff/create/contract", data={
        "csrf_token": csrf(page.text), "action": "send", "supervisor": str(who["alex.morgan@hom.example.org"]),
        "supervisees": str(who["sam.patel@oakfield.example.org"]), "school": "Oakfield Primary Schol"})
    assert refused.status_code == 400 and 'href="#school"' in refused.text
    assert "Choose one of your trust&#39;s schools" in refused.text
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None


def test_a_group_contract_ticks_several_supervisees(app, admin):
    who = ids(app)
    page = admin.get("/staff/create/group-contract")
    assert 'type="checkbox" value="%d"' % who["sasha.khan@oakfield.example.org"] in page.text
    sent = admin.post("/staff/create/group-contract", data={
        "csrf_token": csrf(page.text), "action": "send", "supervisor": str(who["alex.morgan@hom.example.org"]),
        "supervisees": [str(who["sam.patel@oakfield.example.org"]), str(who["sasha.khan@oakfield.example.org"])],
        "school": SCHOOL})
    assert sent.status_code == 303, sent.text
    with app.app_context():
        assert [p.name for p in db.session.scalar(select(Document)).parties] == ["Alex Morgan", "Sam Patel", "Sasha Khan"]


def test_a_record_following_a_contract_starts_with_its_parties_picked(app, admin, runner):
    created = runner.invoke(args=["contract", "create", "--trust", TRUST, "--supervisor",
                                  "Jo External <jo@elsewhere.example.org>", "--supervisee",
                                  "Sam Patel <sam.patel@oakfield.example.org>", "--set", f"school={SCHOOL}"])
    assert created.exit_code == 0, created.output
    contract_id = int(created.output.split()[-1])
    who = ids(app)
    page = admin.get(f"/staff/create/record?contract={contract_id}")
    assert page.status_code == 200
    assert 'value="%d" checked' % who["sam.patel@oakfield.example.org"] in page.text  # staff: ticked
    assert 'value="Jo External"' in page.text and 'value="jo@elsewhere.example.org"' in page.text  # external

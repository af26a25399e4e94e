"""Every staff route checks who is asking: signed out, each role, and someone from another trust."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.staff.models import User
from app.trusts.models import School

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process for these checks")

PEOPLE = {
    "admin": ("admin@hom.example.org", "Morgan Admin", "admin", "heart-of-mercia", None),
    "lead": ("lead@oakfield.example.org", "Lee Lead", "lead", "heart-of-mercia", "Oakfield Primary School"),
    "other_lead": ("lead@elm.example.org", "Eve Lead", "lead", "heart-of-mercia", "Elm Academy"),
    "party": ("sam@example.org", "Sam Patel", "staff", "heart-of-mercia", "Oakfield Primary School"),
    "bystander": ("bo@example.org", "Bo Brown", "staff", "heart-of-mercia", "Oakfield Primary School"),
    "other_trust": ("admin@rt.example.org", "Rita Tees", "admin", "river-tees", None),
}


def sign_in(client: Any, mailbox: Any, email: str) -> None:
    """Sign in the way a person does: ask for a link, open it, press Sign in."""
    page = client.get("/staff/sign-in")
    client.post("/staff/sign-in", data={"csrf_token": csrf(page.text), "email": email})
    url = mailbox.link_to(email)
    path = url.split("countersign.test", 1)[1]
    confirm = client.get(path)
    assert confirm.status_code == 200, confirm.text
    done = client.post(path, data={"csrf_token": csrf(confirm.text)})
    assert done.status_code == 303


@pytest.fixture
def world(app: Any, runner: Any, trusts: Any, mailbox: Any) -> dict[str, Any]:
    """Staff of two trusts, and a sealed-to-be contract at Oakfield with Sam as a party."""
    for email, name, role, trust, school in PEOPLE.values():
        args = ["users", "create", email, "--name", name, "--role", role, "--trust", trust]
        result = runner.invoke(args=args + (["--school", school] if school else []))
        assert result.exit_code == 0, result.output
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Patel <sam@example.org>", "--set", "school=Oakfield Primary School"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        document = db.session.scalar(select(Document))
        party = document.parties[1].id
        school = db.session.scalar(select(School.id).where(School.name == "Elm Academy"))
        bystander = db.session.scalar(select(User.id).where(User.email == PEOPLE["bystander"][0]))
        return {"document": document.id, "party": party, "school": school, "user": bystander}


def routes(world: dict[str, Any]) -> list[tuple[str, str]]:
    d, p = world["document"], world["party"]
    return [
        ("GET", "/staff/"),
        ("GET", "/staff/documents"),
        ("GET", f"/staff/documents/{d}"),
        ("GET", "/staff/create"),
        ("GET", "/staff/create/contract"),
        ("GET", "/staff/settings"),
        ("GET", f"/staff/documents/{d}/revise"),
        ("POST", f"/staff/documents/{d}/versions/1/download"),
        ("POST", f"/staff/documents/{d}/resend/{p}"),
        ("POST", f"/staff/documents/{d}/cancel"),
        ("POST", f"/staff/documents/{d}/reissue"),
        ("POST", "/staff/create/contract"),
        ("GET", "/staff/reviews"),
        ("POST", "/staff/reviews/reissue-all"),
        ("GET", "/staff/reviews/progress"),
        ("GET", "/staff/preview/" + "0" * 64 + "/1.png"),
        # A party's own page to read and answer (Sam, the supervisee, is the only party on staff).
        ("GET", f"/staff/documents/{d}/agree"),
        ("POST", f"/staff/documents/{d}/agree"),  # no tick, no name: refused per field
        ("POST", f"/staff/documents/{d}/changes"),
        # The trust's schools and staff (admins only; another trust's are not found).
        ("GET", "/staff/schools"),
        ("POST", "/staff/schools"),
        ("GET", f"/staff/schools/{world['school']}"),
        ("POST", f"/staff/schools/{world['school']}"),
        ("GET", "/staff/people"),
        ("GET", "/staff/people/invite"),
        ("POST", "/staff/people/invite"),
        ("GET", f"/staff/people/{world['user']}"),
        ("POST", f"/staff/people/{world['user']}"),
        ("POST", f"/staff/schools/{world['school']}/active"),
        ("POST", f"/staff/people/{world['user']}/deactivate"),
        ("POST", f"/staff/people/{world['user']}/reactivate"),
        # The trust's profile and wording (admins only, each for their own trust).
        ("GET", "/staff/profile"),
        ("POST", "/staff/profile"),  # an admin's empty form is refused field by field: nothing changes
        ("GET", "/staff/profile/wording/contract"),
        ("POST", "/staff/profile/wording/contract"),  # blank fields: Countersign's wording, for their own trust
    ]


# The schools and staff pages, in the order listed last in routes(): an admin's own, another trust's, everyone else.
ADMIN_PAGES = [200, 400, 200, 400, 200, 200, 400, 200, 400, 303, 303, 303]
FOREIGN_ADMIN_PAGES = [200, 400, 404, 404, 200, 200, 400, 404, 404, 404, 404, 404]
NOT_ADMIN = [403] * 12
# The profile pages, last in routes(): an admin's empty profile form is refused field by field; a blank wording
# form saves Countersign's wording for their own trust.
PROFILE_PAGES = [200, 400, 200, 303]
NOT_ADMIN_PROFILE = [403] * 4
EXPECTED = {
    # role: status for each route above, in order
    "admin": [200, 200, 200, 200, 200, 200, 200, 200, 303, 303, 303, 400, 200, 303, 200, 404, 404, 404, 404,
             *ADMIN_PAGES, *PROFILE_PAGES],
    "lead": [200, 200, 200, 200, 200, 403, 200, 200, 303, 303, 303, 400, 200, 303, 200, 404, 404, 404, 404,
            *NOT_ADMIN, *NOT_ADMIN_PROFILE],
    "other_lead": [200, 200, 404, 200, 200, 403, 404, 404, 404, 404, 404, 400, 200, 303, 200, 404, 404, 404, 404,
                  *NOT_ADMIN, *NOT_ADMIN_PROFILE],
    "party": [200, 200, 200, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 200, 404, 200, 400, 303,
             *NOT_ADMIN, *NOT_ADMIN_PROFILE],
    "bystander": [200, 200, 404, 403, 403, 403, 404, 404, 404, 404, 404, 403, 403, 403, 200, 404, 404, 404, 404,
                 *NOT_ADMIN, *NOT_ADMIN_PROFILE],
    "other_trust": [200, 200, 404, 200, 200, 200, 404, 404, 404, 404, 404, 400, 200, 303, 200, 404, 404, 404, 404,
                   *FOREIGN_ADMIN_PAGES, *PROFILE_PAGES],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_reaches_only_what_it_may(app, client, mailbox, world, role):
    sign_in(client, mailbox, PEOPLE[role][0])
    token = csrf(client.get("/staff/documents").text)
    got = []
    for method, path in routes(world):
        if method == "GET":
            got.append(client.get(path).status_code)
        else:
            got.append(client.post(path, data={"csrf_token": token, "which": "draft", "reason": "test"}).status_code)
    assert got == EXPECTED[role], list(zip(routes(world), got, EXPECTED[role], strict=True))


def test_signed_out_visitors_are_sent_to_sign_in(app, client, mailbox, world):
    for method, path in routes(world):
        if method == "GET":
            response = client.get(path)
            assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"], path
        else:
            assert client.post(path).status_code == 400, path  # no CSRF token: refused before anything else


def test_another_trusts_document_is_not_found_even_by_its_admin(app, client, mailbox, world):
    sign_in(client, mailbox, PEOPLE["other_trust"][0])
    page = client.get(f"/staff/documents/{world['document']}")
    assert page.status_code == 404
    listing = client.get("/staff/documents")
    assert "CS-000001" not in listing.text


@pytest.fixture
def form_world(app: Any, runner: Any, world: dict[str, Any], tmp_path: Any) -> dict[str, Any]:
    """The same people, with version 1 of Heart of Mercia's own contract form installed and an upload its admin holds."""
    from app.staff.models import User
    from app.trusts.form_install import hold_upload
    from app.trusts.models import Trust

    from ..flows.test_templates_cli import SOUND_CONTRACT, form

    path = form(tmp_path, *SOUND_CONTRACT)
    installed = runner.invoke(args=["templates", "install", str(path), "--trust", "heart-of-mercia", "--kind", "contract"])
    assert installed.exit_code == 0, installed.output
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        admin = db.session.scalar(select(User).where(User.email == PEOPLE["admin"][0]))
        _findings, held = hold_upload(trust, "contract", "second.docx", form(tmp_path, "Second", *SOUND_CONTRACT).read_bytes(),
                                      user_id=admin.id, actor=admin.label)
        assert held is not None
        return {**world, "held": held.id}


def form_routes(world: dict[str, Any]) -> list[tuple[str, str]]:
    held = world["held"]
    return [
        ("GET", "/staff/forms"),
        ("GET", "/staff/forms/contract"),
        ("GET", "/staff/forms/contract/versions/1.docx"),
        ("GET", "/staff/forms/contract/bundled/generic.docx"),
        ("POST", "/staff/forms/contract/upload"),
        ("POST", f"/staff/forms/contract/uploads/{held}/install"),
        ("POST", "/staff/forms/contract/versions/1/restore"),
        ("POST", "/staff/forms/contract/use-bundled"),
        ("GET", "/staff/configuration/export"),
        ("GET", "/staff/configuration/import"),
        ("POST", "/staff/configuration/import"),
    ]


NOT_FORM_ADMIN = [403] * 11
FORM_EXPECTED = {
    "admin": [200, 200, 200, 200, 400, 303, 303, 303, 200, 200, 400],
    "lead": NOT_FORM_ADMIN,
    "other_lead": NOT_FORM_ADMIN,
    "party": NOT_FORM_ADMIN,
    "bystander": NOT_FORM_ADMIN,
    # Their own trust's pages; Heart of Mercia's version, upload and restore are not found.
    "other_trust": [200, 200, 404, 200, 400, 404, 404, 303, 200, 200, 400],
}


@pytest.mark.parametrize("role", list(FORM_EXPECTED))
def test_each_role_reaches_only_the_form_pages_it_may(app, client, mailbox, form_world, role):
    sign_in(client, mailbox, PEOPLE[role][0])
    token = csrf(client.get("/staff/documents").text)
    got = []
    for method, path in form_routes(form_world):
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        got.append(response.status_code)
    assert got == FORM_EXPECTED[role], list(zip(form_routes(form_world), got, FORM_EXPECTED[role], strict=True))


def test_signed_out_visitors_reach_no_form_page(app, client, form_world):
    for method, path in form_routes(form_world):
        if method == "GET":
            response = client.get(path)
            assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"], path
        else:
            assert client.post(path).status_code == 400, path  # no CSRF token: refused before anything else

"""Every staff route checks who is asking: signed out, each role, and someone from another trust."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.staff.models import User
from app.trusts.models import School

from ..flows.conftest_helpers import settle
from ..flows.test_contract_spine import csrf

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
    settle(app)  # with a worker, the contract is prepared and sent before anyone asks for it
    with app.app_context():
        document = db.session.scalar(select(Document))
        party = document.parties[1].id
        school = db.session.scalar(select(School.id).where(School.name == "Elm Academy"))
        bystander = db.session.scalar(select(User.id).where(User.email == PEOPLE["bystander"][0]))
        return {"document": document.id, "party": party, "school": school, "user": bystander}


# Each route's whole access rule on one line: the status each person gets, in the order of WHO (the people of PEOPLE,
# then a visitor who is not signed in). Paths name the world's rows in braces. Each section runs in a world of its own,
# its rows in order for one person, so a row may find what an earlier one changed (an admin's cancel before their
# reissue). A signed-out visitor's GET is sent to sign in (302); their POST, with no session and so no CSRF token, is
# refused before anything else (400).
WHO = ("admin", "lead", "other_lead", "party", "bystander", "other_trust", "signed_out")
ACCESS: dict[str, dict[tuple[str, str], tuple[int, ...]]] = {
    "documents": {
        ("GET", "/staff/"):                                             (200, 200, 200, 200, 200, 200, 302),
        ("GET", "/staff/documents"):                                    (200, 200, 200, 200, 200, 200, 302),
        ("GET", "/staff/documents/{document}"):                         (200, 200, 404, 200, 404, 404, 302),
        ("GET", "/staff/create"):                                       (200, 200, 200, 403, 403, 200, 302),
        ("GET", "/staff/create/contract"):                              (200, 200, 200, 403, 403, 200, 302),
        ("GET", "/staff/settings"):                                     (200, 403, 403, 403, 403, 200, 302),
        ("GET", "/staff/documents/{document}/revise"):                  (200, 200, 404, 403, 404, 404, 302),
        # A revision with no fields changed is sent again only with a note saying why (the posts carry one).
        ("POST", "/staff/documents/{document}/revise"):                 (303, 303, 404, 403, 404, 404, 400),
        ("POST", "/staff/documents/{document}/versions/1/download"):    (200, 200, 404, 200, 404, 404, 400),
        ("GET", "/staff/documents/{document}/resend/{party}"):          (200, 200, 404, 403, 404, 404, 302),
        ("POST", "/staff/documents/{document}/resend/{party}"):         (303, 303, 404, 403, 404, 404, 400),
        ("GET", "/staff/documents/{document}/cancel"):                  (200, 200, 404, 403, 404, 404, 302),
        ("POST", "/staff/documents/{document}/cancel"):                 (303, 303, 404, 403, 404, 404, 400),
        # Past the access check, reissue is confirmed only for a sealed contract.
        ("GET", "/staff/documents/{document}/reissue"):                 (409, 409, 404, 403, 404, 404, 302),
        ("POST", "/staff/documents/{document}/reissue"):                (303, 303, 404, 403, 404, 404, 400),
        ("POST", "/staff/create/contract"):                             (400, 400, 400, 403, 403, 400, 400),
        ("GET", "/staff/reviews"):                                      (200, 200, 200, 403, 403, 200, 302),
        ("POST", "/staff/reviews/reissue-all"):                         (303, 303, 303, 403, 403, 303, 400),
        ("GET", "/staff/reviews/progress"):                             (200, 200, 200, 200, 200, 200, 302),
        ("GET", "/staff/preview/{no_such_digest}/1.png"):               (404, 404, 404, 404, 404, 404, 302),
    },
    # A party's own page to read and answer (Sam, the supervisee, is the only party on staff).
    "a party's own page": {
        ("GET", "/staff/documents/{document}/agree"):                   (404, 404, 404, 200, 404, 404, 302),
        # No tick, no name: refused field by field.
        ("POST", "/staff/documents/{document}/agree"):                  (404, 404, 404, 400, 404, 404, 400),
        ("POST", "/staff/documents/{document}/changes"):                (404, 404, 404, 303, 404, 404, 400),
    },
    # The trust's schools and staff: admins only; another trust's are not found.
    "schools and people": {
        ("GET", "/staff/schools"):                                      (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/schools"):                                     (400, 403, 403, 403, 403, 400, 400),
        ("GET", "/staff/schools/{school}"):                             (200, 403, 403, 403, 403, 404, 302),
        ("POST", "/staff/schools/{school}"):                            (400, 403, 403, 403, 403, 404, 400),
        ("GET", "/staff/people"):                                       (200, 403, 403, 403, 403, 200, 302),
        ("GET", "/staff/people/invite"):                                (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/people/invite"):                               (400, 403, 403, 403, 403, 400, 400),
        ("GET", "/staff/people/{user}"):                                (200, 403, 403, 403, 403, 404, 302),
        ("POST", "/staff/people/{user}"):                               (400, 403, 403, 403, 403, 404, 400),
        ("POST", "/staff/schools/{school}/active"):                     (303, 403, 403, 403, 403, 404, 400),
        ("POST", "/staff/people/{user}/deactivate"):                    (303, 403, 403, 403, 403, 404, 400),
        ("POST", "/staff/people/{user}/reactivate"):                    (303, 403, 403, 403, 403, 404, 400),
    },
    # The trust's profile, wording and connections: admins only, each for their own trust. An admin's empty profile
    # form is refused field by field; a blank wording form saves Countersign's wording for their own trust.
    "profile and connections": {
        ("GET", "/staff/profile"):                                      (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/profile"):                                     (400, 403, 403, 403, 403, 400, 400),
        ("GET", "/staff/profile/wording/contract"):                     (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/profile/wording/contract"):                    (303, 403, 403, 403, 403, 303, 400),
        ("GET", "/staff/sso"):                                          (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/sso"):                                         (400, 403, 403, 403, 403, 400, 400),
        ("POST", "/staff/sso/remove"):                                  (400, 403, 403, 403, 403, 400, 400),
        ("GET", "/staff/api-keys"):                                     (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/api-keys"):                                    (400, 403, 403, 403, 403, 400, 400),
        ("POST", "/staff/api-keys/{key}/revoke"):                       (303, 403, 403, 403, 403, 404, 400),
        ("GET", "/staff/webhooks"):                                     (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/webhooks"):                                    (400, 403, 403, 403, 403, 400, 400),
        ("GET", "/staff/webhooks/{endpoint}"):                          (200, 403, 403, 403, 403, 404, 302),
        ("POST", "/staff/webhooks/{endpoint}/enable"):                  (303, 403, 403, 403, 403, 404, 400),
        ("POST", "/staff/webhooks/{endpoint}/remove"):                  (303, 403, 403, 403, 403, 404, 400),
    },
    # The trust's forms and configuration: admins only. Another trust's admin has their own trust's pages; Heart of
    # Mercia's version, upload and restore are not found.
    "forms and configuration": {
        ("GET", "/staff/forms"):                                        (200, 403, 403, 403, 403, 200, 302),
        ("GET", "/staff/forms/contract"):                               (200, 403, 403, 403, 403, 200, 302),
        ("GET", "/staff/forms/contract/versions/1.docx"):               (200, 403, 403, 403, 403, 404, 302),
        ("GET", "/staff/forms/contract/bundled/generic.docx"):          (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/forms/contract/upload"):                       (400, 403, 403, 403, 403, 400, 400),
        ("POST", "/staff/forms/contract/uploads/{held}/install"):       (303, 403, 403, 403, 403, 404, 400),
        ("POST", "/staff/forms/contract/versions/1/restore"):           (303, 403, 403, 403, 403, 404, 400),
        ("POST", "/staff/forms/contract/use-bundled"):                  (303, 403, 403, 403, 403, 303, 400),
        ("GET", "/staff/configuration/export"):                         (200, 403, 403, 403, 403, 200, 302),
        ("GET", "/staff/configuration/import"):                         (200, 403, 403, 403, 403, 200, 302),
        ("POST", "/staff/configuration/import"):                        (400, 403, 403, 403, 403, 400, 400),
    },
}
# Staff routes with no row here, each prefix of a rule with the reason.
EXEMPT = {
    "/staff/sign-in": "reached signed out by design: tests/staff/test_sign_in.py and tests/oidc",
    "/staff/sign-out": "signs out whoever asks: tests/staff/test_sessions.py",
    "/staff/records/": "each role on every records page: tests/governance/test_records_access.py",
}
# What a path's braces name, besides the rows of the world every section runs in (everything, below).
NO_SUCH_PREVIEW = {"no_such_digest": "0" * 64}


def test_every_staff_route_has_a_row_or_a_reason(app):
    """A new staff route cannot go unchecked: it gets a row in ACCESS, or its prefix is in EXEMPT with a reason."""
    adapter = app.url_map.bind("countersign.test")
    ids = dict.fromkeys(("document", "party", "school", "user", "held", "key", "endpoint"), 1) | NO_SUCH_PREVIEW
    rows = [(method, path.format(**ids)) for section in ACCESS.values() for method, path in section]
    assert len(rows) == len(set(rows)), "a route has two rows"
    tabled = {(method, adapter.match(path, method=method, return_rule=True)[0].rule) for method, path in rows}
    registered = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    missing = {(method, rule) for method, rule in registered - tabled if not rule.startswith(tuple(EXEMPT))}
    assert missing == set()
    assert tabled <= registered


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("section", list(ACCESS))
def test_each_person_reaches_only_what_they_may(app, client, mailbox, everything, section, who):
    if who != "signed_out":
        sign_in(client, mailbox, PEOPLE[who][0])
        token = {"csrf_token": csrf(client.get("/staff/documents").text)}
    else:
        token = {}
    column = WHO.index(who)
    got, expected = {}, {}
    for (method, template), statuses in ACCESS[section].items():
        path = template.format(**everything, **NO_SUCH_PREVIEW)
        if method == "GET":
            response = client.get(path)
            if response.status_code == 302:  # a redirect is only ever to sign in
                assert "/staff/sign-in" in response.headers["Location"], path
        else:
            response = client.post(path, data={**token, "which": "draft", "reason": "test", "note": "test"})
        got[method, template], expected[method, template] = response.status_code, statuses[column]
    assert got == expected, [(route, got[route], expected[route]) for route in got if got[route] != expected[route]]


def test_another_trusts_document_is_not_found_even_by_its_admin(app, client, mailbox, world):
    sign_in(client, mailbox, PEOPLE["other_trust"][0])
    page = client.get(f"/staff/documents/{world['document']}")
    assert page.status_code == 404
    listing = client.get("/staff/documents")
    assert "CS-000001" not in listing.text


@pytest.fixture
def everything(app: Any, runner: Any, world: dict[str, Any], tmp_path: Any) -> dict[str, Any]:
    """The same world, with version 1 of Heart of Mercia's own contract form installed, an upload its admin holds,
    an API key and a webhook endpoint."""
    from app.api.models import ApiKey
    from app.trusts.form_install import hold_upload
    from app.trusts.models import Trust
    from app.webhooks.models import WebhookEndpoint

    from ..flows.test_templates_cli import SOUND_CONTRACT, form

    path = form(tmp_path, *SOUND_CONTRACT)
    installed = runner.invoke(args=["templates", "install", str(path), "--trust", "heart-of-mercia", "--kind", "contract"])
    assert installed.exit_code == 0, installed.output
    for args in (["api-keys", "create", "--trust", "heart-of-mercia", "--name", "MIS sync", "--scope", "read"],
                 ["webhooks", "add", "--trust", "heart-of-mercia", "https://mis.example.org/countersign/webhook"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        admin = db.session.scalar(select(User).where(User.email == PEOPLE["admin"][0]))
        _findings, held = hold_upload(trust, "contract", "second.docx", form(tmp_path, "Second", *SOUND_CONTRACT).read_bytes(),
                                      user_id=admin.id, actor=admin.label)
        assert held is not None
        return {**world, "held": held.id, "key": db.session.scalar(select(ApiKey.id)),
                "endpoint": db.session.scalar(select(WebhookEndpoint.id))}

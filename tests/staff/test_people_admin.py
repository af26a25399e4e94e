"""Trust admins add, change, deactivate and reactivate schools and staff from the web; each change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.staff.models import User
from app.trusts.models import School

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from .test_access import sign_in
from .test_sessions import events

pytestmark = pytest.mark.skipif(bool(BROKER), reason="invitations are sent in-process")

ADMIN = "admin@hom.example.org"
TRUST = "heart-of-mercia"


@pytest.fixture
def admin(app, runner, trusts, client, mailbox) -> Any:
    """The trust's admin, signed in on client; Oakfield Primary School exists (a lead of it was added)."""
    for args in (["users", "create", ADMIN, "--name", "Morgan Admin", "--role", "admin", "--trust", TRUST],
                 ["users", "create", "lee@oakfield.example.org", "--name", "Lee Lead", "--role", "lead",
                  "--trust", TRUST, "--school", "Oakfield Primary School"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    sign_in(client, mailbox, ADMIN)
    mailbox.clear()
    return client


def school_named(app: Any, name: str) -> School | None:
    with app.app_context():
        return db.session.scalar(select(School).where(School.name == name))


def user_of(app: Any, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            _ = [s.name for s in user.schools]
        return user


def post(client: Any, path: str, page: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client.get(page).text), **data})


def test_an_admin_adds_a_school_and_a_name_like_an_existing_one_is_refused(app, admin):
    listing = admin.get("/staff/schools")
    assert listing.status_code == 200 and "Oakfield Primary School" in listing.text
    added = post(admin, "/staff/schools", "/staff/schools", name="  Elm   Academy ")
    assert added.status_code == 303
    assert "Elm Academy has been added" in admin.get(added.headers["Location"]).text
    for similar in ("Oakfield Primary", "oakfield primary school", "The Oakfield Primary School"):
        refused = post(admin, "/staff/schools", "/staff/schools", name=similar)
        assert refused.status_code == 400, similar
        assert "Error:" in refused.text and 'href="#name"' in refused.text
        assert "Oakfield Primary School" in refused.text
    empty = post(admin, "/staff/schools", "/staff/schools", name=" ")
    assert empty.status_code == 400 and "Enter the school" in empty.text
    with app.app_context():
        assert db.session.scalar(select(func.count(School.id))) == 2
    assert len(events(app, "school_added")) == 2  # Oakfield (by the command line) and Elm


def test_the_command_line_takes_a_similar_name_for_the_school_it_is(app, admin, runner):
    result = runner.invoke(args=["users", "create", "sam@example.org", "--name", "Sam Patel", "--role", "staff",
                                 "--trust", TRUST, "--school", "Oakfield Primary"])
    assert result.exit_code == 0, result.output
    assert [s.name for s in user_of(app, "sam@example.org").schools] == ["Oakfield Primary School"]


def test_an_admin_renames_a_school_and_sets_its_own_defaults_and_bad_input_changes_nothing(app, admin):
    school = school_named(app, "Oakfield Primary School")
    page = admin.get(f"/staff/schools/{school.id}")
    assert page.status_code == 200 and 'name="override-venue"' in page.text
    assert 'name="override-review_period_months"' in page.text
    bad = post(admin, f"/staff/schools/{school.id}", f"/staff/schools/{school.id}", name="",
               **{"override-venue": "Oakfield library", "override-review_period_months": "ninety"})
    assert bad.status_code == 400
    assert 'href="#name"' in bad.text and 'href="#override-review_period_months"' in bad.text
    assert "whole number from 1 to 60" in bad.text
    assert "Oakfield library" in bad.text  # what was typed is kept on the page
    unchanged = school_named(app, "Oakfield Primary School")
    assert unchanged is not None and unchanged.overrides == {}
    saved = post(admin, f"/staff/schools/{school.id}", f"/staff/schools/{school.id}", name="Oakfield Primary Academy",
                 **{"override-venue": "Oakfield library", "override-review_period_months": "24",
                    "override-frequency": ""})
    assert saved.status_code == 303
    renamed = school_named(app, "Oakfield Primary Academy")
    assert renamed.overrides == {"venue": "Oakfield library", "review_period_months": 24}
    changed = events(app, "school_changed")
    assert len(changed) == 1 and changed[0].details["before"]["name"] == "Oakfield Primary School"


def test_a_deactivated_school_is_no_longer_offered_on_the_create_page_and_can_come_back(app, admin):
    school = school_named(app, "Oakfield Primary School")
    assert "Oakfield Primary School</option>" in admin.get("/staff/create/contract").text
    off = post(admin, f"/staff/schools/{school.id}/active", f"/staff/schools/{school.id}", active="no")
    assert off.status_code == 303 and not school_named(app, "Oakfield Primary School").active
    assert "Deactivated" in admin.get("/staff/schools").text
    assert "Oakfield Primary School</option>" not in admin.get("/staff/create/contract").text
    on = post(admin, f"/staff/schools/{school.id}/active", f"/staff/schools/{school.id}", active="yes")
    assert on.status_code == 303 and school_named(app, "Oakfield Primary School").active
    assert [e.details["active"] for e in events(app, "school_changed")] == [False, True]


def test_an_admin_invites_someone_by_email_with_a_role_and_schools(app, admin, mailbox):
    oakfield = school_named(app, "Oakfield Primary School")
    post(admin, "/staff/schools", "/staff/schools", name="Elm Academy")
    elm = school_named(app, "Elm Academy")
    form = admin.get("/staff/people/invite")
    assert form.status_code == 200 and 'name="schools"' in form.text and 'name="role"' in form.text
    sent = admin.post("/staff/people/invite", data={
        "csrf_token": csrf(form.text), "name": "Dana Lead", "email": "Dana.Lead@Elm.example.org", "role": "lead",
        "schools": [str(oakfield.id), str(elm.id)]})
    assert sent.status_code == 303
    listing = admin.get(sent.headers["Location"]).text
    assert "Dana Lead has been added" in listing and "Elm Academy, Oakfield Primary School" in listing
    message = mailbox.to("dana.lead@elm.example.org", "You have been added to Countersign")[0]
    assert "safeguarding lead" in message.get_body(preferencelist=("plain",)).get_content()
    invited = user_of(app, "dana.lead@elm.example.org")
    assert invited.role == "lead" and [s.name for s in invited.schools] == ["Elm Academy", "Oakfield Primary School"]
    assert len(events(app, "staff_invited")) == 1
    # The link in the invitation signs them in.
    link = mailbox.link(message).split("countersign.test", 1)[1]
    fresh = app.test_client()
    confirm = fresh.get(link)
    assert fresh.post(link, data={"csrf_token": csrf(confirm.text)}).status_code == 303
    assert fresh.get("/staff/").status_code == 200


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "Dana", "email": "not-an-address", "role": "staff"}, "email", "is not an email address"),
    ({"name": "", "email": "dana@example.org", "role": "staff"}, "name", "must not be empty"),
    ({"name": "Dana", "email": "dana@example.org", "role": "lead"}, "schools", "Choose the school or schools"),
    ({"name": "Dana", "email": "dana@example.org", "role": "owner"}, "role", "Choose the role"),
    ({"name": "Dana", "email": "LEE@oakfield.example.org", "role": "staff"}, "email", "already has an account"),
])
def test_a_bad_invitation_names_the_field_and_adds_no_one(app, admin, mailbox, data, field, message):
    refused = post(admin, "/staff/people/invite", "/staff/people/invite", **data)
    assert refused.status_code == 400 and f'href="#{field}"' in refused.text and message in refused.text
    assert refused.text.count("govuk-error-message") >= 1
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2
    assert events(app, "staff_invited") == [] and mailbox.messages == []


def test_an_admin_changes_a_members_name_role_and_schools(app, admin):
    lee = user_of(app, "lee@oakfield.example.org")
    post(admin, "/staff/schools", "/staff/schools", name="Elm Academy")
    elm = school_named(app, "Elm Academy")
    page = admin.get(f"/staff/people/{lee.id}")
    assert page.status_code == 200 and "Lee Lead" in page.text
    no_school = post(admin, f"/staff/people/{lee.id}", f"/staff/people/{lee.id}", name="Lee Lead", role="lead")
    assert no_school.status_code == 400 and 'href="#schools"' in no_school.text
    assert [s.name for s in user_of(app, "lee@oakfield.example.org").schools] == ["Oakfield Primary School"]
    changed = admin.post(f"/staff/people/{lee.id}", data={
        "csrf_token": csrf(page.text), "name": "Lee Leader", "role": "staff", "schools": [str(elm.id)]})
    assert changed.status_code == 303
    lee = user_of(app, "lee@oakfield.example.org")
    assert (lee.name, lee.role, [s.name for s in lee.schools]) == ("Lee Leader", "staff", ["Elm Academy"])
    event = events(app, "staff_changed")[-1]
    assert event.details["before"]["role"] == "lead" and event.details["role"] == "staff"


def test_deactivating_someone_ends_their_session_and_reactivating_lets_them_sign_in_again(app, admin, mailbox):
    lee_browser = app.test_client()
    sign_in(lee_browser, mailbox, "lee@oakfield.example.org")
    assert lee_browser.get("/staff/").status_code == 200
    lee = user_of(app, "lee@oakfield.example.org")
    done = post(admin, f"/staff/people/{lee.id}/deactivate", f"/staff/people/{lee.id}")
    assert done.status_code == 303 and "signed out everywhere" in admin.get(done.headers["Location"]).text
    after = lee_browser.get("/staff/documents")
    assert after.status_code == 302 and "/staff/sign-in" in after.headers["Location"]
    assert not user_of(app, "lee@oakfield.example.org").active
    assert len(events(app, "user_deactivated")) == 1
    assert "Deactivated" in admin.get("/staff/people").text
    back = post(admin, f"/staff/people/{lee.id}/reactivate", f"/staff/people/{lee.id}")
    assert back.status_code == 303 and user_of(app, "lee@oakfield.example.org").active
    assert lee_browser.get("/staff/").status_code == 302  # the old session stays ended
    mailbox.clear()
    sign_in(lee_browser, mailbox, "lee@oakfield.example.org")
    assert lee_browser.get("/staff/").status_code == 200


def test_an_admin_cannot_deactivate_themselves_or_change_their_own_role(app, admin):
    me = user_of(app, ADMIN)
    refused = post(admin, f"/staff/people/{me.id}/deactivate", f"/staff/people/{me.id}")
    assert refused.status_code == 400
    assert "You cannot deactivate your own account: you are the trust&#39;s only admin" in refused.text
    demoted = post(admin, f"/staff/people/{me.id}", f"/staff/people/{me.id}", name="Morgan Admin", role="staff")
    assert demoted.status_code == 400 and "You cannot change your own role" in demoted.text
    me = user_of(app, ADMIN)
    assert me.active and me.role == "admin" and admin.get("/staff/").status_code == 200
    assert events(app, "user_deactivated") == [] and events(app, "staff_changed") == []


def test_another_trusts_school_and_staff_are_not_found(app, admin, runner, mailbox):
    runner.invoke(args=["users", "create", "rita@rt.example.org", "--name", "Rita Tees", "--role", "admin",
                        "--trust", "river-tees"])
    other = app.test_client()
    sign_in(other, mailbox, "rita@rt.example.org")
    school, lee = school_named(app, "Oakfield Primary School"), user_of(app, "lee@oakfield.example.org")
    assert "Oakfield" not in other.get("/staff/schools").text and "Lee Lead" not in other.get("/staff/people").text
    for path in (f"/staff/schools/{school.id}", f"/staff/people/{lee.id}"):
        assert other.get(path).status_code == 404
    token = csrf(other.get("/staff/people").text)
    assert other.post(f"/staff/people/{lee.id}/deactivate", data={"csrf_token": token}).status_code == 404
    assert user_of(app, "lee@oakfield.example.org").active

"""Trust admins change their trust's profile in the browser, by the same rules as `flask trusts install`."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEvent
from app.extensions import db
from app.trusts.models import Trust

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from ..frontend.support import check_errors, check_page
from .test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="pages only: nothing here needs a worker")

ADMIN = "admin@hom.example.org"
OTHER_ADMIN = "admin@rt.example.org"


class Fields(HTMLParser):
    """A page's form as a browser would post it: each field's name and value, in order (ticked boxes only)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") != "checkbox":
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.pairs.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.pairs[-1] = (self._textarea, self.pairs[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None

    def get(self, name: str) -> str:
        return next(v for k, v in self.pairs if k == name)

    def set(self, name: str, value: str | None) -> Fields:
        """Change a field (None: untick or leave out), adding it if the page had none."""
        kept = [(k, v) for k, v in self.pairs if k != name]
        self.pairs = kept + ([(name, value)] if value is not None else [])
        return self

    def term_row(self, key: str) -> str:
        """Return the prefix of the page's row for a term ("term-3-")."""
        name = next(k for k, v in self.pairs if k.endswith("-key") and v == key)
        return name[: -len("key")]

    def post_data(self, action: str = "save") -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.pairs if k != "action"] + [("action", action)]


@pytest.fixture
def admins(app: Any, runner: Any, trusts: Any) -> None:
    for email, name, slug in ((ADMIN, "Morgan Admin", "heart-of-mercia"), (OTHER_ADMIN, "Rita Tees", "river-tees")):
        result = runner.invoke(args=["users", "create", email, "--name", name, "--role", "admin", "--trust", slug])
        assert result.exit_code == 0, result.output


def profile_of(app: Any, slug: str = "heart-of-mercia") -> dict[str, Any]:
    with app.app_context():
        return db.session.scalar(select(Trust).where(Trust.slug == slug)).profile


def profile_events(app: Any) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == "profile_changed")
                                       .order_by(AuditEvent.seq)))


def send(client: Any, path: str, pairs: list[tuple[str, str]]) -> Any:
    """Post fields to a page as its form would, with the session's CSRF token."""
    token = csrf(client.get(path).text)
    return client.post(path, data=MultiDict([("csrf_token", token), *pairs]))


def form_of(html: str) -> Fields:
    return Fields(html.split('id="form"', 1)[1].split("</form>", 1)[0]).set("csrf_token", None)


def page_fields(client: Any, path: str = "/staff/profile") -> Fields:
    page = client.get(path)
    assert page.status_code == 200, page.text
    check_page(page.text)
    fields = Fields(page.text.split('id="form"', 1)[1].split("</form>", 1)[0])
    return fields.set("csrf_token", None)


def test_an_admin_edits_every_kind_of_field_and_the_change_is_audited(app, client, mailbox, admins):
    sign_in(client, mailbox, ADMIN)
    fields = page_fields(client)
    venue = fields.term_row("venue")
    fields.set(venue + "text", "The SEM Office, Room 4").set(venue + "label", "Where we meet")
    fields.set(venue + "help", "A room where nobody can overhear.")
    fields.set(fields.term_row("case_decisions") + "remove", "yes")
    fields.set("review_period_months", "6").set("link_expiry_days", "21").set("session_interval_days", "")
    fields.set("reminders-first_after_days", "2").set("reminders-every_days", "5")
    fields.pairs = [(k, v) for k, v in fields.pairs if not (k == "kinds" and v in ("audit", "case-proforma"))]
    fields.set("section-0-prompt", "What was agreed at the start.").set("section-1-actions", None)
    fields.set("section-1-cases", None)

    # "Add another" posts the page back with one more empty row, keeping what was typed.
    added = send(client, "/staff/profile", [*fields.post_data("add-term")])
    assert added.status_code == 200
    fields = form_of(added.text)
    assert fields.get(venue + "text") == "The SEM Office, Room 4"
    new = next(k for k, v in fields.pairs if k.endswith("-new"))[: -len("new")]
    fields.set(new + "key", "supervisor_training").set(new + "label", "Supervisor's training")
    fields.set(new + "text", "Level 3 safeguarding, renewed every two years")
    added = send(client, "/staff/profile", [*fields.post_data("add-section")])
    fields = form_of(added.text)
    last = max(int(k.split("-")[1]) for k, _ in fields.pairs if k.startswith("section-"))
    fields.set(f"section-{last}-title", "Wellbeing").set(f"section-{last}-cases", "yes")

    saved = send(client, "/staff/profile", [*fields.post_data()])
    assert saved.status_code == 303, saved.text
    assert "The profile is saved." in client.get(saved.headers["Location"]).text

    profile = profile_of(app)
    defaults = profile["defaults"]
    assert defaults["venue"] == "The SEM Office, Room 4" and "case_decisions" not in defaults
    assert profile["terms"]["venue"] == {"label": "Where we meet", "help": "A room where nobody can overhear."}
    assert defaults["supervisor_training"] == "Level 3 safeguarding, renewed every two years"
    assert defaults["review_period_months"] == 6 and defaults["link_expiry_days"] == 21
    assert "session_interval_days" not in defaults
    assert profile["reminders"] == {"first_after_days": 2, "every_days": 5}
    assert profile["kinds"] == ["contract", "group-contract", "clinical-contract", "agenda", "record"]
    sections = profile["record"]["sections"]
    assert sections[0] == {"title": "Agreed expectations", "prompt": "What was agreed at the start.",
                           "actions": True, "cases": True}
    assert sections[1] == {"title": "Reflections/feelings", "actions": False, "cases": False}
    assert sections[-1] == {"title": "Wellbeing", "actions": True, "cases": True}
    assert profile["templates"] == profile_of(app)["templates"] and profile["audit"]["questions"]  # untouched

    [event] = profile_events(app)
    details = event.details
    assert event.actor.startswith("Morgan Admin")
    for field in ("defaults.venue", "terms.venue", "defaults.case_decisions", "defaults.supervisor_training",
                  "defaults.review_period_months", "defaults.link_expiry_days", "defaults.session_interval_days",
                  "reminders.first_after_days", "reminders.every_days", "kinds", "record.sections"):
        assert field in details["changed"], field
    assert details["defaults"]["review_period_months"] == [12, 6]
    assert "A room where nobody can overhear." not in json.dumps(details)  # help text is named, not copied

    # The pages follow: the create page offers only the kinds the trust uses, and the term's label and help.
    assert "Audit" not in client.get("/staff/create").text
    assert client.get("/staff/create/audit").status_code == 404
    contract = client.get("/staff/create/contract").text
    assert "Where we meet" in contract and "A room where nobody can overhear." in contract


def test_saving_an_unchanged_page_changes_nothing(app, client, mailbox, admins):
    sign_in(client, mailbox, ADMIN)
    before = profile_of(app)
    saved = send(client, "/staff/profile", [*page_fields(client).post_data()])
    assert saved.status_code == 303
    assert profile_of(app) == before and profile_events(app) == []


BAD = [
    ("link_expiry_days", "0", "link_expiry_days", "required whole number from 1 to 90"),
    ("review_period_months", "twelve", "review_period_months", "required whole number from 1 to 60"),
    ("reminders-every_days", "91", "reminders-every_days", "whole number from 1 to 90"),
    ("section-0-title", "Reflections/feelings", "section-1-title", "titles must differ"),  # the second of two
]


@pytest.mark.parametrize("name, value, field, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_value_is_named_beside_its_field_and_nothing_is_saved(app, client, mailbox, admins,
                                                                     name, value, field, message):
    sign_in(client, mailbox, ADMIN)
    before = profile_of(app)
    fields = page_fields(client).set(name, value)
    fields.set(fields.term_row("venue") + "text", "Somewhere else")  # a good change alongside the bad one
    refused = send(client, "/staff/profile", [*fields.post_data()])
    assert refused.status_code == 400
    check_errors(refused.text, [field])
    assert message in refused.text
    assert "Somewhere else" in refused.text  # what was typed is kept to correct
    assert profile_of(app) == before and profile_events(app) == []


def test_a_required_term_cannot_be_emptied_and_a_new_term_needs_a_name_the_form_can_use(app, client, mailbox, admins):
    sign_in(client, mailbox, ADMIN)
    before = profile_of(app)
    fields = page_fields(client)
    fields.set(fields.term_row("frequency") + "text", "  ")
    fields.set("term-99-new", "yes").set("term-99-key", "Who Pays").set("term-99-text", "The trust")
    refused = send(client, "/staff/profile", [*fields.post_data()])
    assert refused.status_code == 400
    frequency = fields.term_row("frequency") + "text"
    check_errors(refused.text, [frequency, "term-99-key"])
    assert "required text" in refused.text and "lowercase letters, digits and underscores" in refused.text
    assert profile_of(app) == before


def test_the_web_and_the_command_line_refuse_a_bad_value_in_the_same_words(app, client, runner, mailbox, admins,
                                                                          tmp_path):
    sign_in(client, mailbox, ADMIN)
    fields = page_fields(client).set("link_expiry_days", "120")
    refused = send(client, "/staff/profile", [*fields.post_data()])
    profile = profile_of(app)
    profile["defaults"]["link_expiry_days"] = 120
    path = tmp_path / "profile.toml"
    path.write_text(toml(profile), encoding="utf-8")
    command = runner.invoke(args=["trusts", "install", str(path)])
    assert command.exit_code != 0
    message = "whole number from 1 to 90"
    assert f"defaults.link_expiry_days: required {message}" in command.output
    assert f"required {message}" in refused.text


def test_a_profile_saved_on_the_page_installs_from_a_toml_file_unchanged(app, client, runner, mailbox, admins,
                                                                          tmp_path):
    sign_in(client, mailbox, ADMIN)
    fields = page_fields(client)
    fields.set(fields.term_row("venue") + "label", "Where we meet").set("section-0-prompt", "What was agreed.")
    send(client, "/staff/profile", [*fields.post_data()])
    wording = page_fields(client, "/staff/profile/wording/contract").set("statement", "We have read and accept the terms above")
    send(client, "/staff/profile/wording/contract", [*wording.pairs])
    saved = profile_of(app)
    assert saved["wording"]["contract"]["statement"] == "We have read and accept the terms above"
    path = tmp_path / "profile.toml"
    path.write_text(toml(saved), encoding="utf-8")
    result = runner.invoke(args=["trusts", "install", str(path)])
    assert result.exit_code == 0, result.output
    assert profile_of(app) == saved


def test_wording_is_edited_per_kind_and_checked_by_the_profile_rules(app, client, mailbox, admins):
    sign_in(client, mailbox, ADMIN)
    page = client.get("/staff/profile/wording/contract")
    assert page.status_code == 200 and "Safeguarding Supervision Contract" in page.text
    assert "I have read and agree to this supervision contract" in page.text  # the default, as a hint
    fields = page_fields(client, "/staff/profile/wording/contract")
    fields.set("opening-agree_request", "{author} asks you, as the {role}, to read our {nonsense}.")
    refused = send(client, "/staff/profile/wording/contract", [*fields.pairs])
    assert refused.status_code == 400
    check_errors(refused.text, ["opening-agree_request"])
    assert "unknown placeholder {nonsense}" in refused.text
    assert profile_of(app)["wording"]["contract"] == {"name": "Safeguarding Supervision Contract"}

    fields.set("opening-agree_request", "{author} asks you, as the {role}, to read our {document}.")
    fields.set("statement", "We have read and accept the terms above").set("name", "")
    saved = send(client, "/staff/profile/wording/contract", [*fields.pairs])
    assert saved.status_code == 303
    assert profile_of(app)["wording"]["contract"] == {
        "statement": "We have read and accept the terms above",  # a blank name is Countersign's name again
        "openings": {"agree_request": "{author} asks you, as the {role}, to read our {document}."},
    }
    [event] = profile_events(app)
    assert set(event.details["changed"]) == {"wording.contract.name", "wording.contract.statement",
                                            "wording.contract.openings"}


def test_another_trusts_admin_edits_only_their_own_trust(app, client, mailbox, admins):
    sign_in(client, mailbox, OTHER_ADMIN)
    page = client.get("/staff/profile")
    assert "River Tees Multi-Academy Trust" in page.text and "Heart of Mercia" not in page.text
    before = profile_of(app, "heart-of-mercia")
    fields = page_fields(client).set("link_expiry_days", "30")
    saved = send(client, "/staff/profile", [*fields.post_data()])
    assert saved.status_code == 303
    assert profile_of(app, "river-tees")["defaults"]["link_expiry_days"] == 30
    assert profile_of(app, "heart-of-mercia") == before


def toml(value: dict[str, Any]) -> str:
    """Write a profile as TOML: one `key = value` line per top-level key, tables inline (JSON strings are TOML)."""
    def item(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(item(x) for x in v) + "]"
        return "{ " + ", ".join(f"{json.dumps(k)} = {item(x)}" for k, x in v.items()) + " }"
    return "".join(f"{json.dumps(k)} = {item(v)}\n" for k, v in value.items())


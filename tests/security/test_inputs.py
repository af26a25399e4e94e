"""Every text that enters — forms, query strings, commands, profiles, data files — refuses NUL,
other control characters and broken Unicode, naming the field; nothing is stored or sent.

Run these on PostgreSQL too (COUNTERSIGN_DATABASE_URL, no broker): there a NUL was a 500.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.config import PROJECT_ROOT
from app.documents.models import Answer, Document, Party
from app.documents.people import parse_person
from app.extensions import db
from app.inputs import InputInvalid, clean_line, clean_text, problem
from app.kinds import FieldError, kind, resolve_fields
from app.mail.models import OutboundEmail
from app.staff.models import User
from app.trusts.models import Trust
from app.trusts.profiles import validate_profile

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import create_and_send, csrf, path_of
from ..staff.test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="forms are checked and jobs run in-process")

TABLES = (Document, Party, OutboundEmail, AuditEvent, User)
LEAD = "lead@oakfield.example.org"
TEMPLATES = PROJECT_ROOT / "document_templates"


def counts(app: Any) -> dict[str, int]:
    with app.app_context():
        return {t.__tablename__: db.session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@pytest.fixture
def lead(app, runner, trusts, client, mailbox):
    for email, name, role in ((LEAD, "Lee Lead", "lead"), ("sam@example.org", "Sam Patel", "staff")):
        result = runner.invoke(args=["users", "create", email, "--name", name, "--role", role,
                                     "--trust", "heart-of-mercia", "--school", "Oakfield Primary School"])
        assert result.exit_code == 0, result.output
    sign_in(client, mailbox, LEAD)


def create_form(client: Any, **fields: str) -> Any:
    """Send the create form: an external supervisor, Sam Patel (staff) as supervisee, and fields over that."""
    page = client.get("/staff/create/contract")
    sam = re.search(r'<option value="(\d+)">Sam Patel', page.text).group(1)
    data = {"csrf_token": csrf(page.text), "action": "send", "external_name": "Alex Morgan",
            "external_email": "alex@example.org", "supervisees": sam, "school": "Oakfield Primary School"}
    return client.post("/staff/create/contract", data=data | fields)


def heart_of_mercia(app: Any) -> dict[str, Any]:
    with app.app_context():
        return db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia")).profile


# --- the rule itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b", "a\udc80b",
                                  "a\ufffdb", "a\uffffb", "a\U0010fffeb"])
def test_control_characters_and_broken_unicode_are_refused_in_any_text(text):
    assert problem(text, multiline=True) and problem(text, multiline=False)
    with pytest.raises(InputInvalid) as refused:
        clean_text(text, "reason")
    assert refused.value.field == "reason" and str(refused.value).startswith("reason: contains ")


def test_line_breaks_and_tabs_only_in_long_text():
    for text in ("a\nb", "a\r\nb", "a\rb", "a\tb", "a\u2028b", "a\u202eb"):
        with pytest.raises(InputInvalid, match="must be one line|control character"):
            clean_line(text, "school")
    assert clean_text(" first line\r\n\tsecond line ", "reason") == "first line\r\n\tsecond line"
    assert clean_line("  Zoë O'Brien-Łukasz  ", "name") == "Zoë O'Brien-Łukasz"
    with pytest.raises(InputInvalid, match="too long"):
        clean_line("x" * 501, "name")


def test_a_kinds_one_line_fields_refuse_what_its_long_fields_allow(app, trusts):
    profile = heart_of_mercia(app)
    spec = kind("contract")
    fine = resolve_fields(spec, {"school": "Oakfield", "other_agreements": "One\n\tTwo"}, profile, date(2026, 9, 1))
    assert fine["other_agreements"] == "One\n\tTwo"
    with pytest.raises(FieldError) as refused:
        resolve_fields(spec, {"school": "Oak\tfield", "other_agreements": "a\x00b", "venue": "x\x00"},
                       profile, date(2026, 9, 1))
    problems = "\n".join(refused.value.problems)
    assert "school: contains a tab (U+0009)" in problems
    assert "other_agreements: contains a control character (U+0000" in problems
    assert "venue: contains a control character (U+0000" in problems


# --- web forms and query strings: a 400 naming the field, nothing stored, nothing sent -----------


def test_a_change_request_reason_with_nul_is_refused_and_changes_nothing(app, runner, client, mailbox, trusts, wait):
    document_id = create_and_send(app, runner, wait)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0])
    page = client.get(path_of(url))
    before = counts(app)
    mailbox.clear()
    refused = client.post(path_of(url) + "/changes", data={"csrf_token": csrf(page.text), "reason": "Fix\x00 this"})
    assert refused.status_code == 400
    assert "Reason contains a control character (U+0000" in refused.text
    assert counts(app) == before and mailbox.messages == []
    with app.app_context():
        assert db.session.get(Document, document_id).state == "awaiting_agreement"
    # The same reason without the NUL, on several lines, is taken.
    taken = client.post(path_of(url) + "/changes", data={"csrf_token": csrf(page.text), "reason": "Fix\r\nthis"})
    assert taken.status_code == 303


def test_text_that_is_not_utf8_is_refused_not_replaced(app, runner, client, mailbox, trusts, wait):
    create_and_send(app, runner, wait)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0])
    token = csrf(client.get(path_of(url)).text)
    before = counts(app)
    refused = client.post(path_of(url) + "/changes", data=f"csrf_token={token}&reason=caf%E9".encode(),
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400 and "not valid UTF-8" in refused.text
    assert counts(app) == before


@pytest.mark.parametrize("field, value, named", [
    ("external_name", "Alex\x00 Morgan", "External name contains a control character (U+0000"),
    ("supervisee_search", "Sam\x00", "Supervisee search contains a control character (U+0000"),
    ("school", "Oakfield\x00", "School contains a control character (U+0000"),
    ("term-venue", "The\x00 library", "Term venue contains a control character (U+0000"),
    ("case-0-discussion", "x\x00", "Case 1 discussion contains a control character (U+0000"),
])
def test_nul_in_a_staff_create_form_field_is_refused_naming_it(app, client, mailbox, lead, field, value, named):
    before = counts(app)
    mailbox.clear()
    refused = create_form(client, **{field: value})
    assert refused.status_code == 400 and named in refused.text, refused.text
    assert counts(app) == before and mailbox.messages == []


def test_a_search_with_nul_finds_nothing(app, runner, client, mailbox, lead, wait):
    create_and_send(app, runner, wait, "--set", "school=Oakfield Primary School")
    found = client.get("/staff/documents", query_string={"person": "sam"})
    assert found.status_code == 200 and "CS-000001" in found.text
    before = counts(app)
    for name in ("q", "person", "school"):
        for value in ("sam\x00", "Oakfield Primary School\x00", "Sam\x1b"):
            page = client.get("/staff/documents", query_string={name: value})
            assert page.status_code == 200 and "CS-000001" not in page.text, (name, value)
        page = client.get(f"/staff/documents?{name}=sam%00%FF")  # and bytes that are not UTF-8
        assert page.status_code == 200 and "CS-000001" not in page.text
    assert counts(app) == before


def test_the_sign_in_email_with_nul_is_refused_and_nothing_is_sent(app, client, mailbox, lead):
    other = app.test_client()
    before = counts(app)
    mailbox.clear()
    refused = other.post("/staff/sign-in", data={"csrf_token": csrf(other.get("/staff/sign-in").text),
                                                 "email": f"{LEAD}\x00"})
    assert refused.status_code == 400 and "Email contains a control character (U+0000" in refused.text
    assert counts(app) == before and mailbox.messages == []


def test_sign_in_takes_the_address_as_email_validator_normalises_it(app, client, mailbox, lead):
    other = app.test_client()
    page = other.post("/staff/sign-in", data={"csrf_token": csrf(other.get("/staff/sign-in").text),
                                              "email": " Lead@OAKFIELD.example.org "})
    assert page.status_code == 200
    mailbox.to(LEAD, "Sign in")
    wrong = other.post("/staff/sign-in", data={"csrf_token": csrf(other.get("/staff/sign-in").text),
                                               "email": "lead@oakfield"})
    assert wrong.status_code == 400 and "correct format" in wrong.text


# --- a name is one line, and a person is checked the same way everywhere ---------------------------


@pytest.mark.parametrize("breaker", ["\r", "\n", "\u2028"])
def test_a_line_break_in_a_name_is_refused_on_the_form_the_commands_and_users_create(
        app, runner, client, mailbox, lead, breaker):
    before = counts(app)
    mailbox.clear()
    code = f"U+{ord(breaker):04X}"
    form = create_form(client, supervisor=f"Alex{breaker}Morgan <alex@example.org>")
    assert form.status_code == 400 and f"a line break ({code}); it must be one line" in form.text
    command = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor",
                                  f"Alex{breaker}Morgan <alex@example.org>", "--supervisee", "Sam Patel <sam@example.org>"])
    assert command.exit_code != 0 and f"--supervisor: the entry contains a line break ({code})" in command.output
    user = runner.invoke(args=["users", "create", "new@example.org", "--name", f"New{breaker}Person", "--role", "staff",
                               "--trust", "heart-of-mercia"])
    assert user.exit_code != 0 and f"name: contains a line break ({code}); it must be one line" in user.output
    assert counts(app) == before and mailbox.messages == []


def test_a_person_is_parsed_and_normalised_the_same_way_everywhere():
    person = parse_person("  Sam O'Brien  < Sam.OBrien@EXAMPLE.org >", "--supervisee")
    assert (person.name, person.email) == ("Sam O'Brien", "sam.obrien@example.org")
    for text, reason in [("Sam <sam@localhost>", "the email address is not an email address"),
                         ("Sam <sam..x@example.org>", "the email address is not an email address"),
                         ("Sam <sàm@example.org>", "the email address is not an email address"),
                         (f"{'S' * 201} <sam@example.org>", "the name is too long"),
                         ("Sam\x00 <sam@example.org>", "the entry contains a control character (U+0000")]:
        with pytest.raises(FieldError) as refused:
            parse_person(text, "--supervisee")
        assert refused.value.problems[0].startswith(f"--supervisee: {reason}"), refused.value.problems


def test_the_create_form_says_what_is_wrong_with_an_address(app, client, mailbox, lead):
    before = counts(app)
    page = create_form(client, external_email="alex@example")
    assert page.status_code == 400 and "The email address is not an email address" in page.text
    assert counts(app) == before


def test_users_create_normalises_the_address_and_refuses_control_characters(app, runner, trusts):
    made = runner.invoke(args=["users", "create", "New.Person@EXAMPLE.org", "--name", " New Person ",
                               "--role", "staff", "--trust", "heart-of-mercia"])
    assert made.exit_code == 0, made.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
        assert user is not None and user.name == "New Person"
    before = counts(app)
    for args, message in [(["x@example.org", "--name", "X\x00"], "name: contains a control character (U+0000"),
                          (["x\x00@example.org", "--name", "X"], "email: contains a control character (U+0000"),
                          (["x@example.org", "--name", "X", "--school", "Oak\tfield"], "school: contains a tab")]:
        result = runner.invoke(args=["users", "create", *args, "--role", "staff", "--trust", "heart-of-mercia"])
        assert result.exit_code != 0 and message in result.output, result.output
    assert counts(app) == before


# --- commands, JSON data files and profiles ----------------------------------------------------------


@pytest.mark.parametrize("data, named", [
    ({"school": "Oak\u0000field"}, "school: contains a control character (U+0000"),
    ({"other_agreements": "broken \ud800 text"}, "other_agreements: contains broken Unicode"),
    ({"sections": [{"title": "Reflections", "text": "a\u0007"}]}, "sections[1].text: contains a control character"),
    ({"sch\u0000ool": "Oakfield"}, "the key 'sch\\x00ool' contains a control character"),
])
def test_a_data_file_names_each_field_with_a_refused_character(app, runner, trusts, tmp_path, data, named):
    file = tmp_path / "fields.json"
    file.write_text(json.dumps(data), encoding="utf-8")  # JSON escapes: \u0000 and a lone \ud800 reach the app
    before = counts(app)
    result = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor",
                                 "Alex Morgan <alex@example.org>", "--supervisee", "Sam Patel <sam@example.org>",
                                 "--data", str(file)])
    assert result.exit_code != 0 and named in result.output, result.output
    assert counts(app) == before


def test_set_and_cancel_reasons_refuse_control_characters(app, runner, trusts, wait):
    result = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor",
                                 "Alex Morgan <alex@example.org>", "--supervisee", "Sam Patel <sam@example.org>",
                                 "--set", "venue=Room\x004"])
    assert result.exit_code != 0 and "venue: contains a control character (U+0000" in result.output
    document_id = create_and_send(app, runner, wait)
    before = counts(app)
    cancel = runner.invoke(args=["documents", "cancel", str(document_id), "--reason", "no\x00"])
    assert cancel.exit_code != 0 and "reason: contains a control character (U+0000" in cancel.output
    assert counts(app) == before


def test_a_profile_names_each_field_with_a_refused_character():
    path = TEMPLATES / "trusts" / "heart-of-mercia.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert validate_profile(data, TEMPLATES) == []
    data["name"] = "Heart of\nMercia"
    data["defaults"]["venue"] = "SEM\u0000 Office"
    data["record"]["sections"][0] = "Reflec\ttions"
    data["audit"]["questions"][0]["text"] = "Broken \udc80"
    problems = validate_profile(data, TEMPLATES)
    assert "name: contains a line break (U+000A); it must be one line" in problems
    assert any(p.startswith("defaults.venue: contains a control character (U+0000") for p in problems)
    assert "record.sections[1]: contains a tab (U+0009); it must be one line" in problems
    assert any(p.startswith("audit.questions[1].text: contains broken Unicode") for p in problems)
    assert len(problems) == len(set(problems))


def test_a_profile_file_with_an_escaped_nul_is_refused_on_load(runner, app, tmp_path):
    source = (TEMPLATES / "trusts" / "heart-of-mercia.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace('name = "', 'name = "\\u0000', 1), encoding="utf-8")
    result = runner.invoke(args=["trusts", "install", str(bad)])
    assert result.exit_code != 0 and "name: contains a control character (U+0000" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Trust)) == 0


def test_the_bundled_profiles_still_pass():
    for path in sorted((TEMPLATES / "trusts").glob("*.toml")):
        assert validate_profile(tomllib.loads(path.read_text(encoding="utf-8")), TEMPLATES) == [], path


def test_a_typed_name_with_nul_is_refused_and_a_user_agent_is_kept_without_it(app, runner, client, mailbox, trusts,
                                                                             wait):
    create_and_send(app, runner, wait)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read and agree")[0])
    token = csrf(client.get(path_of(url)).text)
    before = counts(app)
    refused = client.post(path_of(url) + "/agree", data={"csrf_token": token, "confirm": "yes",
                                                         "full_name": "Sam\x00 O'Brien"})
    assert refused.status_code == 400 and "Full name contains a control character (U+0000" in refused.text
    assert counts(app) == before
    agreed = client.post(path_of(url) + "/agree", headers={"User-Agent": "Mail\x00Reader\x1b/1"},
                         data={"csrf_token": token, "confirm": "yes", "full_name": "Sam O'Brien <Head> & Co"})
    assert agreed.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Answer.user_agent)) == "MailReader/1"

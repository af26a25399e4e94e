"""Nothing typed is dropped: for every bundled trust × kind, every field the create page offers is filled
with a value of its own, the document is made through the page, and each value is found in its PDF."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.documents.answers import answer_audit
from app.documents.context import long_date
from app.documents.examples import example_answers
from app.documents.links import link_url
from app.documents.models import Document, Link, LinkPurpose
from app.documents.people import Request
from app.extensions import db
from app.kinds import KINDS, record_sections
from app.trusts.form_use import offer_for
from app.trusts.models import Trust

from ..staff.test_access import sign_in
from .conftest_helpers import BROKER
from .test_contract_spine import csrf, pdf_text
from .test_every_form import TRUSTS

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process through the staff pages")

SCHOOL = "Oakfield Primary School"
ADMIN = "admin@trust.example.org"
PEOPLE = [("Alex Morgan", "alex.morgan@trust.example.org"), ("Sam O'Brien", "sam.obrien@trust.example.org"),
          ("Ria Shah", "ria.shah@trust.example.org")]
# One date per date field, each its own, so finding it in the PDF says which field it came from.
DATES = {"agreed_date": "2026-09-03", "review_date": "2027-08-04", "session_date": "2026-10-14",
         "next_session_date": "2026-11-25", "action_due": "2026-10-28"}
TIME = "16:45"


def marker(name: str) -> str:
    return f"zq-{name}-17"


def filled_form(spec: Any, offer: Any, profile: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Return the create form filled in every offered field, and (what, text) for each value the PDF must hold."""
    data: dict[str, Any] = {}
    expected: list[tuple[str, str]] = []

    def expect(what: str, text: str) -> None:
        if what not in offer.unprinted:  # asked for only because the kind needs it: the form need not print it
            expected.append((what, text))

    for f in offer.fields:
        if f.name == "school":
            data["school"] = SCHOOL
            expect("school", SCHOOL)
        elif f.name == "done_actions":
            continue  # no earlier actions are open in a fresh trust
        elif f.name in ("agenda_items", "extra_items"):
            data[f.name] = f"{marker(f.name)}-a\n{marker(f.name)}-b"
            expect(f.name, f"{marker(f.name)}-a")
            expect(f.name, f"{marker(f.name)}-b")
        elif f.name == "sections":
            for i, _section in enumerate(record_sections(profile)):
                data[f"section-{i}"] = marker(f"section-{i}")
                expect("sections", marker(f"section-{i}"))
        elif f.name == "cases":
            data["case_rows"] = "1"
            for key in offer.case_keys:
                data[f"case-0-{key}"] = marker(f"case-{key}")
                expect("cases", marker(f"case-{key}"))
        elif f.name == "actions":
            data["action_rows"] = "1"
            for key in offer.action_keys:
                if key == "due":
                    data["action-0-due"] = DATES["action_due"]
                    expect("actions", long_date(DATES["action_due"]))
                elif key == "section":
                    data["action-0-section"] = next(s["title"] for s in record_sections(profile) if s["actions"])
                else:
                    data[f"action-0-{key}"] = marker(f"action-{key}")
                    expect("actions", marker(f"action-{key}"))
        elif f.type == "date":
            data[f.name] = DATES[f.name]
            expect(f.name, long_date(DATES[f.name]))
        elif f.type == "time":
            data[f.name] = TIME
            expect(f.name, TIME)
        elif f.type == "choice":
            data[f.name] = next(c for c in f.choices if c != f.default)  # not the default: it was chosen
            expect(f.name, data[f.name])
        else:
            data[f.name] = marker(f.name)
            expect(f.name, marker(f.name))
    for key in offer.terms:
        data[f"term-{key}"] = marker(f"term-{key}")
        expect(f"term {key}", marker(f"term-{key}"))
    return data, expected


@pytest.fixture
def staff(app, runner, trusts, client, mailbox) -> Any:
    """Each trust's admin signs in on client; the parties are the trust's staff at Oakfield (per test: one trust)."""

    def for_trust(slug: str) -> dict[str, int]:
        for name, email in [("Morgan Admin", ADMIN), *PEOPLE]:
            role = "admin" if email == ADMIN else "staff"
            result = runner.invoke(args=["users", "create", email, "--name", name, "--role", role, "--trust", slug,
                                         "--school", SCHOOL])
            assert result.exit_code == 0, result.output
        sign_in(client, mailbox, ADMIN)
        from app.staff.models import User

        with app.app_context():
            return {u.email: u.id for u in db.session.scalars(select(User))}

    return for_trust


@pytest.mark.parametrize("kind_name", sorted(KINDS))
@pytest.mark.parametrize("slug", TRUSTS)
def test_every_offered_field_reaches_the_pdf(app, client, staff, wait, slug, kind_name):
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        profile = trust.profile
        if kind_name == "audit" and not profile.get("audit", {}).get("questions"):
            pytest.skip(f"{slug} has no audit questions")
        spec = KINDS[kind_name]
        offer = offer_for(trust, kind_name)
    ids = staff(slug)
    data, expected = filled_form(spec, offer, profile)
    supervisees = PEOPLE[1:] if spec.many_supervisees else PEOPLE[1:2]
    data["supervisees"] = [str(ids[email]) for _name, email in supervisees]
    if not spec.answered_online:
        data["supervisor"] = str(ids[PEOPLE[0][1]])
    page = client.get(f"/staff/create/{kind_name}")
    assert page.status_code == 200
    sent = client.post(f"/staff/create/{kind_name}", data={"csrf_token": csrf(page.text), "action": "send", **data})
    assert sent.status_code == 303, re.findall(r'<a href="#[^"]+">([^<]+)</a>', sent.text)
    document_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    if spec.answered_online:
        with app.app_context():
            link = db.session.scalar(select(Link).where(Link.purpose == LinkPurpose.ANSWER,
                                                        Link.version.has(document_id=document_id)))
            answer_audit(link_url(link.id).rsplit("/", 1)[1], answers=example_answers(profile),
                         respondent_name="", request=Request())

    def prepared() -> bytes | None:
        with app.app_context():
            found = db.session.get(Document, document_id)
            ready = found.state in {"awaiting_agreement", "issued"} and found.version.pdf_file is not None
            return found.version.pdf_file.read() if ready else None

    pdf = wait(prepared)
    assert pdf, "the document was never prepared"
    bare = re.sub(r"\s+", "", pdf_text(pdf))
    missing = [(what, text) for what, text in expected if re.sub(r"\s+", "", text) not in bare]
    assert not missing, f"typed on the {kind_name} page of {slug} but not in its PDF: {missing}"
    for name, _email in ([PEOPLE[0]] if not spec.answered_online else []) + supervisees:
        assert re.sub(r"\s+", "", name) in bare, name

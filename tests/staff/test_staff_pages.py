"""Staff create from defaults, preview as page images, send, and see status and timeline."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.staff.models import User

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from .test_access import sign_in

pytestmark = pytest.mark.skipif(bool(BROKER), reason="previews and documents are made in-process")


@pytest.fixture
def lead(app, runner, trusts, client, mailbox):
    runner.invoke(args=["users", "create", "lead@oakfield.example.org", "--name", "Lee Lead", "--role", "lead",
                        "--trust", "heart-of-mercia", "--school", "Oakfield Primary School"])
    sign_in(client, mailbox, "lead@oakfield.example.org")


@pytest.fixture
def parties(app, runner, trusts) -> dict[str, str]:
    """The create form's choice of Alex Morgan as supervisor and Sam Patel as supervisee, staff of the trust."""
    for email, name in (("alex@example.org", "Alex Morgan"), ("sam@example.org", "Sam Patel")):
        runner.invoke(args=["users", "create", email, "--name", name, "--role", "staff", "--trust", "heart-of-mercia"])
    with app.app_context():
        found = {u.email: str(u.id) for u in db.session.scalars(select(User))}
    return {"supervisor": found["alex@example.org"], "supervisees": found["sam@example.org"]}


def test_create_preview_send(app, client, mailbox, lead, parties):
    form = client.get("/staff/create/contract")
    assert form.status_code == 200
    assert "SEM Office or other appropriate venue" in form.text  # pre-filled from the trust's defaults
    token = csrf(form.text)
    empty = client.post("/staff/create/contract", data={"csrf_token": token, "action": "preview"})
    assert empty.status_code == 400 and "There is a problem" in empty.text and 'href="#supervisor"' in empty.text
    data = {"csrf_token": token, "action": "preview", **parties, "school": "Oakfield Primary School",
            "term-venue": "The library"}
    preview = client.post("/staff/create/contract", data=data)
    assert preview.status_code == 200 and "Check the Safeguarding Supervision Contract" in preview.text
    image = re.search(r'src="(/staff/preview/[0-9a-f]+/1\.png)"', preview.text).group(1)
    assert client.get(image).data.startswith(b"\x89PNG")
    assert app.test_client().get(image).status_code in (302, 404)  # previews are the maker's alone
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None  # nothing is saved by a preview
    send = client.post("/staff/create/contract", data=data | {"action": "send"})
    assert send.status_code == 303
    page = client.get(send.headers["Location"])
    assert "has been created and sent" in page.text and "Awaiting agreement" in page.text
    assert "Created" in page.text and "Sent" in page.text  # the timeline
    mailbox.to("sam@example.org", "Please read and agree")
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.version.fields["terms"]["venue"] == "The library"
        assert document.school == "Oakfield Primary School" and document.created_by_id is not None


def test_a_lead_creates_only_for_their_own_school_and_an_admin_for_any(app, client, runner, mailbox, lead, parties):
    runner.invoke(args=["users", "create", "lead@elm.example.org", "--name", "Eve Lead", "--role", "lead",
                        "--trust", "heart-of-mercia", "--school", "Elm Academy"])
    form = client.get("/staff/create/contract")
    data = {"csrf_token": csrf(form.text), "action": "send", **parties, "school": "Elm Academy"}
    refused = client.post("/staff/create/contract", data=data)
    assert refused.status_code == 400 and "only for Oakfield Primary School" in refused.text
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin",
                        "--trust", "heart-of-mercia"])
    admin = app.test_client()
    sign_in(admin, mailbox, "admin@hom.example.org")
    data["csrf_token"] = csrf(admin.get("/staff/create/contract").text)
    assert admin.post("/staff/create/contract", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Document.school)) == "Elm Academy"


def test_revise_after_a_change_request_shows_the_reason_and_what_changed(app, client, runner, mailbox, lead):
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Patel <sam@example.org>", "--set", "school=Oakfield Primary School"])
    document_id = int(created.output.split()[-1])
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0]).split("countersign.test", 1)[1]
    signer = app.test_client()
    page = signer.get(url)
    signer.post(url + "/changes", data={"csrf_token": csrf(page.text), "reason": "We meet in the library."})
    shown = client.get(f"/staff/documents/{document_id}")
    assert "Changes requested" in shown.text and "We meet in the library." in shown.text
    form = client.get(f"/staff/documents/{document_id}/revise")
    assert "We meet in the library." in form.text
    fields = dict(re.findall(r'name="(term-[a-z_]+)"[^>]*>([^<]*)</textarea>', form.text))
    data = {"csrf_token": csrf(form.text), "note": "Venue corrected", "school": "Oakfield Primary School",
            **{k: v for k, v in fields.items()}, "term-venue": "the school library"}
    sent = client.post(f"/staff/documents/{document_id}/revise", data=data)
    assert sent.status_code == 303
    after = client.get(f"/staff/documents/{document_id}")
    assert "What changed in version 2" in after.text and "the school library" in after.text


def test_settings_show_the_seal_and_form_checks_to_admins_only(app, client, runner, mailbox, lead):
    assert client.get("/staff/settings").status_code == 403
    runner.invoke(args=["users", "create", "admin@hom.example.org", "--name", "Morgan Admin", "--role", "admin", "--trust", "heart-of-mercia"])
    admin = app.test_client()
    sign_in(admin, mailbox, "admin@hom.example.org")
    page = admin.get("/staff/settings")
    assert page.status_code == 200
    for expected in ("Seal certificate", "document seal", "Sound", "Lee Lead", "forms/heart-of-mercia/contract.docx"):
        assert expected in page.text, expected


def test_users_create_refuses_bad_input_clearly(runner, trusts):
    cases = [
        (["nobody", "--name", "X", "--role", "staff", "--trust", "heart-of-mercia"], "is not an email address"),
        (["a@example.org", "--name", "X", "--role", "lead", "--trust", "heart-of-mercia"], "needs --school"),
        (["a@example.org", "--name", "X", "--role", "staff", "--trust", "nowhere"], "no trust 'nowhere'"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    runner.invoke(args=["users", "create", "a@example.org", "--name", "X", "--role", "staff", "--trust", "heart-of-mercia"])
    again = runner.invoke(args=["users", "create", "A@example.org", "--name", "X", "--role", "staff", "--trust", "heart-of-mercia"])
    assert again.exit_code != 0 and "already has an account" in again.output


def test_verify_names_the_record_only_to_staff_who_may_see_it(app, runner, client, mailbox, trusts, wait, tmp_path):
    from io import BytesIO

    from ..flows.test_kinds import agree_by_mail

    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Patel <sam@example.org>", "--set", "school=Oakfield Primary School"])
    document_id = int(created.output.split()[-1])
    agree_by_mail(app.test_client(), mailbox, "alex@example.org", "Alex Morgan")
    agree_by_mail(app.test_client(), mailbox, "sam@example.org", "Sam Patel")
    out = tmp_path / "sealed.pdf"
    assert wait(lambda: runner.invoke(args=["documents", "download", str(document_id), str(out)]).exit_code == 0)
    sealed = out.read_bytes()

    def check(who):
        form = who.get("/verify")
        return who.post("/verify", data={"csrf_token": csrf(form.text), "pdf": (BytesIO(sealed), "r.pdf")}).text

    public = check(app.test_client())
    assert "This is a sealed record" in public and "Sam Patel" not in public
    runner.invoke(args=["users", "create", "lead@oakfield.example.org", "--name", "Lee Lead", "--role", "lead",
                        "--trust", "heart-of-mercia", "--school", "Oakfield Primary School"])
    sign_in(client, mailbox, "lead@oakfield.example.org")
    staff = check(client)
    assert "Sam Patel" in staff and "Alex Morgan" in staff and "CS-000001" in staff


def test_a_revision_that_changes_nothing_asks_for_a_note_and_sends_nothing(app, client, runner, mailbox, lead):
    """Sending everyone the same document again, with new links, needs a reason; with one it is sent."""
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Patel <sam@example.org>", "--set", "school=Oakfield Primary School"])
    document_id = int(created.output.split()[-1])
    form = client.get(f"/staff/documents/{document_id}/revise")
    fields = dict(re.findall(r'name="(term-[a-z_]+)"[^>]*>([^<]*)</textarea>', form.text))
    data = {"csrf_token": csrf(form.text), "note": "", "school": "Oakfield Primary School", **fields}
    sent_before = len(mailbox.messages)
    refused = client.post(f"/staff/documents/{document_id}/revise", data=data)
    assert refused.status_code == 400
    assert "nothing differs from version 1" in refused.text and "Error:" in refused.text
    assert len(mailbox.messages) == sent_before
    assert _current_version(app, document_id) == 1
    again = client.post(f"/staff/documents/{document_id}/revise", data={**data, "note": "The first email went to spam"})
    assert again.status_code == 303
    assert _current_version(app, document_id) == 2
    assert "Why it was revised: The first email went to spam" in \
        mailbox.to("sam@example.org", "Please read")[-1].get_body().get_content()


def _current_version(app, document_id: int) -> int:
    from app.documents.models import Document
    from app.extensions import db

    with app.app_context():
        found = db.session.get(Document, document_id)
        assert found is not None
        number = found.current_version
        db.session.rollback()
        return number

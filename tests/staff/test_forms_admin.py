"""Trust admins manage the trust's Word forms from the browser: check, preview, install, restore, download.

Installed forms live in the trust's form store (stored files and trust_form rows), never in the code tree.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.audit.models import AuditEvent
from app.documents.models import Document
from app.extensions import db
from app.storage import StoredFile
from app.trusts.models import TrustForm

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from ..flows.test_templates_cli import SOUND_CONTRACT, form
from . import test_access
from .test_access import PEOPLE, sign_in

world = test_access.world

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process for these checks")

ROOT = Path(__file__).resolve().parents[2]
OWN_WORDS = "Heart of Mercia's own agreement, version"


def own_contract(tmp_path: Path, marker: str) -> bytes:
    """Return a sound contract form of our own, told apart from others by its marker."""
    return form(tmp_path, f"{OWN_WORDS} {marker}", *SOUND_CONTRACT, name=f"{marker}.docx").read_bytes()


def code_tree_status() -> str:
    """Return `git status --porcelain` of the code tree's bundled forms and profiles."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the code tree is not a git checkout here")
    found = subprocess.run(["git", "status", "--porcelain", "--", "document_templates"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    return found.stdout


def upload(client: Any, kind: str, data: bytes, filename: str = "ours.docx") -> Any:
    page = client.get(f"/staff/forms/{kind}")
    assert page.status_code == 200, page.status_code
    # Encoded here, in memory: the test client spools a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"csrf_token": csrf(page.text), "form": FileStorage(io.BytesIO(data), filename)})
    return client.post(f"/staff/forms/{kind}/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def install(client: Any, kind: str, checked: Any) -> Any:
    match = re.search(rf'action="(/staff/forms/{kind}/uploads/\d+/install)"', checked.text)
    assert match, "the page offers no install"
    return client.post(match.group(1), data={"csrf_token": csrf(checked.text)})


def counts(app: Any) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(TrustForm)),
                db.session.scalar(select(func.count()).select_from(StoredFile)))


def rendered_text(app: Any, document_id: int) -> tuple[str, int | None, str | None]:
    """Return the Word XML a document's current version was filled in as, and the form it records."""
    with app.app_context():
        version = db.session.get(Document, document_id).version
        with zipfile.ZipFile(io.BytesIO(version.docx_file.read())) as docx:
            xml = docx.read("word/document.xml").decode()
        return xml, (version.form.number if version.form else None), version.form_sha256


def make_contract(runner: Any, app: Any) -> int:
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor",
                                  "Alex Morgan <alex@example.org>", "--supervisee", "Ria Shah <ria@example.org>",
                                  "--set", "school=Oakfield Primary School"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        return db.session.scalar(select(func.max(Document.id)))


def test_a_broken_form_shows_each_finding_with_where_and_stores_nothing(app, client, mailbox, world, tmp_path):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    before = counts(app)
    broken = form(tmp_path, "Hello {{ supervisor.name }", *SOUND_CONTRACT[1:]).read_bytes()
    checked = upload(client, "contract", broken, "broken.docx")
    assert checked.status_code == 400
    assert "<title>Error: broken.docx has problems" in checked.text, checked.text[:3000]
    assert "paragraph 1" in checked.text and "template syntax error" in checked.text
    assert "Nothing was changed or kept" in checked.text and "/install" not in checked.text
    assert counts(app) == before


@pytest.mark.parametrize("case", ["empty", "not a docx", "a zip that is no Word document", "too large", "zip bomb"])
def test_a_bad_upload_is_refused_in_words_and_changes_nothing(app, client, mailbox, world, tmp_path, case):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    app.config["FORM_MAX_MB"] = 1
    filename, data, expected = "form.docx", b"", "the file is empty"
    if case == "not a docx":
        filename, data, expected = "form.pdf", b"%PDF-1.7 not a form", "saved as .docx"
    elif case == "a zip that is no Word document":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            package.writestr("notes.txt", "hello")
        data, expected = buffer.getvalue(), "not a Word (.docx) document"
    elif case == "too large":
        data, expected = own_contract(tmp_path, "big") + b"\0" * (1024 * 1024), "larger than 1 MB"
    elif case == "zip bomb":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            with zipfile.ZipFile(io.BytesIO(own_contract(tmp_path, "bomb"))) as sound:
                for name in sound.namelist():
                    package.writestr(name, sound.read(name))
            package.writestr("word/media/padding.bin", b"\0" * (80 * 1024 * 1024))
        data, expected = buffer.getvalue(), "unpacks to more than"
    before = counts(app)
    checked = upload(client, "contract", data, filename)
    assert checked.status_code == 400 and expected in checked.text, checked.text[-3000:]
    assert counts(app) == before


def test_a_sound_form_is_previewed_installed_used_and_restored(app, client, runner, mailbox, world, tmp_path):
    status = code_tree_status()
    sign_in(client, mailbox, PEOPLE["admin"][0])
    first = upload(client, "contract", own_contract(tmp_path, "one"), "agreement-one.docx")
    assert first.status_code == 200, first.text[-3000:]
    assert "<title>Check agreement-one.docx before you install it" in first.text
    images = re.findall(r'src="(/staff/preview/[0-9a-f]{64}/\d+\.png)"', first.text)
    assert images, "no page images of the preview"
    page = client.get(images[0])
    assert page.status_code == 200 and page.data.startswith(b"\x89PNG")
    with app.app_context():  # held for its uploader, not yet a version
        held = db.session.scalars(select(TrustForm)).one()
        assert held.number is None and held.installed_at is None
    done = install(client, "contract", first)
    assert done.status_code == 303
    kind_page = client.get("/staff/forms/contract")
    assert "Version 1 of the Safeguarding Supervision Contract form is installed" in kind_page.text
    assert "agreement-one.docx" in kind_page.text

    xml, number, _ = rendered_text(app, make_contract(runner, app))
    assert f"{OWN_WORDS} one" in xml and number == 1

    second = upload(client, "contract", own_contract(tmp_path, "two"), "agreement-two.docx")
    assert install(client, "contract", second).status_code == 303
    xml, number, _ = rendered_text(app, make_contract(runner, app))
    assert f"{OWN_WORDS} two" in xml and number == 2

    token = csrf(client.get("/staff/forms/contract").text)
    restored = client.post("/staff/forms/contract/versions/1/restore", data={"csrf_token": token})
    assert restored.status_code == 303
    assert "Version 1 of the Safeguarding Supervision Contract form is in use again" in client.get("/staff/forms/contract").text
    xml, number, _ = rendered_text(app, make_contract(runner, app))
    assert f"{OWN_WORDS} one" in xml and number == 1

    back = client.post("/staff/forms/contract/use-bundled", data={"csrf_token": token})
    assert back.status_code == 303
    xml, number, digest = rendered_text(app, make_contract(runner, app))
    bundled = (ROOT / "document_templates" / "forms" / "heart-of-mercia" / "contract.docx").read_bytes()
    assert OWN_WORDS not in xml and number is None
    assert digest == hashlib.sha256(bundled).hexdigest()

    with app.app_context():
        types = [e.type for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert types.count("form_uploaded") == 2 and types.count("form_installed") == 2
    assert types.count("form_restored") == 2
    assert code_tree_status() == status  # nothing under document_templates changed


def test_versions_and_bundled_forms_download(app, client, runner, mailbox, world, tmp_path):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    mine = own_contract(tmp_path, "one")
    assert install(client, "contract", upload(client, "contract", mine)).status_code == 303
    got = client.get("/staff/forms/contract/versions/1.docx")
    assert got.status_code == 200 and got.data == mine
    assert "attachment" in got.headers["Content-Disposition"]
    assert client.get("/staff/forms/contract/versions/2.docx").status_code == 404
    page = client.get("/staff/forms/contract").text
    assert "/staff/forms/contract/bundled/generic.docx" in page
    generic = client.get("/staff/forms/contract/bundled/generic.docx")
    assert generic.data == (ROOT / "document_templates" / "forms" / "generic" / "contract.docx").read_bytes()
    assert client.get("/staff/forms/contract/bundled/heart-of-mercia.docx").status_code == 200
    for unknown in ("../generic", "nobody", "inspire"):  # inspire bundles no contract
        assert client.get(f"/staff/forms/contract/bundled/{unknown}.docx").status_code == 404, unknown
    assert client.get("/staff/forms/memo").status_code == 404


def test_an_upload_is_installed_only_by_whoever_checked_it(app, client, runner, mailbox, world, tmp_path):
    result = runner.invoke(args=["users", "create", "second@hom.example.org", "--name", "Second Admin", "--role",
                                 "admin", "--trust", "heart-of-mercia"])
    assert result.exit_code == 0, result.output
    sign_in(client, mailbox, PEOPLE["admin"][0])
    checked = upload(client, "contract", own_contract(tmp_path, "one"))
    action = re.search(r'action="(/staff/forms/contract/uploads/\d+/install)"', checked.text).group(1)
    for other in ("second@hom.example.org", PEOPLE["other_trust"][0]):
        visitor = app.test_client()
        sign_in(visitor, mailbox, other)
        token = csrf(visitor.get("/staff/").text)
        assert visitor.post(action, data={"csrf_token": token}).status_code == 404, other
        assert visitor.post(action.replace("/contract/", "/record/"), data={"csrf_token": token}).status_code == 404
    assert counts(app)[0] == 1
    with app.app_context():
        assert db.session.scalars(select(TrustForm)).one().number is None


def test_the_settings_page_says_which_kinds_use_the_generic_form(app, client, mailbox, world, tmp_path):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    page = client.get("/staff/settings").text
    assert 'href="/staff/forms"' in page
    assert "Uses the generic form" in page  # Heart of Mercia bundles no group contract
    assert "Uses the bundled form forms/heart-of-mercia/contract.docx" in page
    assert install(client, "contract", upload(client, "contract", own_contract(tmp_path, "one"),
                                              "ours.docx")).status_code == 303
    assert "Version 1: ours.docx" in client.get("/staff/settings").text


def test_profile_and_forms_install_in_either_order(app, runner, trusts, tmp_path):
    profile = (ROOT / "document_templates" / "trusts" / "heart-of-mercia.toml").read_text()
    later = tmp_path / "later.toml"
    later.write_text(profile.replace("forms/heart-of-mercia/record.docx", "forms/heart-of-mercia/not-yet.docx"))
    result = runner.invoke(args=["trusts", "install", str(later)])
    assert result.exit_code == 0, result.output
    assert "record: no file at forms/heart-of-mercia/not-yet.docx yet; uses forms/generic/record.docx" in result.output
    installed = runner.invoke(args=["templates", "install", str(form(tmp_path, *SOUND_CONTRACT)),
                                    "--trust", "heart-of-mercia", "--kind", "contract"])
    assert installed.exit_code == 0, installed.output
    without = tmp_path / "without.toml"
    without.write_text(re.sub(r"(?ms)^\[templates\].*?(?=^\[)", "", profile))
    assert "\n[templates]" not in without.read_text()
    assert runner.invoke(args=["trusts", "install", str(without)]).exit_code == 0
    shown = runner.invoke(args=["kinds", "show", "contract", "--trust", "heart-of-mercia"])
    assert "form: form.docx (version 1)" in shown.output, shown.output  # the installed form stayed
    shown = runner.invoke(args=["kinds", "show", "record", "--trust", "heart-of-mercia"])
    assert "form: forms/generic/record.docx" in shown.output


def test_the_form_pages_follow_the_frontend_rules(app, client, mailbox, world, tmp_path):
    from ..frontend.support import check_page

    sign_in(client, mailbox, PEOPLE["admin"][0])
    broken = upload(client, "contract", form(tmp_path, "Hello {{ supervisor.name }", *SOUND_CONTRACT[1:]).read_bytes())
    check_page(broken.text)
    sound = upload(client, "contract", own_contract(tmp_path, "one"))
    check_page(sound.text)
    install(client, "contract", sound)
    install(client, "contract", upload(client, "contract", own_contract(tmp_path, "two")))
    for path in ("/staff/forms", "/staff/forms/contract", "/staff/forms/record", "/staff/configuration/import"):
        page = client.get(path)
        assert page.status_code == 200, path
        check_page(page.text)
    assert "<title>Forms – Countersign</title>" in client.get("/staff/forms").text


def test_the_document_page_says_which_form_each_version_was_made_from(app, client, runner, mailbox, world, tmp_path):
    sign_in(client, mailbox, PEOPLE["admin"][0])
    assert install(client, "contract", upload(client, "contract", own_contract(tmp_path, "one"))).status_code == 303
    ours = make_contract(runner, app)
    with app.app_context():
        uploaded = db.session.scalars(select(TrustForm)).one().uploaded_at.strftime("%d %B %Y")
    page = client.get(f"/staff/documents/{ours}").text
    assert f"Version 1 of the Safeguarding Supervision Contract form, uploaded {uploaded}" in page
    # The world's contract was made before the trust installed a form of its own.
    page = client.get(f"/staff/documents/{world['document']}").text
    assert "The bundled form forms/heart-of-mercia/contract.docx" in page
    assert "Version 1 of the" not in page
    with app.app_context():  # as if the bundled form had been changed since it was filled in
        db.session.get(Document, world["document"]).version.form_sha256 = "ab" * 32
        db.session.commit()
    assert "A bundled form no longer shipped (SHA-256 abababababab…)" in client.get(f"/staff/documents/{world['document']}").text

"""A trust whose forms an earlier Countersign wrote into the code checkout moves them into its form store, unchanged."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.documents.models import Document
from app.extensions import db
from app.trusts.form_store import in_use
from app.trusts.models import Trust, TrustForm

from ..flows.conftest_helpers import BROKER
from ..flows.test_templates_cli import SOUND_CONTRACT, form
from ..staff import test_access
from ..staff.test_access import PEOPLE, sign_in

ROOT = Path(__file__).resolve().parents[2]
world = test_access.world

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process for these checks")

IN_CHECKOUT = "This form is kept in the code checkout"


@pytest.fixture
def checkout(app: Any, tmp_path: Path) -> Path:
    """A copy of the bundled profiles and forms the app reads as its templates folder, as a deployment's checkout."""
    templates = tmp_path / "document_templates"
    for part in ("trusts", "forms"):
        shutil.copytree(ROOT / "document_templates" / part, templates / part)
    app.config["TEMPLATES_DIR"] = str(templates)
    return templates


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def old_style_trust(runner: Any, checkout: Path, tmp_path: Path, **forms: bytes) -> None:
    """Install trust "oakwood" the way earlier versions' `templates install` left it: its forms in forms/oakwood/."""
    (checkout / "forms" / "oakwood").mkdir()
    for kind_name, data in forms.items():
        (checkout / "forms" / "oakwood" / f"{kind_name.replace('_', '-')}.docx").write_bytes(data)
    named = "".join(f'{k.replace("_", "-")} = "forms/oakwood/{k.replace("_", "-")}.docx"\n' for k in forms)
    profile = (checkout / "trusts" / "inspire.toml").read_text(encoding="utf-8")
    profile = profile.replace('slug = "inspire"', 'slug = "oakwood"').replace(
        'name = "Inspire Education Trust"', 'name = "Oakwood Learning Trust"').replace(
        '[templates]\nagenda = "forms/inspire/agenda.docx"\n', f"[templates]\n{named}")
    path = tmp_path / "oakwood.toml"
    path.write_text(profile, encoding="utf-8")
    result = runner.invoke(args=["trusts", "install", str(path)])
    assert result.exit_code == 0, result.output


def sound_contract(tmp_path: Path, first: str = "Our own agreement") -> bytes:
    return form(tmp_path, first, *SOUND_CONTRACT, name="own.docx").read_bytes()


def forms_of(app: Any, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TrustForm).where(TrustForm.trust.has(slug=slug)))


def test_adopt_installs_the_checkout_file_as_version_1_and_the_next_document_uses_it(
        app, runner, trusts, mailbox, checkout, tmp_path):
    ours = sound_contract(tmp_path)
    sha = hashlib.sha256(ours).hexdigest()
    old_style_trust(runner, checkout, tmp_path, contract=ours)
    before = tree(checkout)

    result = runner.invoke(args=["templates", "adopt", "--trust", "oakwood"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (f"contract: adopted forms/oakwood/contract.docx as version 1 (SHA-256 {sha}); "
            "the file can now be removed from the checkout") in lines
    assert "record: uses the generic form" in lines and "agenda: uses the generic form" in lines
    assert tree(checkout) == before  # nothing deleted, nothing written
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "oakwood"))
        adopted = in_use(trust, "contract")
        assert adopted is not None and adopted.number == 1 and adopted.file.read() == ours
        assert adopted.uploaded_by == "command line" and adopted.filename == "contract.docx"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "form_installed")).one()
        assert event.details == {"trust": "oakwood", "kind": "contract", "version": 1, "filename": "contract.docx",
                                 "sha256": sha}
        assert event.actor == "command line"

    (checkout / "forms" / "oakwood" / "contract.docx").unlink()  # the file may go: the store has the form
    created = runner.invoke(args=["contract", "create", "--trust", "oakwood", "--supervisor", "A B <a@example.org>",
                                  "--supervisee", "C D <c@example.org>"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        version = db.session.scalars(select(Document)).one().version
        assert version.form is not None and version.form.number == 1 and version.form.trust.slug == "oakwood"
        assert version.form_sha256 == sha

    again = runner.invoke(args=["templates", "adopt", "--trust", "oakwood"])
    assert again.exit_code == 0, again.output
    assert "contract: already in the store (version 1 is in use)" in again.output.splitlines()
    assert "adopted" not in again.output and forms_of(app, "oakwood") == 1


def test_a_form_that_fails_the_check_is_not_adopted_and_the_others_are(app, runner, trusts, checkout, tmp_path):
    broken = form(tmp_path, "Hello {{ supervisor.name }", *SOUND_CONTRACT[1:], name="broken.docx").read_bytes()
    old_style_trust(runner, checkout, tmp_path, contract=sound_contract(tmp_path), case_proforma=broken)
    before = tree(checkout)

    result = runner.invoke(args=["templates", "adopt", "--trust", "oakwood"])
    assert result.exit_code == 1, result.output
    assert "case-proforma: not adopted: forms/oakwood/case-proforma.docx does not pass the check:" in result.output
    assert "  paragraph 1 ('Hello {{ supervisor.name }'): the tag" in result.output  # each finding, by where it is
    assert "contract: adopted forms/oakwood/contract.docx as version 1" in result.output
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "oakwood"))
        assert in_use(trust, "case-proforma") is None
        assert db.session.scalar(select(func.count()).select_from(TrustForm).where(
            TrustForm.kind == "case-proforma")) == 0
    assert forms_of(app, "oakwood") == 1 and tree(checkout) == before

    only = runner.invoke(args=["templates", "adopt", "--trust", "oakwood", "--kind", "case-proforma"])
    assert only.exit_code == 1 and "contract" not in only.output and forms_of(app, "oakwood") == 1
    unknown = runner.invoke(args=["templates", "adopt", "--trust", "oakwood", "--kind", "memo"])
    assert unknown.exit_code != 0 and "unknown document kind" in unknown.output


def test_forms_countersign_ships_stay_and_a_shipped_file_changed_in_place_is_adopted(app, runner, trusts, checkout, tmp_path):
    ours = sound_contract(tmp_path, "Our contract, typed over the shipped one")
    (checkout / "forms" / "heart-of-mercia" / "contract.docx").write_bytes(ours)

    result = runner.invoke(args=["templates", "adopt", "--trust", "heart-of-mercia"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (f"contract: adopted forms/heart-of-mercia/contract.docx as version 1 (SHA-256 {hashlib.sha256(ours).hexdigest()}); "
            "the checkout's file can now go back to the one Countersign ships") in lines
    assert ("record: uses forms/heart-of-mercia/record.docx as Countersign ships it: upgrades keep it, nothing to adopt"
            in lines)
    assert "case-proforma: uses the generic form" in lines
    assert forms_of(app, "heart-of-mercia") == 1


def test_the_forms_pages_say_which_form_is_kept_in_the_checkout_until_it_is_adopted(
        app, client, runner, mailbox, world, checkout, tmp_path):
    (checkout / "forms" / "heart-of-mercia" / "contract.docx").write_bytes(sound_contract(tmp_path))
    sign_in(client, mailbox, PEOPLE["admin"][0])

    page = client.get("/staff/forms")
    assert page.status_code == 200 and page.text.count(IN_CHECKOUT) == 1
    assert "flask templates adopt --trust heart-of-mercia" in page.text
    assert IN_CHECKOUT in client.get("/staff/forms/contract").text
    assert IN_CHECKOUT not in client.get("/staff/forms/record").text  # the form Countersign ships, unchanged
    assert IN_CHECKOUT not in client.get("/staff/forms/case-proforma").text  # the generic form

    assert runner.invoke(args=["templates", "adopt", "--trust", "heart-of-mercia"]).exit_code == 0
    page = client.get("/staff/forms")
    assert IN_CHECKOUT not in page.text and "Version 1: contract.docx" in page.text

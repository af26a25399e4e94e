"""A trust's whole configuration (profile and forms in use) leaves as one file and comes back whole, or not at all."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.documents.models import Document
from app.extensions import db
from app.trusts.form_store import in_use
from app.trusts.models import Trust, TrustForm

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf
from ..flows.test_templates_cli import SOUND_CONTRACT, form
from ..staff import test_access
from ..staff.test_access import PEOPLE, sign_in

world = test_access.world

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are made in-process for these checks")


def installed_export(runner: Any, tmp_path: Path) -> tuple[Path, bytes]:
    """Install our own contract form for Heart of Mercia and export the trust; return the file and the form."""
    path = form(tmp_path, "Our exported agreement", *SOUND_CONTRACT, name="exported.docx")
    result = runner.invoke(args=["templates", "install", str(path), "--trust", "heart-of-mercia", "--kind", "contract"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "hom.zip"
    result = runner.invoke(args=["trusts", "export", "heart-of-mercia", str(target)])
    assert result.exit_code == 0, result.output
    return target, path.read_bytes()


def rewritten(source: Path, target: Path, **replace: bytes) -> Path:
    """Copy an export, replacing some of its files' bytes (and leaving the manifest's hashes as they were)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, replace.get(name.replace("/", "__").replace(".", "_"), old.read(name)))
    return target


def test_an_export_imports_into_a_fresh_trust_and_fills_its_documents_in(app, runner, trusts, mailbox, tmp_path):
    exported, ours = installed_export(runner, tmp_path)
    with zipfile.ZipFile(exported) as package:
        manifest = json.loads(package.read("manifest.json"))
        assert manifest["profile"]["sha256"] == hashlib.sha256(package.read("profile.toml")).hexdigest()
        assert [(f["kind"], f["version"], f["filename"]) for f in manifest["forms"]] == [("contract", 1, "exported.docx")]
        assert package.read("forms/contract.docx") == ours
    result = runner.invoke(args=["trusts", "import", str(exported), "--as", "mercia-copy"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        original = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        copy = db.session.scalar(select(Trust).where(Trust.slug == "mercia-copy"))
        assert {**copy.profile, "slug": "heart-of-mercia"} == original.profile and copy.name == original.name
        assert in_use(copy, "contract").file.read() == ours and in_use(copy, "contract").number == 1
        assert in_use(copy, "record") is None  # a bundled form stays the profile's bundled form
    created = runner.invoke(args=["contract", "create", "--trust", "mercia-copy", "--supervisor", "A B <a@example.org>",
                                  "--supervisee", "C D <c@example.org>"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        version = db.session.scalars(select(Document).where(Document.trust.has(slug="mercia-copy"))).one().version
        with zipfile.ZipFile(io.BytesIO(version.docx_file.read())) as docx:
            assert "Our exported agreement" in docx.read("word/document.xml").decode()
        assert version.form.trust.slug == "mercia-copy"
    again = runner.invoke(args=["trusts", "import", str(exported), "--as", "mercia-copy"])
    assert again.exit_code == 0, again.output
    with app.app_context():  # the same form again is no new version
        assert db.session.scalar(select(func.count()).select_from(TrustForm).where(
            TrustForm.trust.has(slug="mercia-copy"))) == 1


@pytest.mark.parametrize("damage, expected", [
    ("broken form", "template syntax error"),
    ("changed form", "does not match its SHA-256"),
    ("bad profile", "profile.toml: defaults.link_expiry_days"),
    ("not an export", "not a zip file"),
])
def test_an_import_with_any_fault_changes_nothing(app, runner, trusts, tmp_path, damage, expected):
    exported, _ours = installed_export(runner, tmp_path)
    target = tmp_path / "damaged.zip"
    if damage == "broken form":
        broken = form(tmp_path, "Hello {{ supervisor.name }", *SOUND_CONTRACT[1:]).read_bytes()
        with zipfile.ZipFile(exported) as old:
            manifest = json.loads(old.read("manifest.json"))
        manifest["forms"][0]["sha256"] = hashlib.sha256(broken).hexdigest()
        rewritten(exported, target, forms__contract_docx=broken, manifest_json=json.dumps(manifest).encode())
    elif damage == "changed form":
        rewritten(exported, target, forms__contract_docx=form(tmp_path, *SOUND_CONTRACT).read_bytes())
    elif damage == "bad profile":
        with zipfile.ZipFile(exported) as old:
            profile = re.sub(r"link_expiry_days = \d+", "link_expiry_days = 0", old.read("profile.toml").decode())
            manifest = json.loads(old.read("manifest.json"))
        manifest["profile"]["sha256"] = hashlib.sha256(profile.encode()).hexdigest()
        rewritten(exported, target, profile_toml=profile.encode(), manifest_json=json.dumps(manifest).encode())
    else:
        target.write_bytes(b"slug = 'not a zip'")
    for slug in ("heart-of-mercia", "mercia-copy"):
        with app.app_context():
            before = (db.session.scalar(select(Trust.profile).where(Trust.slug == slug)),
                      db.session.scalar(select(func.count()).select_from(TrustForm)))
        result = runner.invoke(args=["trusts", "import", str(target), "--as", slug])
        assert result.exit_code != 0 and "nothing was imported" in result.output and expected in result.output, result.output
        with app.app_context():
            assert (db.session.scalar(select(Trust.profile).where(Trust.slug == slug)),
                    db.session.scalar(select(func.count()).select_from(TrustForm))) == before


def post_file(client: Any, path: str, field: str, data: bytes, filename: str) -> Any:
    page = client.get(path)
    boundary, body = encode_multipart({"csrf_token": csrf(page.text), field: FileStorage(io.BytesIO(data), filename)})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_an_admin_exports_and_imports_from_the_forms_page(app, client, runner, mailbox, world, tmp_path):
    exported, ours = installed_export(runner, tmp_path)
    sign_in(client, mailbox, PEOPLE["admin"][0])
    page = client.get("/staff/forms")
    assert 'href="/staff/configuration/export"' in page.text
    download = client.get("/staff/configuration/export")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as package:
        assert package.read("forms/contract.docx") == ours
    refused = post_file(client, "/staff/configuration/import", "configuration", b"not a zip", "x.zip")
    assert refused.status_code == 400 and "nothing was changed" in refused.text and "not a zip file" in refused.text
    # Another trust's export comes in as this trust's: its profile, under this trust's own slug.
    river = tmp_path / "rt.zip"
    assert runner.invoke(args=["trusts", "export", "river-tees", str(river)]).exit_code == 0
    done = post_file(client, "/staff/configuration/import", "configuration", river.read_bytes(), "rt.zip")
    assert done.status_code == 303
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        assert trust.name == "River Tees Multi-Academy Trust" and trust.profile["slug"] == "heart-of-mercia"
        assert in_use(trust, "contract").file.read() == ours  # River Tees has no form of its own to install
    done = post_file(client, "/staff/configuration/import", "configuration", exported.read_bytes(), "hom.zip")
    assert done.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Trust.name).where(Trust.slug == "heart-of-mercia")) == "The Heart of Mercia Academy Trust"

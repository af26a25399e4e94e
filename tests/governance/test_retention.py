"""Retention by each anchor, legal holds through review and approval, destruction of every file, the log."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.documents.models import Answer, Document
from app.extensions import db
from app.governance.models import BatchItem
from app.governance.retention import retention_of
from app.mail.models import OutboundEmail
from app.trusts.models import Trust

from ..flows.conftest_helpers import BROKER
from .helpers import TRUST, sealed_contract, users

pytestmark = pytest.mark.skipif(bool(BROKER), reason="the records are made in-process for these checks")
SAM = ("Sam Patel", "sam@example.org")
ADMINS = [("admin@hom.example.org", "Morgan Admin", "admin", None), ("second@hom.example.org", "Sasha Second", "admin", None)]


def _rule(app, kind: str, **rule) -> None:
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == TRUST))
        profile = dict(trust.profile)
        profile["retention"] = {**profile.get("retention", {}), kind: rule}
        trust.profile = profile
        db.session.commit()


def _due(app, document_id: int):
    with app.app_context():
        document = db.session.get(Document, document_id)
        found = retention_of(document.trust, [document])[0]
        sealed = max(v.sealed_at for v in document.versions if v.sealed_at).date()
        return found.anchor_date, found.due_on, sealed


def test_retention_counts_from_each_anchor(app, runner, mailbox, trusts, wait):
    users(runner, (SAM[1], SAM[0], "staff", "Oakfield Primary School"))
    document_id = sealed_contract(app, runner, mailbox, wait, SAM)

    _rule(app, "contract", after="sealed", years=2, months=3)
    anchor, due, sealed = _due(app, document_id)
    assert anchor == sealed and due.year == sealed.year + 2 + (sealed.month + 3 > 12)

    _rule(app, "contract", after="employment_end", years=6)
    assert _due(app, document_id)[:2] == (None, None)  # Sam has not left
    _rule(app, "contract", after="arrangement_end", years=6)
    assert _due(app, document_id)[:2] == (None, None)  # the contract is in force and Sam is still here

    assert runner.invoke(args=["users", "leave", SAM[1], "--on", "2030-08-31"]).exit_code == 0
    assert _due(app, document_id)[:2] == (date(2030, 8, 31), date(2036, 8, 31))
    _rule(app, "contract", after="employment_end", years=6, months=6)
    assert _due(app, document_id)[:2] == (date(2030, 8, 31), date(2037, 2, 28))

    review = runner.invoke(args=["retention", "review", "--trust", TRUST, "--as-of", "2037-02-27"])
    assert "nothing has passed retention" in review.output
    review = runner.invoke(args=["retention", "review", "--trust", TRUST, "--as-of", "2037-02-28"])
    assert review.exit_code == 0 and "CS-%06d" % document_id in review.output and "1 records awaiting" in review.output


def _stored_paths(app, document_id: int) -> tuple[list[str], list[Path]]:
    with app.app_context():
        document = db.session.get(Document, document_id)
        files = [f for v in document.versions for f in (v.docx_file, v.pdf_file, v.text_file, v.final_docx_file, v.sealed_file) if f]
        emails = db.session.scalars(select(OutboundEmail).where(OutboundEmail.document_id == document_id,
                                                                OutboundEmail.attachment_file_id.is_not(None)))
        root = Path(app.config["OUTPUT_DIR"])
        hashes = sorted({f.sha256 for f in files} | {e.attachment_file_id and str(e.attachment_file_id) for e in emails} - {None})
        return hashes, [root / "files" / f.path for f in files]


def test_approving_a_batch_destroys_every_file_and_personal_detail_and_keeps_the_chain(app, runner, client, mailbox, trusts, wait):
    users(runner, (SAM[1], SAM[0], "staff", "Oakfield Primary School"), *ADMINS)
    document_id = sealed_contract(app, runner, mailbox, wait, SAM)
    hashes, paths = _stored_paths(app, document_id)
    hashes = [h for h in hashes if len(h) == 64]
    assert paths and all(p.exists() for p in paths)
    # The staff page shows the sealed PDF as page images: a cache that must go too.
    from ..staff.test_access import sign_in  # noqa: PLC0415  (sign-in helper shared with the access tests)
    sign_in(client, mailbox, ADMINS[0][0])
    assert client.get(f"/staff/documents/{document_id}").status_code == 200
    with app.app_context():
        sealed = db.session.get(Document, document_id).version.sealed_file
        from app.documents.pages import page_count  # noqa: PLC0415  (renders the cached page count)
        page_count(sealed)
    cache = Path(app.config["OUTPUT_DIR"]) / "cache" / "pages" / sealed.sha256
    assert cache.exists()

    assert runner.invoke(args=["users", "leave", SAM[1], "--on", "2020-01-31"]).exit_code == 0
    _rule(app, "contract", after="sealed", years=1)
    review = runner.invoke(args=["retention", "review", "--trust", TRUST, "--as-of", "2100-01-01", "--by", ADMINS[0][0]])
    batch_id = int(review.output.split("batch ")[-1].split()[0])
    same = runner.invoke(args=["retention", "approve", str(batch_id), "--by", ADMINS[0][0], "--yes"])
    assert same.exit_code != 0 and "needs a second admin" in same.output
    assert _stored_paths(app, document_id)[1] == paths  # nothing was touched

    approved = runner.invoke(args=["retention", "approve", str(batch_id), "--by", ADMINS[1][0], "--yes"])
    assert approved.exit_code == 0, approved.output

    assert not any(p.exists() for p in paths) and not cache.exists()
    leftover = [p for p in (Path(app.config["OUTPUT_DIR"]) / "files").rglob("*") if any(h in p.name for h in hashes)]
    assert leftover == []
    with app.app_context():
        document = db.session.get(Document, document_id)
        assert document.state == "destroyed" and document.reference == "CS-%06d" % document_id
        assert all(p.name == "[destroyed]" and p.email == "" for p in document.parties)
        assert all(v.fields == {} for v in document.versions)
        answers = db.session.scalars(select(Answer).where(Answer.party_id.in_([p.id for p in document.parties])))
        assert all(a.typed_name is None and a.ip is None and a.user_agent is None for a in answers)
        emails = list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.document_id == document_id)))
        assert emails and all(e.to_email == "" and e.context == {} and e.attachment_file_id is None for e in emails)
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id)))
        before = [e for e in events if e.type != "record_destroyed"]
        assert before and all(SAM[1] not in json.dumps(e.details) + e.actor and SAM[0] not in e.actor for e in before)
        item = db.session.scalar(select(BatchItem).where(BatchItem.document_id == document_id))
        assert sorted({h["sha256"] for h in item.hashes}) == sorted(set(hashes))

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output

    log = runner.invoke(args=["retention", "log", "--trust", TRUST])
    assert f"DB-{batch_id:05d}" in log.output and "Sasha Second" in log.output
    assert all(h in log.output for h in hashes)

    download = runner.invoke(args=["documents", "download", str(document_id), "/tmp/never.pdf"])
    assert download.exit_code != 0 and "was destroyed on" in download.output and f"DB-{batch_id:05d}" in download.output
    page = client.post(f"/staff/documents/{document_id}/versions/1/download",
                       data={"csrf_token": _csrf(client)})
    assert page.status_code == 410 and "This record was destroyed" in page.text and f"DB-{batch_id:05d}" in page.text


def _csrf(client) -> str:
    from ..flows.test_contract_spine import csrf  # noqa: PLC0415  (the page's form token)
    return csrf(client.get("/staff/records/").text)


def test_a_hold_keeps_a_record_out_of_review_and_out_of_an_approved_batch(app, runner, mailbox, trusts, wait):
    users(runner, (SAM[1], SAM[0], "staff", "Oakfield Primary School"), *ADMINS)
    document_id = sealed_contract(app, runner, mailbox, wait, SAM)
    _rule(app, "contract", after="sealed", years=1)

    placed = runner.invoke(args=["holds", "place", "--trust", TRUST, "--person", SAM[1], "--reason", "Employment tribunal claim"])
    assert placed.exit_code == 0, placed.output
    review = runner.invoke(args=["retention", "review", "--trust", TRUST, "--as-of", "2100-01-01"])
    assert "nothing has passed retention" in review.output
    hold_id = int(placed.output.split()[1])
    assert runner.invoke(args=["holds", "release", str(hold_id), "--reason", "Claim settled"]).exit_code == 0
    assert "standing" not in runner.invoke(args=["holds", "list"]).output

    review = runner.invoke(args=["retention", "review", "--trust", TRUST, "--as-of", "2100-01-01"])
    batch_id = int(review.output.split("batch ")[-1].split()[0])
    again = runner.invoke(args=["holds", "place", "--document", str(document_id), "--reason", "Subject access dispute"])
    assert again.exit_code == 0 and "standing" in runner.invoke(args=["holds", "list"]).output
    approved = runner.invoke(args=["retention", "approve", str(batch_id), "--by", ADMINS[1][0], "--yes"])
    assert approved.exit_code == 0 and "kept: legal hold" in approved.output and "0 records destroyed" in approved.output
    with app.app_context():
        document = db.session.get(Document, document_id)
        assert document.state == "sealed" and document.version.sealed_file.read()[:4] == b"%PDF"
    assert runner.invoke(args=["retention", "log"]).output.strip() == ""


def test_destroying_a_record_kept_in_the_database_leaves_none_of_its_chunks(app, runner, mailbox, trusts, wait,
                                                                           tmp_path):
    from app.storage import StoredChunk, StoredFile

    app.config["STORAGE_BACKEND"] = "database"
    # An output folder of its own: the same contract's text, stored on disk by an earlier test, has the same hash.
    app.config["OUTPUT_DIR"] = str(tmp_path / "output")
    users(runner, (SAM[1], SAM[0], "staff", "Oakfield Primary School"), *ADMINS)
    document_id = sealed_contract(app, runner, mailbox, wait, SAM)
    hashes = [h for h in _stored_paths(app, document_id)[0] if len(h) == 64]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredChunk).where(StoredChunk.sha256.in_(hashes)))
    assert not (Path(app.config["OUTPUT_DIR"]) / "files").exists() or not any(
        h in p.name for p in (Path(app.config["OUTPUT_DIR"]) / "files").rglob("*") for h in hashes)
    _rule(app, "contract", after="sealed", years=1)
    review = runner.invoke(args=["retention", "review", "--trust", TRUST, "--as-of", "2100-01-01", "--by", ADMINS[0][0]])
    batch_id = int(review.output.split("batch ")[-1].split()[0])
    approved = runner.invoke(args=["retention", "approve", str(batch_id), "--by", ADMINS[1][0], "--yes"])
    assert approved.exit_code == 0, approved.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredChunk).where(StoredChunk.sha256.in_(hashes))) == 0
        assert db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.sha256.in_(hashes))) == 0

"""Change a trust's forms: hold a checked upload, install it as a new version, restore an earlier one, adopt one
kept in the code checkout.

The web pages and `flask templates install|adopt` call these; every change is an audit event.
"""

from __future__ import annotations

import io
import re
import zipfile

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..kinds import KINDS
from ..rendering import Problem
from ..rendering.check import MAX_UNPACKED_BYTES
from ..rendering.isolated import MIB
from ..storage import DOCX, sha256_hex, store
from .form_store import NoForm, bundled_choice, form_in_use, in_use, version
from .forms import FormRefused, check_form, errors_only
from .models import Trust, TrustForm, TrustFormInUse

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FormNotFound(Exception):
    """No such kind, version or held upload of this trust (for this person)."""


class NothingToAdopt(Exception):
    """A kind's form is not a file in the code checkout to move into the trust's store; the message says why."""


def clean_filename(filename: str) -> str:
    """Return the name an uploaded file is listed under: its last part, printable, at most 200 characters."""
    name = _CONTROL.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return (name or "form.docx")[-200:]


def upload_problems(data: bytes, filename: str) -> list[Problem]:
    """Return why a file cannot be a Word form at all (empty, too large, not a .docx, a zip bomb); [] if it may be."""
    limit_mb = int(current_app.config["FORM_MAX_MB"])

    def refused(message: str) -> list[Problem]:
        return [Problem("unreadable", "the file", message)]

    if not data:
        return refused("the file is empty: choose the Word form (.docx) to upload")
    if len(data) > limit_mb * MIB:
        return refused(f"the file is larger than {limit_mb} MB; a Word form is far smaller")
    if not filename.lower().endswith(".docx"):
        return refused("choose a Word document saved as .docx (Word: File, Save As, Word Document)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return refused("this is not a Word (.docx) document: it cannot be opened as one")
    names = {m.filename for m in members}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        return refused("this is not a Word (.docx) document: it has no document body")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        return refused(f"the file unpacks to more than {MAX_UNPACKED_BYTES // MIB} MB, far more than a Word form")
    return []


def _known_kind(kind: str) -> None:
    if kind not in KINDS:
        raise FormNotFound(f"unknown document kind {kind!r} (known: {', '.join(KINDS)})")


def hold_upload(trust: Trust, kind: str, filename: str, data: bytes, *, user_id: int | None,
                actor: str) -> tuple[list[Problem], TrustForm | None]:
    """Check an uploaded form; if it has no errors keep it, awaiting install, for this person only.

    Returns the check's findings (warnings too) and the held upload, or None when nothing was kept.
    """
    _known_kind(kind)
    filename = clean_filename(filename)
    problems = upload_problems(data, filename)
    if problems:
        return problems, None
    findings = check_form(data, kind, trust.profile, warnings=True)
    if errors_only(findings):
        return findings, None
    with transaction():
        held = TrustForm(trust_id=trust.id, kind=kind, file=store(data, DOCX), filename=filename,
                         uploaded_by_id=user_id, uploaded_by=actor)
        db.session.add(held)
        db.session.flush()
        audit.record(EventType.FORM_UPLOADED, actor=actor, details={
            "trust": trust.slug, "kind": kind, "filename": filename, "sha256": held.file.sha256})
    return findings, held


def held_upload(trust: Trust, kind: str, upload_id: int, *, user_id: int | None) -> TrustForm:
    """Return an upload of a kind this person holds for the trust, not yet installed; raise FormNotFound otherwise."""
    held = db.session.scalar(select(TrustForm).where(
        TrustForm.id == upload_id, TrustForm.trust_id == trust.id, TrustForm.kind == kind,
        TrustForm.uploaded_by_id == user_id, TrustForm.number.is_(None)))
    if held is None:
        raise FormNotFound(f"no upload {upload_id} awaiting install")
    return held


def install_upload(trust: Trust, kind: str, upload_id: int, *, user_id: int | None, actor: str) -> TrustForm:
    """Install an upload this person holds as the kind's new version in use (checked again first)."""
    held = held_upload(trust, kind, upload_id, user_id=user_id)
    problems = errors_only(check_form(held.file.read(), held.kind, trust.profile))
    if problems:  # the profile changed since the upload (its terms), and the form no longer fits
        raise FormRefused(problems)
    with transaction():
        held = held_upload(_locked(trust), kind, upload_id, user_id=user_id)
        _make_version(trust, held, actor)
    return held


def install_form(trust: Trust, kind: str, data: bytes, *, filename: str, actor: str,
                 user_id: int | None = None) -> TrustForm:
    """Check a form and, if sound, install it as the kind's new version in use; the version in use if identical."""
    _known_kind(kind)
    filename = clean_filename(filename)
    _check(trust, kind, data, filename)
    with transaction():
        return install_checked(trust, kind, data, filename=filename, actor=actor, user_id=user_id)


def adopt_form(trust: Trust, kind: str, *, actor: str) -> TrustForm:
    """Install the file in the code checkout a kind's form is read from as the kind's next version, checked as an upload.

    Raise NothingToAdopt (saying why) when the kind's form is not such a file; the file itself is left where it is.
    """
    _known_kind(kind)
    try:
        form = form_in_use(trust, kind)
    except NoForm as exc:
        raise NothingToAdopt(f"no form to adopt: {exc}") from None
    if form.version is not None:
        raise NothingToAdopt(f"already in the store (version {form.version.number} is in use)")
    if form.generic:
        raise NothingToAdopt("uses the generic form")
    if not form.in_checkout:
        raise NothingToAdopt(f"uses {form.bundled_path} as Countersign ships it: upgrades keep it, nothing to adopt")
    filename = clean_filename(str(form.bundled_path))
    _check(trust, kind, form.data, filename)
    with transaction():
        if in_use(_locked(trust), kind) is not None:  # a version was installed meanwhile: it stays in use
            raise NothingToAdopt("already in the store")
        return install_checked(trust, kind, form.data, filename=filename, actor=actor)


def _check(trust: Trust, kind: str, data: bytes, filename: str) -> None:
    """Run the upload's check on a form; raise FormRefused with its errors."""
    problems = upload_problems(data, filename) or errors_only(check_form(data, kind, trust.profile))
    if problems:
        raise FormRefused(problems)


def install_checked(trust: Trust, kind: str, data: bytes, *, filename: str, actor: str,
                    user_id: int | None = None) -> TrustForm:
    """Install a form already checked, inside the caller's transaction (an import installs several at once)."""
    current = in_use(_locked(trust), kind)
    if current is not None and current.file.sha256 == sha256_hex(data):
        return current
    row = TrustForm(trust_id=trust.id, kind=kind, file=store(data, DOCX), filename=clean_filename(filename),
                    uploaded_by_id=user_id, uploaded_by=actor)
    db.session.add(row)
    _make_version(trust, row, actor)
    return row


def restore_form(trust: Trust, kind: str, number: int, *, actor: str) -> TrustForm:
    """Make an earlier installed version the one the kind uses."""
    _known_kind(kind)
    with transaction():
        chosen = version(_locked(trust), kind, number)
        if chosen is None:
            raise FormNotFound(f"no version {number} of the {kind} form")
        current = in_use(trust, kind)
        if current is None or current.id != chosen.id:
            _point(trust, kind, chosen)
            audit.record(EventType.FORM_RESTORED, actor=actor, details={
                "trust": trust.slug, "kind": kind, "version": number, "filename": chosen.filename})
    return chosen


def use_bundled_form(trust: Trust, kind: str, *, actor: str) -> str:
    """Go back to the bundled form for a kind (installed versions stay); return the bundled form's path."""
    _known_kind(kind)
    bundled = bundled_choice(trust, kind)[0]
    with transaction():
        row = db.session.get(TrustFormInUse, (_locked(trust).id, kind))
        if row is not None:
            db.session.delete(row)
            audit.record(EventType.FORM_RESTORED, actor=actor, details={
                "trust": trust.slug, "kind": kind, "version": None, "bundled": bundled})
    return bundled


def _locked(trust: Trust) -> Trust:
    """Lock the trust's row, so two installs cannot take the same version number."""
    locked = db.session.scalar(select(Trust).where(Trust.id == trust.id).with_for_update())
    assert locked is not None
    return locked


def _make_version(trust: Trust, row: TrustForm, actor: str) -> None:
    """Number an upload as the kind's next version, install it and make it the one in use."""
    db.session.flush()
    latest = db.session.scalar(select(func.max(TrustForm.number)).where(
        TrustForm.trust_id == trust.id, TrustForm.kind == row.kind))
    row.number = (latest or 0) + 1
    row.installed_at = utcnow()
    _point(trust, row.kind, row)
    audit.record(EventType.FORM_INSTALLED, actor=actor, details={
        "trust": trust.slug, "kind": row.kind, "version": row.number, "filename": row.filename,
        "sha256": row.file.sha256})


def _point(trust: Trust, kind: str, form: TrustForm) -> None:
    row = db.session.get(TrustFormInUse, (trust.id, kind))
    if row is None:
        db.session.add(TrustFormInUse(trust_id=trust.id, kind=kind, form=form, since=utcnow()))
    else:
        row.form, row.since = form, utcnow()
    db.session.flush()

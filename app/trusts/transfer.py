"""A trust's whole configuration as one file: its profile and every form version in use, to export and import.

The file is a zip: `manifest.json` (what is inside, with each file's SHA-256), `profile.toml`, and
`forms/<kind>.docx` for each kind that uses an installed form (a kind on a bundled form has none:
the profile names the bundled file). Import checks everything first — the profile with the same
rules as `flask trusts install`, every form with the form check — and changes nothing unless all of
it passes; then the profile and the forms are installed in one transaction.
"""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from typing import Any

import tomli_w
from sqlalchemy import select

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..kinds import KINDS
from ..rendering.check import MAX_UNPACKED_BYTES
from ..storage import sha256_hex
from .form_install import install_checked, upload_problems
from .form_store import in_use, templates_dir
from .forms import check_form, errors_only
from .models import Trust
from .profiles import validate_profile

FORMAT = "countersign-trust-configuration"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 25 * 1024 * 1024  # the whole export: a profile and a few Word forms


class ImportRefused(Exception):
    """An export file cannot be imported; problems names each thing wrong (nothing was changed)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def export_trust(trust: Trust) -> bytes:
    """Return the trust's configuration (profile and each form version in use) as one zip file."""
    profile = tomli_w.dumps(_tomlable(trust.profile)).encode()
    forms = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("profile.toml", profile)
        for kind in KINDS:
            form = in_use(trust, kind)
            if form is None:
                continue
            data = form.file.read()
            package.writestr(f"forms/{kind}.docx", data)
            forms.append({"kind": kind, "file": f"forms/{kind}.docx", "sha256": sha256_hex(data),
                          "filename": form.filename, "version": form.number})
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "trust": trust.slug, "name": trust.name,
                    "exported_at": utcnow().isoformat(timespec="seconds"),
                    "profile": {"file": "profile.toml", "sha256": sha256_hex(profile)}, "forms": forms}
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()


def _tomlable(value: Any) -> Any:
    """Return the profile without the None values TOML cannot hold."""
    if isinstance(value, dict):
        return {k: _tomlable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_tomlable(v) for v in value if v is not None]
    return value


def import_trust(data: bytes, *, actor: str, slug: str | None = None) -> Trust:
    """Check an export file whole, then install its profile and forms at once (as the trust `slug`, if given)."""
    profile, forms = _read(data, slug)
    with transaction():
        trust = db.session.scalar(select(Trust).where(Trust.slug == profile["slug"]).with_for_update())
        if trust is None:
            trust = Trust(slug=profile["slug"], name=profile["name"], profile=profile)
            db.session.add(trust)
            db.session.flush()
        else:
            trust.name, trust.profile = profile["name"], profile
        for kind, (filename, form) in forms.items():
            install_checked(trust, kind, form, filename=filename, actor=actor)
        audit.record(EventType.TRUST_IMPORTED, actor=actor, details={
            "trust": trust.slug, "sha256": sha256_hex(data), "forms": sorted(forms)})
    return trust


def _read(data: bytes, slug: str | None) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Return the file's profile and forms (kind -> filename, bytes), or raise ImportRefused naming every problem."""
    if not data:
        raise ImportRefused(["file: the file is empty"])
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused([f"file: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; an export is far smaller"])
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRefused(["file: not a configuration export (it is not a zip file)"]) from None
    with package:
        if sum(i.file_size for i in package.infolist()) > MAX_UNPACKED_BYTES:
            raise ImportRefused(["file: unpacks to far more than a configuration export"])
        files = {i.filename: i for i in package.infolist()}
        try:
            manifest = json.loads(package.read("manifest.json")) if "manifest.json" in files else None
        except (ValueError, zipfile.BadZipFile, OSError):
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ImportRefused(["manifest.json: missing or not a Countersign configuration export"])
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ImportRefused([f"manifest.json: format version {manifest.get('format_version')!r} is not "
                                 f"{FORMAT_VERSION}, the one this version of Countersign reads"])
        problems: list[str] = []
        profile_bytes = _member(package, files, manifest.get("profile"), "profile", problems)
        profile: dict[str, Any] = {}
        if profile_bytes is not None:
            try:
                profile = tomllib.loads(profile_bytes.decode("utf-8"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                problems.append(f"profile.toml: cannot be read: {exc}")
            else:
                if slug is not None:
                    profile["slug"] = slug
                problems += [f"profile.toml: {p}" for p in validate_profile(profile, templates_dir())]
        profile_sound = not problems
        forms: dict[str, tuple[str, bytes]] = {}
        entries = manifest.get("forms")
        for number, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            kind = entry.get("kind") if isinstance(entry, dict) else None
            where = f"forms[{number}]"
            if kind not in KINDS or kind in forms:
                problems.append(f"{where}: unknown or repeated kind {kind!r}")
                continue
            form = _member(package, files, entry, where, problems)
            if form is None:
                continue
            filename = str(entry.get("filename") or f"{kind}.docx")
            found = upload_problems(form, filename if filename.endswith(".docx") else f"{kind}.docx")
            if not found and profile_sound:  # a form's terms are checked against a sound profile only
                found = errors_only(check_form(form, kind, profile))
            problems += [f"{where} ({kind}): {p}" for p in found]
            forms[kind] = (filename, form)
    if not isinstance(entries, list):
        problems.append("manifest.json: forms must be a list")
    if problems:
        raise ImportRefused(problems)
    return profile, forms


def _member(package: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], entry: Any, where: str,
            problems: list[str]) -> bytes | None:
    """Return a file the manifest lists if it is there and matches its SHA-256, else note why not."""
    if not isinstance(entry, dict) or entry.get("file") not in files:
        problems.append(f"{where}: the file the manifest lists is not in the export")
        return None
    content = package.read(entry["file"])
    if sha256_hex(content) != entry.get("sha256"):
        problems.append(f"{where}: {entry['file']} does not match its SHA-256 in the manifest")
        return None
    return content

"""Which Word form each kind of a trust uses: an installed version from the trust's form store, else a bundled form.

Installed forms are stored files (content-addressed, kept with the trust's data) with a row per
version in `trust_form`; `trust_form_in_use` says which version a kind uses. A kind with no such
row uses the bundled form its profile names, or else the generic one. Nothing here writes into the
code tree.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..kinds import kinds_used
from .forms import bundled_manifest, check_form
from .models import Trust, TrustForm, TrustFormInUse, generic_form

_health: dict[tuple[str, str, str], tuple[str, ...]] = {}
_health_lock = threading.Lock()


class NoForm(Exception):
    """A kind has no form to fill in: nothing installed and no bundled file where the profile says."""


@dataclass(frozen=True)
class FormInUse:
    """The form a kind of a trust is filled in from now, and where it came from."""

    kind: str
    data: bytes
    version: TrustForm | None  # the installed version, or None for a bundled form
    bundled_path: str | None  # relative to the templates folder, for a bundled form
    named_missing: str | None = None  # a form the profile names that is not there (so the generic one is used)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def generic(self) -> bool:
        return self.version is None and self.bundled_path == generic_form(self.kind)

    @property
    def in_checkout(self) -> bool:
        """Return whether this is a file in the code checkout the profile names that Countersign does not ship.

        Countersign ships the files listed with their SHA-256 in forms/bundled.sha256; any other file a profile
        names (a trust's own, put there by an earlier `flask templates install`, or a shipped one changed in
        place) is the trust's, and an upgrade of the checkout may lose or overwrite it.
        """
        if self.version is not None or self.bundled_path is None or self.generic:
            return False
        return bundled_manifest().get(self.bundled_path.removeprefix("forms/")) != self.sha256

    @property
    def name(self) -> str:
        """Return what a message calls the form."""
        if self.version is not None:
            return f"{self.version.filename} (version {self.version.number})"
        return str(self.bundled_path)


def templates_dir() -> Path:
    """Return the folder bundled trust profiles and Word forms are read from."""
    return Path(current_app.config["TEMPLATES_DIR"])


def in_use(trust: Trust, kind: str) -> TrustForm | None:
    """Return the installed version a kind of the trust uses, or None when it uses a bundled form."""
    row = db.session.get(TrustFormInUse, (trust.id, kind))
    return row.form if row is not None else None


def bundled_choice(trust: Trust, kind: str) -> tuple[str, str | None]:
    """Return the bundled form a kind uses when none is installed, and the profile's form if that is missing."""
    named = trust.bundled_form(kind)
    if named != generic_form(kind) and not (templates_dir() / named).is_file():
        return generic_form(kind), named
    return named, None


def form_in_use(trust: Trust, kind: str) -> FormInUse:
    """Return the form a kind of the trust is filled in from now; raise NoForm when there is no file."""
    version = in_use(trust, kind)
    if version is not None:
        return FormInUse(kind, version.file.read(), version, None)
    relative, missing = bundled_choice(trust, kind)
    path = templates_dir() / relative
    if not path.is_file():
        raise NoForm(f"trust {trust.slug!r} has no form for {kind}")
    return FormInUse(kind, path.read_bytes(), None, relative, missing)


def bundled_path_of(trust: Trust, kind: str, sha256: str) -> str | None:
    """Return the bundled form of a kind with these contents (the profile's, the generic, any other), or None.

    What Countersign ships is looked up in its manifest, by SHA-256; only a profile's own file in the
    checkout, which the manifest does not list, is read.
    """
    profile_path = trust.bundled_form(kind)
    shipped = [f"forms/{name}/{kind}.docx" for name in bundled_forms(kind)
               if bundled_manifest().get(f"{name}/{kind}.docx") == sha256]
    if profile_path in shipped or (not shipped and _file_sha256(profile_path) == sha256):
        return profile_path
    return shipped[0] if shipped else None


def _file_sha256(relative: str) -> str | None:
    path = templates_dir() / relative
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def versions(trust: Trust, kind: str) -> list[TrustForm]:
    """Return the installed versions of a kind's form, newest first."""
    return list(db.session.scalars(
        select(TrustForm).where(TrustForm.trust_id == trust.id, TrustForm.kind == kind, TrustForm.number.is_not(None))
        .order_by(TrustForm.number.desc())))


def version(trust: Trust, kind: str, number: int) -> TrustForm | None:
    """Return one installed version of a kind's form of the trust."""
    return db.session.scalar(select(TrustForm).where(
        TrustForm.trust_id == trust.id, TrustForm.kind == kind, TrustForm.number == number))


def bundled_forms(kind: str) -> list[str]:
    """Return the name of every bundled form of a kind ("generic", then each bundled trust's), to start from."""
    names = [path.split("/")[0] for path in bundled_manifest() if path.endswith(f"/{kind}.docx")]
    return sorted(names, key=lambda n: (n != "generic", n))


def bundled_file(kind: str, source: str) -> bytes | None:
    """Return a bundled form's bytes by its kind and source ("generic", a bundled trust), or None."""
    if source not in bundled_forms(kind):
        return None
    path = templates_dir() / "forms" / source / f"{kind}.docx"
    return path.read_bytes() if path.is_file() else None


@dataclass(frozen=True)
class FormHealth:
    kind: str
    form: FormInUse | None  # None: no file at all
    problems: tuple[str, ...]


def forms_health(trust: Trust) -> list[FormHealth]:
    """Return the form of each kind the trust uses and its check result."""
    return [form_health(trust, name) for name in kinds_used(trust.profile)]


def form_health(trust: Trust, kind: str) -> FormHealth:
    """Return a kind's form and its check result; a form is checked once per version and profile."""
    try:
        form = form_in_use(trust, kind)
    except NoForm:
        return FormHealth(kind, None, ("missing",))
    profile_digest = hashlib.sha256(json.dumps(trust.profile, sort_keys=True, default=str).encode()).hexdigest()
    key = (form.sha256, kind, profile_digest)
    with _health_lock:
        cached = _health.get(key)
    if cached is None:
        cached = tuple(str(p) for p in check_form(form.data, kind, trust.profile))
        with _health_lock:
            _health[key] = cached
    return FormHealth(kind, form, cached)

"""Preview a document as it would be sent, saving nothing: its PDF goes to a cache, not the database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app

from ..conversion import get_converter
from ..extensions import db
from ..kinds import Kind, example_context, resolve_fields
from ..trusts.form_store import form_in_use
from ..trusts.forms import render_form
from ..trusts.models import Trust
from ..trusts.schools import profile_for
from ..trusts.wording import document_name
from .context import form_context
from .create import unsaved_document
from .pages import CachedPdf, page_count
from .people import Person


@dataclass(frozen=True)
class Preview:
    digest: str  # SHA-256 of the preview's PDF: how its page images are asked for
    pages: int


def previews_dir() -> Path:
    """Return the folder preview PDFs are cached in."""
    return Path(current_app.config["OUTPUT_DIR"]) / "cache" / "previews"


def cached_preview(digest: str) -> CachedPdf | None:
    """Return a preview made earlier, by its digest, if it is still cached."""
    path = previews_dir() / f"{digest}.pdf"
    return CachedPdf(path, digest) if len(digest) == 64 and path.is_file() else None


def preview(
    trust: Trust, spec: Kind, *, author: Person, supervisor: Person | None, supervisees: list[Person],
    fields: dict[str, Any],
) -> Preview:
    """Render and convert the document that these inputs would make, without saving it."""
    resolved = resolve_fields(spec, fields, profile_for(trust), date.today())
    form = form_in_use(trust, spec.name)
    with db.session.no_autoflush:
        document = unsaved_document(trust, spec, supervisor, supervisees, resolved, author)
        document.id = 0
        document.title = f"{document_name(trust.profile, spec.name)} (preview)"
        version = document.versions[0]
        version.id = 0
        context = form_context(document, version, final=False)
    return _cached(get_converter(current_app).convert_docx_to_pdf(render_form(form.data, context, name=form.name)))


def preview_form(data: bytes, spec: Kind, profile: dict[str, Any]) -> Preview:
    """Fill in a form (an upload not yet installed) with the kind's example data and convert it, saving nothing."""
    docx = render_form(data, example_context(spec, profile), name="the uploaded form")
    return _cached(get_converter(current_app).convert_docx_to_pdf(docx))


def _cached(pdf: bytes) -> Preview:
    digest = hashlib.sha256(pdf).hexdigest()
    folder = previews_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.pdf").write_bytes(pdf)
    return Preview(digest, page_count(CachedPdf(folder / f"{digest}.pdf", digest)))

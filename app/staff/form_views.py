"""Trust admins' pages for the trust's Word forms: versions, upload → check → preview → install, restore, download."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user

from ..conversion import ConversionError
from ..documents.preview import preview_form
from ..kinds import KINDS, Kind
from ..rendering import RenderError
from ..storage import DOCX
from ..trusts.form_install import FormNotFound, hold_upload, install_upload, restore_form, use_bundled_form
from ..trusts.form_store import (
    bundled_file,
    bundled_forms,
    form_health,
    forms_health,
    in_use,
    version,
    versions,
)
from ..trusts.forms import FormRefused, errors_only
from . import access
from .blueprint import bp
from .create_views import PREVIEWS_KEPT


def _spec(kind_name: str) -> Kind:
    if kind_name not in KINDS:
        abort(404)
    return KINDS[kind_name]


def _kind_page(spec: Kind, *, error: str | None = None, status: int = 200) -> Any:
    trust = current_user.trust
    return render_template("staff/forms/kind.html", spec=spec, health=form_health(trust, spec.name),
                           versions=versions(trust, spec.name), in_use=in_use(trust, spec.name),
                           bundled=bundled_forms(spec.name), error=error), status


@bp.get("/forms")
@access.allowed(access.is_admin)
def forms() -> str:
    """List each kind the trust uses and which form it uses now."""
    return render_template("staff/forms/index.html", forms=forms_health(current_user.trust), kinds=KINDS)


@bp.get("/forms/<kind_name>")
@access.allowed(access.is_admin)
def form_kind(kind_name: str) -> Any:
    """Show a kind's form: its versions, which is in use, bundled forms to start from, and the upload."""
    return _kind_page(_spec(kind_name))


@bp.get("/forms/<kind_name>/versions/<int:number>.docx")
@access.allowed(access.is_admin)
def form_version_download(kind_name: str, number: int) -> Response:
    """Download an installed version of the trust's form."""
    found = version(current_user.trust, _spec(kind_name).name, number)
    if found is None:
        abort(404)
    return send_file(BytesIO(found.file.read()), mimetype=DOCX, as_attachment=True,
                     download_name=f"{kind_name}-version-{number}.docx")


@bp.get("/forms/<kind_name>/bundled/<source>.docx")
@access.allowed(access.is_admin)
def form_bundled_download(kind_name: str, source: str) -> Response:
    """Download a form bundled with Countersign, to start the trust's own from."""
    data = bundled_file(_spec(kind_name).name, source)
    if data is None:
        abort(404)
    return send_file(BytesIO(data), mimetype=DOCX, as_attachment=True, download_name=f"{source}-{kind_name}.docx")


@bp.post("/forms/<kind_name>/upload")
@access.allowed(access.is_admin)
def form_upload(kind_name: str) -> Any:
    """Check an uploaded form; list what the check found and, when it has no errors, preview it to install."""
    spec = _spec(kind_name)
    trust = current_user.trust
    upload = request.files.get("form")
    if upload is None or not upload.filename:
        return _kind_page(spec, error="Choose the Word form (.docx) to upload", status=400)
    data = upload.read()
    findings, held = hold_upload(trust, spec.name, upload.filename, data, user_id=current_user.id,
                                 actor=current_user.label)
    made, preview_error = None, None
    if held is not None:
        try:
            made = preview_form(data, spec, trust.profile)
        except (ConversionError, RenderError) as exc:  # the check passed but filling it in did not: say so
            preview_error = str(exc)
        else:
            session["previews"] = [*session.get("previews", [])[-(PREVIEWS_KEPT - 1):], made.digest]
    errors = errors_only(findings)
    return render_template("staff/forms/checked.html", spec=spec, filename=upload.filename, findings=findings,
                           errors=errors, held=held, preview=made, preview_error=preview_error), 400 if errors else 200


@bp.post("/forms/<kind_name>/uploads/<int:upload_id>/install")
@access.allowed(access.is_admin)
def form_install(kind_name: str, upload_id: int) -> Any:
    """Install an upload this admin checked as the kind's new version in use."""
    spec = _spec(kind_name)
    try:
        installed = install_upload(current_user.trust, spec.name, upload_id, user_id=current_user.id,
                                   actor=current_user.label)
    except FormNotFound:
        abort(404)
    except FormRefused as exc:
        return _kind_page(spec, error="The form no longer passes the check: " + "; ".join(map(str, exc.problems)),
                          status=400)
    flash(f"Version {installed.number} of the {spec.title.lower()} form is installed and in use.", "success")
    return redirect(url_for("staff.form_kind", kind_name=spec.name), code=303)


@bp.post("/forms/<kind_name>/versions/<int:number>/restore")
@access.allowed(access.is_admin)
def form_restore(kind_name: str, number: int) -> Any:
    """Use an earlier installed version of the form again."""
    spec = _spec(kind_name)
    try:
        restore_form(current_user.trust, spec.name, number, actor=current_user.label)
    except FormNotFound:
        abort(404)
    flash(f"Version {number} of the {spec.title.lower()} form is in use again.", "success")
    return redirect(url_for("staff.form_kind", kind_name=spec.name), code=303)


@bp.post("/forms/<kind_name>/use-bundled")
@access.allowed(access.is_admin)
def form_use_bundled(kind_name: str) -> Any:
    """Go back to the bundled form for a kind (installed versions stay, to restore)."""
    spec = _spec(kind_name)
    bundled = use_bundled_form(current_user.trust, spec.name, actor=current_user.label)
    flash(f"The {spec.title.lower()} uses the bundled form {bundled} again.", "success")
    return redirect(url_for("staff.form_kind", kind_name=spec.name), code=303)

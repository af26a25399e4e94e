"""Trust admins export the trust's whole configuration (profile and forms in use) as one file, and import one."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..trusts.transfer import ImportRefused, export_trust, import_trust
from . import access
from .blueprint import bp


@bp.get("/configuration/export")
@access.allowed(access.is_admin)
def configuration_export() -> Response:
    """Download the trust's profile and every form version in use as one file."""
    trust = current_user.trust
    return send_file(BytesIO(export_trust(trust)), mimetype="application/zip", as_attachment=True,
                     download_name=f"{trust.slug}-configuration.zip")


@bp.get("/configuration/import")
@access.allowed(access.is_admin)
def configuration_import() -> str:
    """Show the import page."""
    return render_template("staff/forms/import.html", problems=[])


@bp.post("/configuration/import")
@access.allowed(access.is_admin)
def configuration_import_submit() -> Any:
    """Check an exported configuration whole, then install it as this trust's (nothing changes unless all passes)."""
    upload = request.files.get("configuration")
    try:
        import_trust(upload.read() if upload else b"", actor=current_user.label, slug=current_user.trust.slug)
    except ImportRefused as exc:
        return render_template("staff/forms/import.html", problems=exc.problems), 400
    flash("The configuration is imported: the trust's profile and forms are the file's now.", "success")
    return redirect(url_for("staff.forms"), code=303)

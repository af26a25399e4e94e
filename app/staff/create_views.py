"""Create a document: fill it in from the trust's defaults, preview it as page images, then send it."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user

from ..conversion import ConversionError
from ..documents.create import create_document
from ..documents.pages import page_count, page_png
from ..documents.people import Person
from ..documents.preview import cached_preview, preview
from ..inputs import lines_allowed
from ..kinds import KINDS, FieldError, kinds_used, resolve_fields
from ..rendering import RenderError
from ..trusts.form_use import offer_for
from . import access
from .blueprint import bp
from .form_pages import ADD_ROW, errors_for, form_page, prefill
from .forms import LONG_TEXT, fields_from_form
from .parties import SEARCH_ACTIONS, people_from_form, school_problem

PREVIEWS_KEPT = 10  # the newest previews a session may see the pages of


@bp.get("/create")
@access.allowed(access.can_create)
def create() -> str:
    """Choose which kind of document to create."""
    used = kinds_used(current_user.trust.profile)
    return render_template("staff/create.html", kinds={name: KINDS[name] for name in used})


@bp.get("/create/<kind_name>")
@access.allowed(access.can_create)
def create_kind(kind_name: str) -> Any:
    """Show a document's form filled in from the trust's defaults (or from a contract being followed)."""
    if kind_name not in kinds_used(current_user.trust.profile):
        abort(404)
    spec = KINDS[kind_name]
    profile = current_user.trust.profile
    contract_id = request.args.get("contract", type=int)
    contract = access.document_for(current_user, contract_id) if contract_id else None
    return form_page("staff/create_form.html", spec, profile, prefill(profile, contract), {},
                     offer_for(current_user.trust, spec.name))


@bp.post("/create/<kind_name>")
@lines_allowed(*LONG_TEXT)
@access.allowed(access.can_create)
def create_kind_submit(kind_name: str) -> Any:
    """Preview the filled-in document as page images, go back to edit it, or send it."""
    if kind_name not in kinds_used(current_user.trust.profile):
        abort(404)
    spec = KINDS[kind_name]
    profile = current_user.trust.profile
    form = request.form
    offer = offer_for(current_user.trust, spec.name)
    if form.get("action") in ADD_ROW or form.get("action") in SEARCH_ACTIONS or form.get("action") == "edit":
        return form_page("staff/create_form.html", spec, profile, form, {}, offer)
    author = Person(current_user.name, current_user.email)
    try:
        supervisor, supervisees = people_from_form(spec, form, current_user.trust_id)
        fields = fields_from_form(spec, profile, form, offer)
        resolved = resolve_fields(spec, fields, profile, date.today())  # validate before anything is made
        refused = (access.creation_problem(current_user, resolved.get("school", ""))
                   or school_problem(current_user, resolved.get("school", "")))
        if refused:
            raise FieldError([refused])
        if form.get("action") == "send":
            created = create_document(
                trust_slug=current_user.trust.slug, kind_name=spec.name, supervisor=supervisor,
                supervisees=supervisees, fields=fields, author=author, created_by_id=current_user.id,
            )
            flash(f"{created.reference} has been created and sent.", "success")
            return redirect(url_for("staff.document", document_id=created.id), code=303)
        made = preview(current_user.trust, spec, author=author, supervisor=supervisor, supervisees=supervisees,
                       fields=fields)
    except FieldError as exc:
        return form_page("staff/create_form.html", spec, profile, form, errors_for(exc), offer, status=400)
    except (ConversionError, RenderError) as exc:  # LibreOffice missing or a form fault: say so, change nothing
        return form_page("staff/create_form.html", spec, profile, form,
                         {"form": f"The preview could not be made: {exc}"}, offer, status=400)
    session["previews"] = [*session.get("previews", [])[-(PREVIEWS_KEPT - 1):], made.digest]
    return render_template("staff/preview.html", spec=spec, digest=made.digest, pages=made.pages,
                           hidden=[(k, v) for k, v in form.items(multi=True) if k not in {"csrf_token", "action"}])


@bp.get("/preview/<digest>/<int:number>.png")
@access.allowed(access.signed_in)
def preview_page(digest: str, number: int) -> Response:
    """Return a page of a preview this person made (previews are theirs alone)."""
    if digest not in session.get("previews", []):
        abort(404)
    pdf = cached_preview(digest)
    if pdf is None or not 1 <= number <= page_count(pdf):
        abort(404)
    return send_file(BytesIO(page_png(pdf, number).read_bytes()), mimetype="image/png", max_age=0)

"""The dashboard, the documents list, a document's page, and acting on it (download, resend, cancel, revise, reissue)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..documents.download import destroyed_notice
from ..documents.download import download as download_version
from ..documents.links import resend_link
from ..documents.models import Document
from ..documents.queries import (
    Search,
    change_request,
    changes_by_label,
    party_statuses,
    schools_in,
    search,
    successor_of,
    timeline,
    version_changes,
)
from ..documents.records import NotAllowed, form_made_from, get_document
from ..documents.revise import REVISABLE
from ..documents.revise import cancel as cancel_document
from ..documents.revise import revise as revise_document
from ..documents.states import InvalidTransition, State
from ..inputs import lines_allowed
from ..kinds import CONTRACT_KINDS, KINDS, FieldError, kind, resolve_fields
from ..reviews.reissue import labelled_changes, reissue_fields
from ..reviews.reissue import reissue as reissue_contract
from ..trusts.form_use import offer_for
from ..trusts.schools import profile_for
from . import access
from .blueprint import bp, who
from .dashboard import attention_lists
from .form_pages import ADD_ROW, errors_for, form_page
from .forms import LONG_TEXT, fields_from_form, form_from_fields


@bp.get("/")
@access.allowed(access.signed_in)
def dashboard() -> str:
    """Show what needs the person's attention."""
    return render_template("staff/dashboard.html", attention_lists=attention_lists(current_user))


@bp.get("/documents")
@access.allowed(access.signed_in)
def documents() -> str:
    """List the documents the person may see, with filters and search."""
    visible = access.visible(current_user)
    rows = search(visible, Search.from_args(request.args))
    return render_template("staff/documents.html", documents=rows, args=request.args, kinds=KINDS,
                           states=list(State), schools=schools_in(visible))


@bp.get("/documents/<int:document_id>")
@access.allowed(access.signed_in)
def document(document_id: int) -> str:
    """Show a document: versions, parties and their status, what changed, and its timeline."""
    found = access.document_for(current_user, document_id)
    previous = get_document(found.previous_document_id) if found.previous_document_id else None
    return render_template(
        "staff/document.html",
        document=found,
        parties=party_statuses(found),
        events=timeline(found.id),
        changes=version_changes(found),
        manage=access.can_manage(current_user, found),
        successor=successor_of(found),
        previous=previous,
        request_reason=change_request(found),
        reissue_diff=labelled_changes(found.id) if previous else [],
        destroyed=destroyed_notice(found),
        forms={v.number: form_made_from(found, v) for v in found.versions},
    )


@bp.post("/documents/<int:document_id>/versions/<int:number>/download")
@access.allowed(access.signed_in)
def download(document_id: int, number: int) -> Response | tuple[str, int]:
    """Send a version's sealed PDF (or, before sealing, the PDF sent for agreement); logged."""
    found = access.document_for(current_user, document_id)
    version = next((v for v in found.versions if v.number == number), None)
    if version is None:
        abort(404)
    if (notice := destroyed_notice(found)) is not None:
        return render_template("error.html", title="This record was destroyed", text=notice), 410
    sealed = request.form.get("which") != "draft"
    stored = version.sealed_file if sealed else version.pdf_file
    if stored is None:
        abort(404)
    data = download_version(version, stored, actor=current_user.label, request=who(), sealed=sealed)
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{found.reference}-v{number}-{'sealed' if sealed else 'draft'}.pdf")


@bp.get("/documents/<int:document_id>/resend/<int:party_id>")
@access.allowed(access.signed_in)
def resend_confirm(document_id: int, party_id: int) -> str:
    """Say what resending a party's link does and who is emailed, before it is done."""
    found = access.managed_document(current_user, document_id)
    party = next((p for p in found.parties if p.id == party_id), None)
    if party is None:
        abort(404)
    return render_template(
        "staff/confirm.html", document=found, heading=f"Send {party.name} a new link?", emailed=[party],
        happens=[f"{party.name} is emailed a new personal link to {found.title}, with a fresh expiry.",
                 "The link they were sent before stops working."],
        action=url_for("staff.resend", document_id=found.id, party_id=party.id), button_text="Send a new link")


@bp.post("/documents/<int:document_id>/resend/<int:party_id>")
@access.allowed(access.signed_in)
def resend(document_id: int, party_id: int) -> Response:
    """Send a party a new link with a fresh expiry; the old one stops working."""
    found = access.managed_document(current_user, document_id)
    if party_id not in {p.id for p in found.parties}:
        abort(404)
    try:
        resend_link(found.id, party_id, actor=current_user.label)
    except (NotAllowed, InvalidTransition) as exc:
        flash(str(exc), "error")
    else:
        flash("A new link has been sent. The old one no longer works.", "success")
    return redirect(url_for("staff.document", document_id=found.id), code=303)


@bp.get("/documents/<int:document_id>/cancel")
@access.allowed(access.signed_in)
def cancel_confirm(document_id: int) -> str:
    """Say what cancelling does, before it is done."""
    found = access.managed_document(current_user, document_id)
    return render_template(
        "staff/confirm.html", document=found, heading=f"Cancel {found.reference}?", emailed=[], ask_reason=True,
        happens=["The document is cancelled and can no longer be agreed.",
                 "Every personal link to it stops working.", "It stays in the documents list, marked cancelled."],
        action=url_for("staff.cancel", document_id=found.id), button_text="Cancel this document", warning=True)


@bp.get("/documents/<int:document_id>/reissue")
@access.allowed(access.signed_in)
def reissue_confirm(document_id: int) -> str:
    """Show what this year's contract will change from last year's and who is emailed, before reissuing."""
    found = access.managed_document(current_user, document_id)
    if found.kind not in CONTRACT_KINDS or found.state != State.SEALED or successor_of(found) is not None:
        abort(409)
    spec, profile = kind(found.kind), found.trust.profile
    fields, _kept = reissue_fields(found, date.today())
    resolved = resolve_fields(spec, fields, profile_for(found.trust), date.today())
    changes = changes_by_label(spec, profile, found.version.fields, resolved)
    return render_template(
        "staff/confirm.html", document=found, heading="Reissue for this year's annual review?",
        emailed=list(found.parties), changes=changes,
        happens=[f"This year's contract is made from {found.reference} and today's trust defaults (a term this "
                 "contract set itself is kept).",
                 "Each party is emailed a personal link to read and agree it; the email says it is the annual "
                 "review and lists what changed.",
                 f"When it is sealed it replaces {found.reference}."],
        action=url_for("staff.reissue", document_id=found.id), button_text="Reissue and send")


@bp.post("/documents/<int:document_id>/cancel")
@access.allowed(access.signed_in)
def cancel(document_id: int) -> Any:
    """Cancel a document not yet agreed, saying why."""
    found = access.managed_document(current_user, document_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash("Say why the document is being cancelled.", "error")
    else:
        try:
            cancel_document(found.id, reason=reason, actor=current_user.label)
            flash("The document has been cancelled. Its links no longer work.", "success")
        except (InvalidTransition, FieldError) as exc:
            flash(str(exc).capitalize() + ".", "error")
    return redirect(url_for("staff.document", document_id=found.id), code=303)


@bp.post("/documents/<int:document_id>/reissue")
@access.allowed(access.signed_in)
def reissue(document_id: int) -> Response:
    """Start next year's contract from this one (annual review)."""
    found = access.managed_document(current_user, document_id)
    try:
        new = reissue_contract(found.id, actor=current_user.label, created_by_id=current_user.id)
    except (FieldError, NotAllowed) as exc:
        flash(f"Not reissued: {exc}", "error")
        return redirect(url_for("staff.document", document_id=found.id), code=303)
    if new is None:
        flash("This contract has already been reissued for this year.", "error")
        return redirect(url_for("staff.document", document_id=found.id), code=303)
    flash("Next year's contract has been sent to both parties.", "success")
    return redirect(url_for("staff.document", document_id=new.id), code=303)


@bp.get("/documents/<int:document_id>/revise")
@access.allowed(access.signed_in)
def revise(document_id: int) -> Any:
    """Show the current version's fields to revise, and why changes were asked for."""
    found = _revisable(document_id)
    spec = kind(found.kind)
    return form_page("staff/revise.html", spec, found.trust.profile, form_from_fields(spec, found.version.fields), {},
                     offer_for(found.trust, spec.name), document=found, request_reason=change_request(found))


@bp.post("/documents/<int:document_id>/revise")
@lines_allowed(*LONG_TEXT)
@access.allowed(access.signed_in)
def revise_submit(document_id: int) -> Any:
    """Make and send a new version."""
    found = _revisable(document_id)
    spec = kind(found.kind)
    profile = found.trust.profile
    offer = offer_for(found.trust, spec.name)
    if request.form.get("action") in ADD_ROW:
        return form_page("staff/revise.html", spec, profile, request.form, {}, offer, document=found,
                         request_reason=change_request(found))
    note = request.form.get("note", "").strip()
    try:
        fields = fields_from_form(spec, profile, request.form, offer, all_terms=True)
        refused = access.creation_problem(current_user, str(fields.get("school", found.school)))
        if refused:
            raise FieldError([refused])
        revise_document(found.id, fields=fields, note=note, actor=current_user.label)
    except FieldError as exc:
        return form_page("staff/revise.html", spec, profile, request.form, errors_for(exc), offer, document=found,
                         request_reason=change_request(found), status=400)
    except NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.document", document_id=found.id), code=303)
    flash("The new version has been sent to everyone, with new links.", "success")
    return redirect(url_for("staff.document", document_id=found.id), code=303)


def revise_url(document_id: int) -> str:
    """Return the absolute URL of a document's revise page, for an email to its author (who signs in to reach it)."""
    # Built from the URL map, not url_for: emails are built in jobs, where there is no request.
    path = current_app.url_map.bind("").build("staff.revise", {"document_id": document_id})
    return f"{current_app.config['BASE_URL']}{path}"


def _revisable(document_id: int) -> Document:
    """Return a document the person may revise now, or answer 404, 403 or 409."""
    found = access.managed_document(current_user, document_id)
    if found.state not in REVISABLE:
        abort(409)
    return found

"""A signed-in member of staff who is a party reads and agrees a document here, as through their emailed link."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..documents.answers import AnswerInvalid, agree_signed_in, request_changes_signed_in
from ..documents.links import LinkRejected
from ..documents.reading import read_as_party
from ..inputs import lines_allowed
from . import access
from .blueprint import bp, who


@bp.get("/documents/<int:document_id>/agree")
@access.allowed(access.signed_in)
def agree_page(document_id: int) -> Any:
    """Show a document the person is a party to as text, with the agree form; once answered, read-only."""
    return _page(document_id, problems={}, form={}, status=200)


@bp.post("/documents/<int:document_id>/agree")
@access.allowed(access.signed_in)
def agree(document_id: int) -> Any:
    """Record the person's agreement, with the checks their emailed link would make."""
    found = access.document_for(current_user, document_id)
    form = request.form
    try:
        agree_signed_in(found.id, current_user.email, confirmed=form.get("confirm") == "yes",
                        typed_name=form.get("full_name", ""), request=who(), staff_user_id=current_user.id)
    except AnswerInvalid as exc:
        return _page(found.id, problems=exc.problems, form=form, status=400)
    except LinkRejected as exc:
        return _refused(exc)
    return redirect(url_for("staff.agree_page", document_id=found.id), code=303)


@bp.post("/documents/<int:document_id>/changes")
@lines_allowed("reason")
@access.allowed(access.signed_in)
def changes(document_id: int) -> Any:
    """Record the person's request for changes, as their emailed link would."""
    found = access.document_for(current_user, document_id)
    form = request.form
    try:
        request_changes_signed_in(found.id, current_user.email, reason=form.get("reason", ""),
                                  share_reason=form.get("share_reason") == "yes", request=who(),
                                  staff_user_id=current_user.id)
    except AnswerInvalid as exc:
        return _page(found.id, problems=exc.problems, form=form, status=400)
    except LinkRejected as exc:
        return _refused(exc)
    return redirect(url_for("staff.agree_page", document_id=found.id), code=303)


def _page(document_id: int, *, problems: dict[str, str], form: Any, status: int) -> Any:
    found = access.document_for(current_user, document_id)
    try:
        reading = read_as_party(found.id, current_user.email)
    except LinkRejected as exc:
        return _refused(exc)
    if reading is None:  # not a party to it, or nothing sent to them to agree
        abort(404)
    return render_template("staff/agree.html", reading=reading, document=found, version=reading.version,
                           problems=problems, form=form), status


def _refused(exc: LinkRejected) -> tuple[str, int]:
    """Say why the person cannot agree now (their link was used, expired, or the document moved on)."""
    if exc.reason == "unknown":  # they are no party to it: nothing here for them
        abort(404)
    text = {
        "used": "You have already answered this version.",
        "expired": "The time to answer this version has run out: ask the author to send you a new link.",
        "superseded": "A newer version has been sent to you: agree that one.",
        "replaced": "A newer link has been sent to you: use the most recent email, or this page again.",
        "changes_requested": "Changes have been asked for: a revised version will be sent to you.",
    }.get(exc.reason, "This document is not waiting for your agreement.")
    return render_template("error.html", title="You cannot agree this document now", text=text), 409

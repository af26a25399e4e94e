"""Pages reached by a personal link: read and agree, ask for changes, download the sealed record.

Opening a link (GET) never changes anything: mail filters open links on their own.
"""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from ..extensions import token_images, token_pages
from ..inputs import lines_allowed, user_agent
from .answers import AnswerInvalid, answer_audit, request_changes
from .answers import agree as agree_version
from .context import page_time
from .download import destroyed_notice
from .download import download as download_version
from .links import LinkRejected, mark_viewed, readable_link, record_rejection, resolve_link, still_readable
from .models import Answer, Link, LinkPurpose
from .pages import page_count, page_png
from .people import Request, party_label
from .queries import answer_through, sealed_through
from .reading import read
from .signing_page import render_reading, signing_page

bp = Blueprint("links", __name__)
bp.add_app_template_filter(page_time, "uk_time")

REJECTIONS = {
    "invalid": ("This link is not valid", "The link may have been copied incompletely or changed."),
    "unknown": ("This link is not recognised", "It may have been copied incompletely."),
    "expired": ("This link has expired", "Links stop working after a set number of days."),
    "used": ("This link has already been used", "Each link can be used to answer only once."),
    "superseded": (
        "This document has been revised",
        "A newer version has been sent to you with a new link; this one no longer works.",
    ),
    "replaced": ("A newer link has been sent", "Use the most recent email you received."),
    "changes_requested": (
        "Changes have been requested",
        "A party has asked for changes, so this version cannot be agreed. A revised version will be sent to you.",
    ),
    "closed": ("This document is no longer open", "It is not waiting for your answer."),
    "cancelled": ("This document has been cancelled", "It no longer needs your answer."),
    "destroyed": ("This record was destroyed", "The trust's retention period for it ended."),
}


def _request() -> Request:
    return Request(ip=request.remote_addr, user_agent=user_agent())


def _rejected(exc: LinkRejected, token: str | None = None) -> tuple[str, int]:
    record_rejection(exc, _request())
    title, explanation = REJECTIONS[exc.reason]
    answer = None
    if exc.reason == "used" and exc.link is not None:
        answer = answer_through(exc.link)
    status = 410 if exc.reason in {"expired", "superseded", "replaced", "cancelled", "destroyed"} else 404
    if exc.reason in {"used", "changes_requested", "closed"}:
        status = 409
    return (
        render_template(
            "links/rejected.html",
            reason=exc.reason,
            title=title,
            explanation=explanation,
            document=exc.document,
            answer=answer,
            destroyed=destroyed_notice(exc.document) if exc.document is not None else None,
            read_url=url_for("links.sign", token=token) if token and still_readable(exc) else None,
        ),
        status,
    )


@bp.get("/s/<token>")
@token_pages
def sign(token: str) -> Response | tuple[str, int] | str:
    """Show the document as text and page images with the agree and request-changes forms; once answered, read-only."""
    try:
        return signing_page(token)
    except LinkRejected as exc:
        return _rejected(exc)


@bp.get("/s/<token>/pages/<int:number>.png")
@token_images
def page(token: str, number: int) -> Response | tuple[str, int]:
    """Return one page of the version as a PNG (while the link can answer or be read)."""
    try:
        link, _answerable = readable_link(token)
    except LinkRejected:
        abort(404)
    pdf = link.version.pdf_file
    assert pdf is not None
    if not 1 <= number <= page_count(pdf):
        abort(404)
    return send_file(BytesIO(page_png(pdf, number).read_bytes()), mimetype="image/png", max_age=0)


@bp.get("/s/<token>/document.pdf")
@token_pages
def draft_pdf(token: str) -> Response | tuple[str, int]:
    """Return the PDF of the version the party is asked to agree (or answered)."""
    try:
        link, _answerable = readable_link(token)
    except LinkRejected as exc:
        return _rejected(exc)
    assert link.version.pdf_file is not None
    return _pdf(link.version.pdf_file.read(), f"{link.version.document.reference}-v{link.version.number}.pdf")


@bp.post("/s/<token>/viewed")
@token_pages
def viewed(token: str) -> Response:
    """Record that the page was displayed (called by the page's script, never by the GET)."""
    try:
        mark_viewed(token, _request())
    except LinkRejected:
        return Response(status=410)
    return Response(status=204)


@bp.post("/s/<token>/agree")
@token_pages
def agree(token: str) -> Response | tuple[str, int] | str:
    """Record the party's agreement."""
    form = request.form
    try:
        agree_version(
            token,
            confirmed=form.get("confirm") == "yes",
            typed_name=form.get("full_name", ""),
            request=_request(),
        )
    except LinkRejected as exc:
        return _rejected(exc, token)
    except AnswerInvalid as exc:
        return _sign_with_errors(token, exc.problems)
    return redirect(url_for("links.done", token=token, answer="agreed"), code=303)


@bp.post("/s/<token>/changes")
@lines_allowed("reason")
@token_pages
def changes(token: str) -> Response | tuple[str, int] | str:
    """Record the party's request for changes."""
    try:
        request_changes(token, reason=request.form.get("reason", ""),
                        share_reason=request.form.get("share_reason") == "yes", request=_request())
    except LinkRejected as exc:
        return _rejected(exc, token)
    except AnswerInvalid as exc:
        return _sign_with_errors(token, exc.problems)
    return redirect(url_for("links.done", token=token, answer="changes"), code=303)


def _answered(token: str) -> tuple[Link, Answer] | LinkRejected:
    """The link a party has answered through, and their answer; else why the link is refused."""
    try:
        resolve_link(token, LinkPurpose.AGREE)
    except LinkRejected as exc:
        if exc.reason in {"used", "closed", "changes_requested"} and exc.link is not None:
            answer = answer_through(exc.link)
            if answer is not None:
                return exc.link, answer
        return exc
    return LinkRejected("unanswered")


@bp.get("/s/<token>/done")
@token_pages
def done(token: str) -> Response | tuple[str, int] | str:
    """Confirm the answer just given; once agreed, say whether the record is sealed yet."""
    answered = _answered(token)
    if isinstance(answered, LinkRejected):
        if answered.reason == "unanswered":
            return redirect(url_for("links.sign", token=token), code=303)
        return _rejected(answered)
    link, answer = answered
    return render_template("links/done.html", answer=answer, document=link.version.document,
                           version=link.version, token=token, sealed=sealed_through(link, answer) is not None)


@bp.get("/s/<token>/status")
@token_pages
def status(token: str) -> Response:
    """Say, for the done page's script, whether the version this party agreed is sealed yet."""
    answered = _answered(token)
    if isinstance(answered, LinkRejected):
        return jsonify(error="not found"), 404  # type: ignore[return-value]
    link, answer = answered
    return jsonify(state=link.version.document.state.value, sealed=sealed_through(link, answer) is not None)


@bp.post("/s/<token>/sealed")
@token_pages
def sealed_pdf(token: str) -> Response | tuple[str, int]:
    """Send the sealed PDF to a party who agreed through this link (logged, like the emailed link)."""
    answered = _answered(token)
    if isinstance(answered, LinkRejected):
        abort(404)
    link, answer = answered
    version = sealed_through(link, answer)
    if version is None:
        abort(404)
    assert version.sealed_file is not None
    data = download_version(version, version.sealed_file, actor=party_label(link.party.name, link.party.email),
                            request=_request(), link=link.id)
    return _pdf(data, f"{version.document.reference}-v{version.number}-sealed.pdf")


def _sign_with_errors(token: str, problems: dict[str, str]) -> tuple[str, int]:
    try:
        reading = read(token)
    except LinkRejected as exc:
        return _rejected(exc)
    return render_reading(token, reading, problems=problems, form=request.form), 400


@bp.get("/d/<token>")
@token_pages
def download_page(token: str) -> Response | tuple[str, int] | str:
    """Show the sealed record's download page (the download itself is a POST, and logged)."""
    try:
        link = resolve_link(token, LinkPurpose.DOWNLOAD)
    except LinkRejected as exc:
        return _rejected(exc)
    return render_template(
        "links/download.html", token=token, link=link, document=link.version.document, version=link.version
    )


@bp.post("/d/<token>")
@token_pages
def download(token: str) -> Response | tuple[str, int]:
    """Send the sealed PDF and log the download."""
    try:
        link = resolve_link(token, LinkPurpose.DOWNLOAD)
    except LinkRejected as exc:
        return _rejected(exc)
    version = link.version
    assert version.sealed_file is not None
    data = download_version(version, version.sealed_file, actor=party_label(link.party.name, link.party.email),
                            request=_request(), link=link.id)
    return _pdf(data, f"{version.document.reference}-v{version.number}-sealed.pdf")


def _pdf(data: bytes, name: str) -> Response:
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/a/<token>")
@token_pages
def answer_form(token: str) -> Response | tuple[str, int] | str:
    """Show an audit's questions to answer online."""
    try:
        link = resolve_link(token, LinkPurpose.ANSWER)
    except LinkRejected as exc:
        return _rejected(exc)
    return _answer_page(token, link, problems={}, status=200)


@bp.post("/a/<token>")
@lines_allowed("answer-*", "comments-*")
@token_pages
def answer(token: str) -> Response | tuple[str, int] | str:
    """Record the audit's answers; the supervisee is then sent the document to agree."""
    form = request.form
    try:
        link = resolve_link(token, LinkPurpose.ANSWER)
    except LinkRejected as exc:
        return _rejected(exc)
    count = len(link.version.document.trust.profile.get("audit", {}).get("questions", []))
    answers = [
        {"answer": form.get(f"answer-{n}", ""), "comments": form.get(f"comments-{n}", "")}
        for n in range(1, count + 1)
    ]
    try:
        answer_audit(token, answers=answers, respondent_name=form.get("respondent_name", ""), request=_request())
    except LinkRejected as exc:
        return _rejected(exc)
    except AnswerInvalid as exc:
        return _answer_page(token, link, problems=exc.problems, status=400)
    return render_template("links/answered.html", document=link.version.document)


def _answer_page(token: str, link: Link, *, problems: dict[str, str], status: int) -> tuple[str, int]:
    document = link.version.document
    questions = document.trust.profile.get("audit", {}).get("questions", [])
    return (
        render_template(
            "links/answer.html",
            token=token,
            party=link.party,
            document=document,
            questions=questions,
            problems=problems,
            form=request.form,
        ),
        status,
    )

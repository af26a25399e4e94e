"""Staff pages: sign in, dashboard, documents, create → preview → send, act, trust settings.

Views parse the request, call one operation, and render or redirect; every route checks the
signed-in person's role and trust through app.staff.access.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from .. import audit
from ..audit.models import AuditEvent
from ..conversion import ConversionError
from ..db import transaction
from ..documents import operations as ops
from ..documents.kinds import KINDS, FieldError, kind, resolve_fields, terms_of
from ..documents.models import Answer, Document, DocumentVersion, Link, Party
from ..documents.states import InvalidTransition, State
from ..extensions import db, limiter
from ..rendering import RenderError
from . import access, auth
from .dashboard import attention
from .forms import ACTION_SLOTS, CASE_SLOTS, fields_from_form, form_from_fields

bp = Blueprint("staff", __name__, url_prefix="/staff")
STATE_COLOURS = {
    "preparing": "grey", "awaiting_answers": "blue", "awaiting_agreement": "blue", "changes_requested": "orange",
    "agreed": "turquoise", "sealed": "green", "issued": "green", "superseded": "grey", "cancelled": "red",
}


def _who() -> ops.Request:
    return ops.Request(ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))


@bp.app_template_filter("state_label")
def state_label(state: str) -> str:
    return state.replace("_", " ").capitalize()


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"state_colours": STATE_COLOURS}


# --- sign in ------------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def sign_in() -> Any:
    """Ask for an email address and send a sign-in link (never saying whether it is known)."""
    if request.method == "GET":
        return render_template("staff/sign_in.html", errors={}, email="")
    email = request.form.get("email", "").strip()
    if not ops.EMAIL.match(email):
        errors = {"email": "Enter an email address in the correct format, like name@example.org"}
        return render_template("staff/sign_in.html", errors=errors, email=email), 400
    auth.request_sign_in(email, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    return render_template("staff/sign_in_sent.html", email=email)


@bp.get("/sign-in/<token>")
def sign_in_link(token: str) -> Any:
    """Show a button to finish signing in: opening the link itself changes nothing."""
    try:
        auth.check_sign_in(token)
    except auth.SignInRejected as exc:
        return render_template("staff/sign_in_rejected.html", reason=exc.reason), 410
    return render_template("staff/sign_in_confirm.html", token=token)


@bp.post("/sign-in/<token>")
def sign_in_complete(token: str) -> Any:
    try:
        user = auth.complete_sign_in(token, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    except auth.SignInRejected as exc:
        return render_template("staff/sign_in_rejected.html", reason=exc.reason), 410
    session.clear()
    login_user(user)
    return redirect(url_for("staff.dashboard"), code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("staff.sign_in"), code=303)


# --- dashboard and documents --------------------------------------------------------------------


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template("staff/dashboard.html", attention=attention(current_user))


@bp.get("/documents")
@login_required
def documents() -> str:
    """List the documents the person may see, with filters and search."""
    args = request.args
    query = access.visible(current_user)
    if args.get("kind") in KINDS:
        query = query.where(Document.kind == args["kind"])
    if args.get("state") in {s.value for s in State}:
        query = query.where(Document.state == args["state"])
    if args.get("school"):
        query = query.where(Document.school == args["school"])
    if args.get("person"):
        like = f"%{args['person'].strip().lower()}%"
        query = query.where(Document.parties.any(or_(db.func.lower(Party.name).like(like), Party.email.like(like))))
    if args.get("q"):
        query = query.where(Document.title.ilike(f"%{args['q'].strip()}%"))
    for name, op in (("from", ">="), ("to", "<=")):
        value = args.get(name, "")
        try:
            when = _date(value)
        except ValueError:
            continue
        if when is not None:
            column = db.func.date(Document.created_at)
            query = query.where(column >= when if op == ">=" else column <= when)
    rows = db.session.scalars(query.order_by(Document.id.desc()).limit(500)).all()
    schools = sorted({d.school for d in db.session.scalars(access.visible(current_user)) if d.school})
    return render_template("staff/documents.html", documents=rows, args=args, kinds=KINDS, states=list(State),
                           schools=schools)


def _date(value: str) -> Any:
    from datetime import date

    return date.fromisoformat(value) if value else None


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int) -> str:
    """Show a document: versions, parties and their status, what changed, and its timeline."""
    found = access.document_for(current_user, document_id)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.document_id == found.id).order_by(AuditEvent.seq)
    ).all()
    from ..reviews.operations import reissue_changes, successor_of

    successor = successor_of(found)
    previous = db.session.get(Document, found.previous_document_id) if found.previous_document_id else None

    return render_template(
        "staff/document.html",
        document=found,
        parties=_party_status(found),
        events=events,
        changes=_changes(found),
        manage=access.can_manage(current_user, found),
        successor=successor,
        previous=previous,
        request_reason=_change_request(found),
        reissue_diff=[(f, _show(old), _show(new)) for f, old, new in reissue_changes(found.id)] if previous else [],
    )


def _party_status(document: Document) -> list[dict[str, Any]]:
    version = document.version
    answers = {a.party_id: a for a in db.session.scalars(select(Answer).where(Answer.version_id == version.id))}
    rows = []
    for party in document.parties:
        answer = answers.get(party.id)
        link = db.session.scalar(
            select(Link).where(Link.party_id == party.id, Link.version_id == version.id, Link.revoked_at.is_(None),
                               Link.purpose != "download").order_by(Link.id.desc())
        )
        if answer and answer.decision == Answer.AGREED:
            status = f"Agreed {answer.answered_at:%d %B %Y}"
        elif answer:
            status = f"Asked for changes {answer.answered_at:%d %B %Y}"
        elif link is None:
            status = "No link sent yet"
        elif link.first_viewed_at:
            status = f"Viewed {link.first_viewed_at:%d %B %Y}, not answered"
        else:
            status = f"Sent {link.created_at:%d %B %Y}, not opened"
        rows.append({"party": party, "status": status, "answered": bool(answer), "link": link})
    return rows


def _changes(document: Document) -> list[tuple[int, list[tuple[str, str, str]]]]:
    """Return, for each version after the first, the fields that changed from the one before."""
    found = []
    for before, after in zip(document.versions, document.versions[1:], strict=False):
        diff = []
        keys = sorted(set(before.fields) | set(after.fields))
        for key in keys:
            if key == "terms":
                for term in sorted(set(before.fields["terms"]) | set(after.fields["terms"])):
                    old, new = before.fields["terms"].get(term, ""), after.fields["terms"].get(term, "")
                    if old != new:
                        diff.append((term, str(old), str(new)))
            elif before.fields.get(key) != after.fields.get(key):
                diff.append((key, _show(before.fields.get(key)), _show(after.fields.get(key))))
        found.append((after.number, diff))
    return found


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(", ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in value)
    return "" if value is None else str(value)


def _change_request(document: Document) -> Answer | None:
    if document.status is not State.CHANGES_REQUESTED:
        return None
    return db.session.scalar(
        select(Answer).where(Answer.version_id == document.version.id, Answer.decision == Answer.CHANGES_REQUESTED)
    )


@bp.post("/documents/<int:document_id>/versions/<int:number>/download")
@login_required
def download(document_id: int, number: int) -> Response:
    """Send a version's sealed PDF (or, before sealing, the PDF sent for agreement); logged."""
    found = access.document_for(current_user, document_id)
    version = next((v for v in found.versions if v.number == number), None)
    if version is None:
        abort(404)
    stored = version.sealed_file if request.form.get("which") != "draft" else version.pdf_file
    if stored is None:
        abort(404)
    with transaction():
        audit.record("downloaded", document_id=found.id, actor=current_user.label, ip=request.remote_addr,
                     user_agent=request.headers.get("User-Agent"),
                     details={"version": number, "sealed": stored is version.sealed_file})
    suffix = "sealed" if stored is version.sealed_file else "draft"
    return send_file(BytesIO(stored.read()), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{found.reference}-v{number}-{suffix}.pdf")


@bp.post("/documents/<int:document_id>/resend/<int:party_id>")
@login_required
def resend(document_id: int, party_id: int) -> Response:
    """Send a party a new link with a fresh expiry; the old one stops working."""
    found = access.managed_document(current_user, document_id)
    if party_id not in {p.id for p in found.parties}:
        abort(404)
    from ..reviews.operations import resend_link

    try:
        resend_link(found.id, party_id, actor=current_user.label)
    except (ops.NotAllowed, InvalidTransition) as exc:
        flash(str(exc), "error")
    else:
        flash("A new link has been sent. The old one no longer works.", "success")
    return redirect(url_for("staff.document", document_id=found.id), code=303)


@bp.post("/documents/<int:document_id>/cancel")
@login_required
def cancel(document_id: int) -> Any:
    found = access.managed_document(current_user, document_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash("Say why the document is being cancelled.", "error")
    else:
        try:
            ops.cancel(found.id, reason=reason, actor=current_user.label)
            flash("The document has been cancelled. Its links no longer work.", "success")
        except InvalidTransition as exc:
            flash(str(exc).capitalize() + ".", "error")
    return redirect(url_for("staff.document", document_id=found.id), code=303)


@bp.post("/documents/<int:document_id>/reissue")
@login_required
def reissue(document_id: int) -> Response:
    """Start next year's contract from this one (annual review)."""
    found = access.managed_document(current_user, document_id)
    from ..reviews.operations import reissue as reissue_contract

    try:
        new = reissue_contract(found.id, actor=current_user.label, created_by_id=current_user.id)
    except (FieldError, ops.NotAllowed) as exc:
        flash(f"Not reissued: {exc}", "error")
        return redirect(url_for("staff.document", document_id=found.id), code=303)
    if new is None:
        flash("This contract has already been reissued for this year.", "error")
        return redirect(url_for("staff.document", document_id=found.id), code=303)
    flash("Next year's contract has been sent to both parties.", "success")
    return redirect(url_for("staff.document", document_id=new.id), code=303)


@bp.route("/documents/<int:document_id>/revise", methods=["GET", "POST"])
@login_required
def revise(document_id: int) -> Any:
    """Make and send a new version, showing why changes were asked for."""
    found = access.managed_document(current_user, document_id)
    if found.status not in (State.CHANGES_REQUESTED, State.AWAITING_AGREEMENT):
        abort(409)
    spec = kind(found.kind)
    profile = found.trust.profile
    if request.method == "GET":
        return _form_page("staff/revise.html", spec, profile, form_from_fields(spec, found.version.fields), {},
                          document=found, request_reason=_change_request(found))
    fields = fields_from_form(spec, profile, request.form, all_terms=True)
    note = request.form.get("note", "").strip()
    try:
        ops.revise(found.id, fields=fields, note=note or "Revised", actor=current_user.label)
    except FieldError as exc:
        return _form_page("staff/revise.html", spec, profile, request.form, _errors(exc), document=found,
                          request_reason=_change_request(found), status=400)
    except ops.NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.document", document_id=found.id), code=303)
    flash("The new version has been sent to everyone, with new links.", "success")
    return redirect(url_for("staff.document", document_id=found.id), code=303)


# --- create → preview → send ---------------------------------------------------------------------


@bp.get("/create")
@login_required
def create() -> str:
    if not access.can_create(current_user):
        abort(403)
    return render_template("staff/create.html", kinds=KINDS)


@bp.route("/create/<kind_name>", methods=["GET", "POST"])
@login_required
def create_kind(kind_name: str) -> Any:
    """Fill in a document from the trust's defaults, preview it as page images, then send it."""
    if not access.can_create(current_user):
        abort(403)
    if kind_name not in KINDS:
        abort(404)
    spec = KINDS[kind_name]
    profile = current_user.trust.profile
    if request.method == "GET":
        return _form_page("staff/create_form.html", spec, profile, _prefill(spec, profile), {})
    form = request.form
    try:
        supervisor, supervisees = _people(spec, form)
        fields = fields_from_form(spec, profile, form)
        from datetime import date

        resolve_fields(spec, fields, profile, date.today())  # validate before anything is made
        if form.get("action") == "send":
            created = ops.create_document(
                trust_slug=current_user.trust.slug, kind_name=spec.name, supervisor=supervisor,
                supervisees=supervisees, fields=fields, author=ops.Person(current_user.name, current_user.email),
                created_by_id=current_user.id,
            )
            flash(f"{created.reference} has been created and sent.", "success")
            return redirect(url_for("staff.document", document_id=created.id), code=303)
        if form.get("action") == "edit":
            return _form_page("staff/create_form.html", spec, profile, form, {})
        digest, pages = _preview(spec, supervisor, supervisees, fields)
    except FieldError as exc:
        return _form_page("staff/create_form.html", spec, profile, form, _errors(exc), status=400)
    except (ConversionError, RenderError) as exc:  # LibreOffice missing or a form fault: say so, change nothing
        return _form_page("staff/create_form.html", spec, profile, form,
                          {"form": f"The preview could not be made: {exc}"}, status=400)
    return render_template("staff/preview.html", spec=spec, digest=digest, pages=pages,
                           hidden=[(k, v) for k, v in form.items(multi=True) if k not in {"csrf_token", "action"}])


def _people(spec: Any, form: Any) -> tuple[ops.Person | None, list[ops.Person]]:
    """Parse the supervisor and supervisees, listing problems in the order the fields appear."""
    problems = []
    supervisor = None
    if not spec.answered_online:
        if not form.get("supervisor", "").strip():
            problems.append("supervisor: Enter the supervisor's full name and email")
        else:
            try:
                supervisor = ops.parse_person(form["supervisor"])
            except FieldError:
                problems.append("supervisor: Write the supervisor as Full Name <email@example.org>")
    label = "supervisee" if not spec.many_supervisees else "each supervisee"
    supervisees = []
    for number, line in enumerate(x for x in form.get("supervisees", "").splitlines() if x.strip()):
        try:
            supervisees.append(ops.parse_person(line))
        except FieldError:
            problems.append(f"supervisees: Write {label} as Full Name <email@example.org> (line {number + 1})")
    if not supervisees and not any(p.startswith("supervisees") for p in problems):
        problems.append("supervisees: Enter each supervisee's full name and email" if spec.many_supervisees
                        else "supervisees: Enter the supervisee's full name and email")
    if problems:
        raise FieldError(problems)
    return supervisor, supervisees


# A problem with a list names the list; the summary links to its first field on the page.
_FIRST_FIELD = {"sections": "section-0", "cases": "case-0-reference", "actions": "action-0-what",
                "supervisee": "supervisees"}


def _errors(exc: FieldError) -> dict[str, str]:
    """Map each problem to the id of the field it is about, for the error summary's links."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name, _, message = problem.partition(": ")
        key = name.strip("' ") if message and " " not in name else "form"
        key = _FIRST_FIELD.get(key, key)
        if key in {"supervisor", "supervisees"}:
            errors.setdefault(key, message)  # already an instruction
        else:
            errors.setdefault(key, problem if key == "form" else f"{name.replace('_', ' ').capitalize()}: {message}")
    return errors


def _prefill(spec: Any, profile: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {f"term-{k}": v for k, v in terms_of(profile).items()}
    values["school"] = current_user.school or ""
    contract_id = request.args.get("contract", type=int)
    if contract_id:
        contract = access.document_for(current_user, contract_id)
        supervisor = next((p for p in contract.parties if p.role == "supervisor"), None)
        values["supervisor"] = f"{supervisor.name} <{supervisor.email}>" if supervisor else ""
        values["supervisees"] = "\n".join(f"{p.name} <{p.email}>" for p in contract.parties if p.role == "supervisee")
        values["school"] = contract.school
    return values


def _form_page(template: str, spec: Any, profile: dict[str, Any], values: Any, errors: dict[str, str],
               status: int = 200, **extra: Any) -> tuple[str, int]:
    from ..documents.actions import Action

    open_actions = []
    if spec.name == "record":
        open_actions = db.session.scalars(
            select(Action).where(Action.trust_id == current_user.trust_id, Action.done_at.is_(None),
                                 Action.source_document_id.in_(access.visible(current_user, select(Document.id))))
        ).all()
    terms = terms_of(profile)
    errors = {f"term-{k}" if k in terms else k: v for k, v in errors.items()}
    return render_template(
        template, spec=spec, profile=profile, values=values, errors=errors, terms=terms,
        sections=profile.get("record", {}).get("sections", []), case_slots=range(CASE_SLOTS),
        action_slots=range(ACTION_SLOTS), open_actions=open_actions, **extra,
    ), status


def _preview(spec: Any, supervisor: ops.Person | None, supervisees: list[ops.Person],
             fields: dict[str, Any]) -> tuple[str, int]:
    """Render the document as it would be sent, without saving anything; return its hash and page count."""
    from datetime import date

    from ..conversion import get_converter
    from ..documents.context import form_context
    from ..documents.pages import CachedPdf, page_count
    from ..rendering import render_docx

    trust = current_user.trust
    resolved = resolve_fields(spec, fields, trust.profile, date.today())
    with db.session.no_autoflush:
        document = Document(trust=trust, kind=spec.name, title=f"{spec.title} (preview)", state="preparing",
                            author_name=current_user.name, author_email=current_user.email, current_version=1,
                            pair_key=ops.pair_key(supervisor, supervisees), school=resolved.get("school", ""))
        document.id = 0
        people = ([("supervisor", supervisor)] if supervisor else []) + [("supervisee", p) for p in supervisees]
        document.parties = [Party(role=r, name=p.name, email=p.email, position=i) for i, (r, p) in enumerate(people)]
        version = DocumentVersion(number=1, fields=resolved)
        version.id = 0
        context = form_context(document, version, final=False)
    template = Path(current_app.config["TEMPLATES_DIR"]) / trust.template_for(spec.name)
    pdf = get_converter(current_app).convert_docx_to_pdf(render_docx(template, context))
    digest = hashlib.sha256(pdf).hexdigest()
    folder = Path(current_app.config["OUTPUT_DIR"]) / "cache" / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.pdf").write_bytes(pdf)
    session["previews"] = [*session.get("previews", [])[-9:], digest]
    return digest, page_count(CachedPdf(folder / f"{digest}.pdf", digest))


@bp.get("/preview/<digest>/<int:number>.png")
@login_required
def preview_page(digest: str, number: int) -> Response:
    """Return a page of a preview this person made (previews are theirs alone)."""
    from ..documents.pages import CachedPdf, page_count, page_png

    if digest not in session.get("previews", []):
        abort(404)
    path = Path(current_app.config["OUTPUT_DIR"]) / "cache" / "previews" / f"{digest}.pdf"
    if not path.exists():
        abort(404)
    pdf = CachedPdf(path, digest)
    if not 1 <= number <= page_count(pdf):
        abort(404)
    return send_file(BytesIO(page_png(pdf, number).read_bytes()), mimetype="image/png", max_age=0)


# --- trust settings (admin) ----------------------------------------------------------------------


@bp.get("/settings")
@login_required
def settings() -> str:
    """Show the trust's defaults, seal certificate, installed forms with their check, and staff."""
    if not current_user.is_admin:
        abort(403)
    from datetime import UTC, datetime

    from ..documents.kinds import example_context, required_variables
    from ..rendering.check import check_template
    from ..sealing import seal_key_for
    from .models import User

    trust = current_user.trust
    key = seal_key_for(trust)
    days_left = (key.not_after - datetime.now(UTC)).days
    forms = []
    for name, spec in KINDS.items():
        relative = trust.template_for(name)
        path = Path(current_app.config["TEMPLATES_DIR"]) / relative
        problems = check_template(path.read_bytes(), provided=example_context(spec, trust.profile),
                                  required=required_variables(spec)) if path.is_file() else ["missing"]
        forms.append({"kind": name, "path": relative, "own": name in trust.profile.get("templates", {}),
                      "problems": [str(p) for p in problems]})
    staff = db.session.scalars(select(User).where(User.trust_id == trust.id).order_by(User.name)).all()
    return render_template("staff/settings.html", trust=trust, key=key, days_left=days_left, forms=forms,
                           staff=staff, defaults=trust.defaults)

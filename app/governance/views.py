"""The records pages for trust admins: retention review and approval, holds, the log, exports, the audit report."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..staff import access
from ..staff.cli import record_leaving
from ..staff.models import User
from .audit_report import audit_report, report_pdf
from .charts import bar_chart
from .destruction import approve
from .export import ExportProblem, subject_access_zip
from .holds import HoldProblem, all_holds, place_hold, release_hold
from .log import destruction_log
from .models import Batch
from .retention import RetentionProblem, approval_mode, batches, retention_of, review, rules

bp = Blueprint("records", __name__, url_prefix="/staff/records")
admin_only = access.allowed(access.is_admin)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _batch(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None or batch.trust_id != current_user.trust_id:
        abort(404)
    return batch


@bp.get("/")
@admin_only
def retention() -> str:
    """Show the trust's retention rules, its batches and the form to review what has passed retention."""
    trust = current_user.trust
    return render_template("governance/retention.html", rules=rules(trust).values(), approval=approval_mode(trust),
                           batches=batches(trust.id), today=date.today(), problem=None)


@bp.post("/review")
@admin_only
def start_review() -> Any:
    """Batch what has passed retention (by the date given) for approval."""
    as_of = _day(request.form.get("as_of")) if request.form.get("as_of") else date.today()
    trust = current_user.trust
    if as_of is None:
        return render_template("governance/retention.html", rules=rules(trust).values(), approval=approval_mode(trust),
                               batches=batches(trust.id), today=date.today(),
                               problem="Enter the date as a real date, for example 2031-09-01"), 400
    batch = review(trust, as_of=as_of, actor=current_user.label, user_id=current_user.id)
    if batch is None:
        flash(f"Nothing has passed retention by {as_of:%d %B %Y}", "success")
        return redirect(url_for("records.retention"), code=303)
    return redirect(url_for("records.batch", batch_id=batch.id, made=1), code=303)


@bp.get("/batches/<int:batch_id>")
@admin_only
def batch(batch_id: int) -> str:
    """Show a batch's records and, while it awaits approval, the approval form."""
    found = _batch(batch_id)
    return render_template("governance/batch.html", batch=found, approval=approval_mode(found.trust),
                           problem=None, made=request.args.get("made") == "1")


@bp.post("/batches/<int:batch_id>/approve")
@admin_only
def approve_batch(batch_id: int) -> Any:
    """Destroy the batch's records, once confirmed by an admin allowed to approve it."""
    found = _batch(batch_id)
    try:
        approve(found.id, approver_email=current_user.email, confirmed=request.form.get("confirm") == "yes")
    except RetentionProblem as exc:
        db.session.rollback()
        return render_template("governance/batch.html", batch=_batch(batch_id), approval=approval_mode(found.trust),
                               problem=str(exc), made=False), 400
    return redirect(url_for("records.batch", batch_id=batch_id), code=303)


@bp.get("/log")
@admin_only
def log() -> str:
    """List every destroyed record of the trust."""
    return render_template("governance/log.html", items=destruction_log(current_user.trust_id))


@bp.get("/holds")
@admin_only
def holds() -> str:
    """List the trust's legal holds, with the form to place one."""
    return render_template("governance/holds.html", holds=all_holds(current_user.trust_id), problem=None, form={})


@bp.post("/holds")
@admin_only
def new_hold() -> Any:
    """Place a legal hold on a document, a person or a school."""
    form = request.form
    covers = form.get("covers", "")
    document = form.get("document", "").strip().removeprefix("CS-").lstrip("0")
    try:
        hold = place_hold(
            current_user.trust,
            document_id=int(document) if covers == "document" and document.isdigit() else None,
            person=form.get("person") if covers == "person" else None,
            school=form.get("school") if covers == "school" else None,
            reason=form.get("reason", ""), actor=current_user.label)
    except HoldProblem as exc:
        return render_template("governance/holds.html", holds=all_holds(current_user.trust_id), problem=str(exc),
                               form=form), 400
    flash(f"Hold {hold.id} placed on {hold.covers}", "success")
    return redirect(url_for("records.holds"), code=303)


@bp.post("/holds/<int:hold_id>/release")
@admin_only
def release(hold_id: int) -> Any:
    """Release a legal hold, saying why."""
    try:
        hold = release_hold(hold_id, reason=request.form.get("reason", ""), actor=current_user.label,
                            trust_id=current_user.trust_id)
    except HoldProblem as exc:
        if str(exc) == f"no hold {hold_id}":
            abort(404)
        flash(str(exc), "important")
        return redirect(url_for("records.holds"), code=303)
    flash(f"Hold {hold.id} on {hold.covers} released", "success")
    return redirect(url_for("records.holds"), code=303)


@bp.get("/staff")
@admin_only
def staff() -> str:
    """List the trust's staff with the day each left, to record leaving dates."""
    people = db.session.scalars(select(User).where(User.trust_id == current_user.trust_id).order_by(User.name))
    return render_template("governance/staff.html", people=list(people))


@bp.post("/staff/<int:user_id>/left")
@admin_only
def left(user_id: int) -> Any:
    """Record the day a member of staff left (blank: they have not)."""
    person = db.session.get(User, user_id)
    if person is None or person.trust_id != current_user.trust_id:
        abort(404)
    day = _day(request.form.get("left_on"))
    if request.form.get("left_on") and day is None:
        flash("Enter the leaving date as a real date", "important")
        return redirect(url_for("records.staff"), code=303)
    record_leaving(person.email, on=day, actor=current_user.label, trust_id=current_user.trust_id)
    flash(f"{person.name}: leaving date {day:%d %B %Y} recorded" if day else f"{person.name}: no leaving date", "success")
    return redirect(url_for("records.staff"), code=303)


@bp.get("/export")
@admin_only
def export_form() -> str:
    """Show the subject access export form."""
    return render_template("governance/export.html", problem=None, email="")


@bp.post("/export")
@admin_only
def export() -> Response | tuple[str, int]:
    """Build and send the zip of everything about one person (logged)."""
    email = request.form.get("email", "")
    try:
        made = subject_access_zip(current_user.trust, email, actor=current_user.label)
    except ExportProblem as exc:
        return render_template("governance/export.html", problem=str(exc), email=email), 400
    return send_file(BytesIO(made.data), mimetype="application/zip", as_attachment=True,
                     download_name=f"subject-access-{email.strip().lower().replace('@', '-at-')}.zip")


@bp.get("/audit-report")
@admin_only
def report() -> str:
    """Show the trust's audit report for a year, each question with a chart and a table."""
    year = request.args.get("year", type=int) or date.today().year
    found = audit_report(current_user.trust, year)
    counted = [q for q in found.questions if q.answer != "text"]
    charts = {q.number: bar_chart(f"Question {q.number}, trust-wide", q.ordered(q.counts), chart_id=f"q{q.number}")
              for q in counted}
    school_charts = {
        (q.number, school): bar_chart(f"Question {q.number}, {school}", q.ordered(q.by_school.get(school, {})),
                                      chart_id=f"q{q.number}-s{index}")
        for q in counted for index, school in enumerate(found.schools)
    }
    return render_template("governance/audit_report.html", report=found, charts=charts, school_charts=school_charts)


@bp.get("/audit-report/<int:year>.pdf")
@admin_only
def report_as_pdf(year: int) -> Response:
    """Send the year's audit report as a PDF for the trust board."""
    data = report_pdf(audit_report(current_user.trust, year))
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{current_user.trust.slug}-audit-{year}.pdf")


@bp.app_template_global("retention_due")
def retention_due(document: Any) -> Any:
    """Return when a document's retention period ends (for pages that show it)."""
    return retention_of(document.trust, [document])[0]

"""What the create and revise pages share: the form page itself, its error summary, who takes part."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from ..documents.actions import Action
from ..documents.models import Document
from ..documents.people import Person, parse_person
from ..extensions import db
from ..kinds import FieldError, Kind, record_sections, terms_of
from ..offers import Offer, term_label
from . import access
from .forms import rows_in

# The buttons that post a form back with one more row of cases or actions, changing nothing else.
ADD_ROW = {"add-case": "case", "add-action": "action"}

# A problem with a list names the list; the summary links to its first field on the page.
_FIRST_FIELD = {"sections": "section-0", "cases": "case-0-reference", "actions": "action-0-what",
                "supervisee": "supervisees"}


def people_from_form(spec: Kind, form: Any) -> tuple[Person | None, list[Person]]:
    """Parse the supervisor and supervisees, listing problems in the order the fields appear."""
    problems = []
    supervisor = None
    if not spec.answered_online:
        if not form.get("supervisor", "").strip():
            problems.append("supervisor: Enter the supervisor's full name and email")
        else:
            try:
                supervisor = parse_person(form["supervisor"], "supervisor")
            except FieldError as exc:
                problems.append(f"supervisor: {_instruction(exc, 'the supervisor')}")
    label = "supervisee" if not spec.many_supervisees else "each supervisee"
    supervisees = []
    for number, line in enumerate(x for x in form.get("supervisees", "").splitlines() if x.strip()):
        try:
            supervisees.append(parse_person(line, "supervisees"))
        except FieldError as exc:
            problems.append(f"supervisees: {_instruction(exc, label)} (line {number + 1})")
    if not supervisees and not any(p.startswith("supervisees") for p in problems):
        problems.append("supervisees: Enter each supervisee's full name and email" if spec.many_supervisees
                        else "supervisees: Enter the supervisee's full name and email")
    if problems:
        raise FieldError(problems)
    return supervisor, supervisees


def _instruction(exc: FieldError, who: str) -> str:
    """Say how to write a person, or what is wrong with the name or address they were given."""
    reason = exc.problems[0].partition(": ")[2]
    if reason.startswith("the "):  # the name or the address itself is at fault: say which and why
        return f"Check {who}: {reason}"
    return f"Write {who} as Full Name <email@example.org>"


def errors_for(exc: FieldError) -> dict[str, str]:
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


def prefill(profile: dict[str, Any], contract: Document | None) -> dict[str, Any]:
    """Return a new document's starting values: the trust's terms, the person's school, a contract's parties."""
    values: dict[str, Any] = {f"term-{k}": v for k, v in terms_of(profile).items()}
    mine = access.school_options(current_user)
    values["school"] = mine[0][0] if len(mine) == 1 else ""
    if contract is not None:
        supervisor = next((p for p in contract.parties if p.role == "supervisor"), None)
        values["supervisor"] = f"{supervisor.name} <{supervisor.email}>" if supervisor else ""
        values["supervisees"] = "\n".join(f"{p.name} <{p.email}>" for p in contract.parties if p.role == "supervisee")
        values["school"] = contract.school
    return values


def form_page(template: str, spec: Kind, profile: dict[str, Any], values: Any, errors: dict[str, str], offer: Offer,
              status: int = 200, **extra: Any) -> tuple[str, int]:
    """Render a create or revise page with its values and error summary, asking for what offer says."""
    open_actions: list[Action] = []
    if offer.has("done_actions"):
        open_actions = list(db.session.scalars(
            select(Action).where(Action.trust_id == current_user.trust_id, Action.done_at.is_(None),
                                 Action.source_document_id.in_(access.visible(current_user, select(Document.id))))
        ))
    terms = terms_of(profile)
    errors = {f"term-{k}" if k in terms else k: v for k, v in errors.items()}
    rows = {which: rows_in(values, which) for which in ("case", "action")}
    adding = ADD_ROW.get(str(values.get("action", "")))
    if adding:
        rows[adding] = min(rows[adding] + 1, 200)
    done = values.getlist("done_actions") if hasattr(values, "getlist") else values.get("done_actions", [])
    return render_template(
        template, spec=spec, profile=profile, values=values, errors=errors, offer=offer,
        terms={k: terms[k] for k in offer.terms}, sections=record_sections(profile),
        case_rows=range(rows["case"]), action_rows=range(rows["action"]), open_actions=open_actions,
        done_checked={str(v) for v in done}, term_labels={k: term_label(profile, k) for k in offer.terms},
        school_options=access.school_options(current_user), **extra,
    ), status

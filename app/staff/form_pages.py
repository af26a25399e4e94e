"""What the create and revise pages share: the form page itself, its error summary, who takes part."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from ..documents.actions import Action
from ..documents.models import Document
from ..documents.people import Person
from ..extensions import db
from ..kinds import FieldError, Kind, record_sections, terms_of
from ..offers import Offer, term_label
from . import access
from .forms import rows_in
from .parties import SEARCH_ACTIONS, given_ids, prefilled_people, staff_choices

# The buttons that post a form back with one more row of cases or actions, changing nothing else.
ADD_ROW = {"add-case": "case", "add-action": "action"}

# A problem with a list names the list; the summary links to its first field on the page.
_FIRST_FIELD = {"sections": "section-0", "cases": "case-0-reference", "actions": "action-0-what",
                "supervisee": "supervisees"}
# Already an instruction to the person filling in the form: shown as given.
_INSTRUCTIONS = {"supervisor", "supervisees", "external_name", "external_email"}


def errors_for(exc: FieldError) -> dict[str, str]:
    """Map each problem to the id of the field it is about, for the error summary's links."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name, _, message = problem.partition(": ")
        key = name.strip("' ") if message and " " not in name else "form"
        key = _FIRST_FIELD.get(key, key)
        if key in _INSTRUCTIONS:
            errors.setdefault(key, message)
        else:
            errors.setdefault(key, problem if key == "form" else f"{name.replace('_', ' ').capitalize()}: {message}")
    return errors


def prefill(profile: dict[str, Any], contract: Document | None) -> dict[str, Any]:
    """Return a new document's starting values: the trust's terms, the person's school, a contract's parties."""
    values: dict[str, Any] = {f"term-{k}": v for k, v in terms_of(profile).items()}
    mine = access.school_options(current_user)
    values["school"] = mine[0][0] if len(mine) == 1 else ""
    if contract is not None:
        supervisor = next((Person(p.name, p.email) for p in contract.parties if p.role == "supervisor"), None)
        supervisees = [Person(p.name, p.email) for p in contract.parties if p.role == "supervisee"]
        values |= prefilled_people(current_user, supervisor, supervisees)
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
        school_options=access.school_options(current_user), **_people_choices(values), **extra,
    ), status


def _people_choices(values: Any) -> dict[str, Any]:
    """Return the staff each party list offers, narrowed by its search box (kept when the form comes back)."""
    choices: dict[str, Any] = {}
    for field, search in (("supervisor", "supervisor_search"), ("supervisees", "supervisee_search")):
        picked = given_ids(values, field)
        choices[f"{field}_choices"] = staff_choices(current_user.trust_id, str(values.get(search, "")), picked)
        choices[f"{field}_picked"] = {str(i) for i in picked}
    choices["searched"] = SEARCH_ACTIONS.get(str(values.get("action", "")))
    return choices

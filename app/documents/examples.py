"""Example people and fields for each kind: the demo data, the gallery and the form tests use them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..trusts.models import Trust
from .answers import answer_audit
from .create import create_document
from .links import link_url
from .models import Link, LinkPurpose
from .people import Person, Request

SUPERVISOR = ("Alex Morgan", "alex.morgan@example.org")
SUPERVISEES = (("Sam O'Brien", "sam.obrien@example.org"), ("Ria Shah", "ria.shah@example.org"))


def example_people(kind_name: str) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """Return the supervisor and supervisees an example of the kind has."""
    many = kind_name in {"group-contract", "record", "agenda"}
    supervisees = list(SUPERVISEES if many else SUPERVISEES[:1])
    return (None if kind_name == "audit" else SUPERVISOR), supervisees


def example_fields(kind_name: str, profile: dict[str, Any]) -> dict[str, Any]:
    """Return a complete set of example fields for a kind, for the given trust profile."""
    common = {"school": "Oakfield Primary School", "supervisor_position": "Regional Safeguarding Lead",
              "supervisee_position": "Designated Safeguarding Lead"}
    contract = {"agreed_date": "2026-09-01", "supervisee_expectations": "Time to reflect on complex cases.",
                "other_agreements": "Sessions may move online during snow closures."}
    by_kind: dict[str, dict[str, Any]] = {
        "contract": contract,
        "group-contract": contract,
        "clinical-contract": contract | {
            "supervisor_line_manager": "Jo Bloggs", "supervisor_role_and_base": "Clinical lead, Trust office",
            "supervisee_line_manager": "Pat Lee", "supervisee_role_and_base": "Play therapist, Oakfield Primary",
            "supervision_model": "One-to-one reflective supervision",
            "supervisee_responsibilities": "Bringing cases with a clear question.",
            "supervisee_preparation": "Reading the last record and noting new concerns.",
            "supervisor_commitments": "Keeping my own supervision up to date.",
            "records_kept": "A record of each session and its actions.",
            "records_stored": "In the trust's Countersign account.",
            "records_access": "Ask the supervisor, who will agree access with the DSL.",
        },
        "agenda": {"session_date": "2026-10-14", "session_time": "15:30", "extra_items": ["Ofsted readiness"]},
        "record": {
            "session_date": "2026-10-14",
            "next_session_date": "2026-11-25",
            "agenda_items": ["Review of actions", "Case discussion", "Wellbeing"],
            "sections": [{"title": t, "text": f"Notes under {t.lower()}."}
                         for t in profile.get("record", {}).get("sections", [])],
            "cases": [{"reference": "J.S. / CPOMS 4471", "discussion": "Attendance falling since September.",
                       "advice": "Consider an early help assessment.", "actions": "Refer to early help."}],
            "actions": [{"what": "Make early help referral", "who": "Sam O'Brien", "due": "2026-10-28"}],
        },
        "case-proforma": {"session_date": "2026-10-14", "case_reference": "J.S. / CPOMS 4471",
                          "case_background": "Attendance falling since September; new partner at home.",
                          "case_advice": "Consider an early help assessment.",
                          "case_actions": "Refer to early help by 28 October."},
        "audit": {},
    }
    return common | by_kind[kind_name]


def example_answers(profile: dict[str, Any]) -> list[dict[str, str]]:
    """Return an answer for each of the trust's audit questions."""
    answers = []
    for number, question in enumerate(profile.get("audit", {}).get("questions", []), start=1):
        answer = {"yes_no": "Yes", "number": "6"}.get(question["answer"], f"Answer to question {number}.")
        answers.append({"answer": answer, "comments": f"Comment on question {number}." if question.get("comments") else ""})
    return answers


def create_example(slug: str, kind_name: str) -> int:
    """Create an example document of a kind for a trust (answering an audit too); return its id."""
    profile = db.session.scalar(select(Trust.profile).where(Trust.slug == slug))
    supervisor, supervisees = example_people(kind_name)
    document = create_document(
        trust_slug=slug,
        kind_name=kind_name,
        supervisor=Person(*supervisor) if supervisor else None,
        supervisees=[Person(*p) for p in supervisees],
        fields=example_fields(kind_name, profile),
    )
    if kind_name == "audit":
        link = db.session.scalar(select(Link).where(Link.purpose == LinkPurpose.ANSWER, Link.version.has(document_id=document.id)))
        token = link_url(link.id).rsplit("/", 1)[1]
        answer_audit(token, answers=example_answers(profile), respondent_name=supervisees[0][0], request=Request())
    return document.id

"""What a document's Word form receives, and the evidence printed on the sealed copy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..kinds import kind, record_sections
from ..rendering import Evidence, EvidenceParty, uk_time
from .actions import open_actions_for
from .models import Answer, Decision, Document, DocumentVersion, Link, LinkPurpose, Party
from .queries import latest_of_pair, long_date
from .states import State

UNKNOWN = "—"
UK = ZoneInfo("Europe/London")




def page_time(value: datetime) -> str:
    """Format a moment as people in England read it: 1 December 2026 at 10:15 GMT (or BST in summer)."""
    local = value.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M} {local:%Z}"


def timestamp(value: datetime | None) -> str:
    """Format a moment for the evidence page: UK time with its offset, then UTC, to the second."""
    return uk_time(value)


def agreements(version: DocumentVersion) -> dict[int, Answer]:
    """Return each party's agreement to version, by party id."""
    rows = db.session.scalars(
        select(Answer).where(Answer.version_id == version.id, Answer.decision == Decision.AGREED)
    )
    return {a.party_id: a for a in rows}


def form_context(
    document: Document, version: DocumentVersion, *, final: bool, markers: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """Return what the form receives (docs/templates.md); the final copy carries each agreement.

    markers, by party id, fill the signature places that preparation finds in the PDF.
    """
    spec = kind(document.kind)
    fields = version.fields
    agreed = agreements(version) if final else {}
    supervisor = next((p for p in document.parties if p.role == "supervisor"), None)
    supervisees = [p for p in document.parties if p.role == "supervisee"]

    def person(party: Party, prefix: str, first: bool) -> dict[str, str]:
        found = {"name": party.name, "email": party.email, "position": fields.get(f"{prefix}_position", "") if first else ""}
        if spec.name == "clinical-contract":
            found["line_manager"] = fields.get(f"{prefix}_line_manager", "")
            found["role_and_base"] = fields.get(f"{prefix}_role_and_base", "")
        return found

    def signed(party: Party | None) -> dict[str, str]:
        answer = agreed.get(party.id) if party else None
        place = (markers or {}).get(party.id, "") if party else ""
        if answer:
            return {"name": party.name, "date": long_date(answer.answered_at), "place": place}
        return {"name": "", "date": "", "place": place}

    people = [person(p, "supervisee", i == 0) for i, p in enumerate(supervisees)]
    context: dict[str, Any] = {
        "trust": {"name": document.trust.name},
        "document": {
            "title": document.title,
            "reference": f"{document.reference} v{version.number}",
            "kind": document.kind,
        },
        "school": fields.get("school", ""),
        "supervisor": person(supervisor, "supervisor", True) if supervisor else {"name": "", "email": "", "position": ""},
        "supervisee": people[0],
        "supervisees": people,
        "terms": dict(fields["terms"]),
        "signed": {
            "supervisor": signed(supervisor),
            "supervisee": signed(supervisees[0]),
            "supervisees": [signed(p) for p in supervisees],
        },
    }
    for f in spec.fields:
        if f.name in context or f.name in _PERSONAL:
            continue
        value = fields.get(f.name, "")
        context[f.name] = long_date(value) if f.type == "date" and value else value
    if "actions" in context:
        context["actions"] = [dict(a, due=long_date(a["due"]) if a["due"] else "", section=a.get("section", ""))
                              for a in context["actions"]]
    context.update(_kind_context(document, version, context))
    return context


_PERSONAL = {
    "supervisor_position", "supervisee_position", "supervisor_line_manager", "supervisee_line_manager",
    "supervisor_role_and_base", "supervisee_role_and_base",
}


def _kind_context(document: Document, version: DocumentVersion, context: dict[str, Any]) -> dict[str, Any]:
    fields = version.fields
    profile = document.trust.profile
    if document.kind == "agenda":
        return {
            "open_actions": [_action(a) for a in open_actions_for(document)],
            "standard_items": list(profile.get("agenda", {}).get("items", [])),
        }
    if document.kind == "record":
        done = set(fields.get("done_actions", []))
        roles = [{"name": p.name, "role": p.role_label} for p in document.parties]
        prompts = {s["title"]: s["prompt"] for s in record_sections(profile)}
        actions = context.get("actions", [])
        return {
            "sections": [dict(s, prompt=prompts.get(s["title"], ""),
                              actions=[a for a in actions if a.get("section") == s["title"]])
                         for s in fields.get("sections", [])],
            "agenda_items": list(fields.get("agenda_items") or _session_agenda(document)),
            "attendees": roles,
            "open_actions": [dict(_action(a), done="Yes" if a.id in done else "No")
                             for a in open_actions_for(document, include_done_by=document.id)],
            "has_actions_table": bool(profile.get("record", {}).get("actions_table", True)),
        }
    if document.kind == "case-proforma":
        return {"case": {k: fields.get(f"case_{k}", "") for k in ("reference", "background", "advice", "actions")}}
    if document.kind == "audit":
        answers = fields.get("answers", [])
        questions = profile.get("audit", {}).get("questions", [])
        return {
            "answered_date": long_date(fields["answered_date"]) if fields.get("answered_date") else "",
            "questions": [
                {
                    "number": number,
                    "text": q["text"],
                    "answer_type": q["answer"],
                    "has_comments": bool(q.get("comments", False)),
                    "answer": answers[number - 1]["answer"] if number <= len(answers) else "",
                    "comments": answers[number - 1]["comments"] if number <= len(answers) else "",
                }
                for number, q in enumerate(questions, start=1)
            ],
        }
    return {}


def _session_agenda(document: Document) -> list[str]:
    """Return the items of the agenda this pair was last sent, for a record that gives none."""
    agenda = latest_of_pair(document.trust_id, document.pair_key, "agenda", State.ISSUED)
    if agenda is None:
        return []
    items = agenda.trust.profile.get("agenda", {}).get("items", [])
    return [*items, *agenda.version.fields.get("extra_items", [])]


def _action(action: Any) -> dict[str, Any]:
    return {"id": action.id, "what": action.what, "who": action.who, "due": long_date(action.due) if action.due else ""}


def evidence(
    document: Document,
    version: DocumentVersion,
    *,
    audit_head: str,
    verify_url: str,
    sealed_at: datetime,
    seal_fingerprint: str = "",
) -> Evidence:
    """Return the evidence page's content for a fully agreed version."""
    agreed = agreements(version)
    times = _link_times(version)
    parties = [_party(p, agreed[p.id], *times.get(p.id, (None, None))) for p in document.parties if p.id in agreed]
    assert version.pdf_file is not None
    return Evidence(
        title=document.title,
        document_id=document.reference,
        version=version.number,
        trust_name=document.trust.name,
        parties=parties,
        agreed_sha256=version.pdf_file.sha256,
        audit_head=audit_head,
        verify_url=verify_url,
        sealed_at=timestamp(sealed_at),
        seal_fingerprint=seal_fingerprint,
    )


def _link_times(version: DocumentVersion) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Return, per party, when a link to version was first sent and first viewed."""
    rows = db.session.execute(
        select(Link.party_id, func.min(Link.created_at), func.min(Link.first_viewed_at))
        .where(Link.version_id == version.id, Link.purpose == LinkPurpose.AGREE)
        .group_by(Link.party_id)
    )
    return {party_id: (sent, viewed) for party_id, sent, viewed in rows}


def _party(party: Party, answer: Answer, sent: datetime | None, viewed: datetime | None) -> EvidenceParty:
    return EvidenceParty(
        name=party.name,
        email=party.email,
        role=party.role_label,
        sent_at=timestamp(sent),
        first_viewed_at=timestamp(viewed),
        agreed_at=timestamp(answer.answered_at),
        ip=answer.ip or UNKNOWN,
        user_agent=answer.user_agent or UNKNOWN,
        statement=answer.statement or UNKNOWN,
    )

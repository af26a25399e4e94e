"""The generic forms serve any trust: everything trust-specific arrives as a variable."""

from __future__ import annotations

import copy
import io
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.table import Table

from app.rendering import render_docx

from ..rendering.support import all_text, paragraphs, texts

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "document_templates"
GENERIC = TEMPLATES / "forms" / "generic"
KINDS = ("contract", "group-contract", "clinical-contract", "agenda", "record", "case-proforma", "audit")
ANONYMISED_NOTE = "Use an anonymised case reference (initials or case-system id), never a child's name"
# A trust that states only the three terms every trust has.
MINIMAL_TERMS = {
    "frequency": "every four weeks",
    "session_length": "one hour",
    "venue": "the meeting room by reception",
}
OPTIONAL_LABELS = {
    "preparation": "Preparation: ",
    "cancellation": "Cancellation or postponement: ",
    "escalation": "If a disagreement cannot be resolved: ",
    "confidentiality": "Confidentiality and its limits: ",
    "record_keeping": "Notes and agreed actions: ",
    "case_decisions": "Decisions on individual cases: ",
}


# --- Example contexts, one per kind, as docs/templates.md describes them --------------------------


def load_profile(slug: str) -> dict[str, Any]:
    return tomllib.loads((TEMPLATES / "trusts" / f"{slug}.toml").read_text(encoding="utf-8"))


def form_path(profile: dict[str, Any], kind: str) -> Path:
    """The trust's own form for kind, or the generic one."""
    relative = profile.get("templates", {}).get(kind)
    return TEMPLATES / relative if relative else GENERIC / f"{kind}.docx"


def context(kind: str, profile: dict[str, Any], *, signed: bool = False, **overrides: Any) -> dict[str, Any]:
    """Return a complete context for kind, terms from the profile; overrides replace keys."""
    terms = {k: v for k, v in profile["defaults"].items() if isinstance(v, str)}
    supervisor = {
        "name": "Alex Morgan",
        "email": "alex.morgan@example.org",
        "position": "Regional Safeguarding Lead",
    }
    supervisees = [
        {"name": "Sam Patel", "email": "sam.patel@example.org", "position": "Designated Safeguarding Lead"},
        {"name": "Jo O'Neill", "email": "jo.oneill@example.org", "position": "Deputy DSL"},
    ]
    if kind not in ("group-contract", "record", "agenda"):
        supervisees = supervisees[:1]
    if kind == "clinical-contract":
        supervisor |= {"line_manager": "Chris Lane", "role_and_base": "Clinical supervisor, Trust office"}
        supervisees[0] |= {"line_manager": "Pat Green", "role_and_base": "Play therapist, Oakfield Primary"}
    dates = ("24 November 2026", "25 November 2026", "26 November 2026")
    signed_supervisees = [
        {"name": p["name"] if signed else "", "date": dates[i + 1] if signed else "", "place": ""}
        for i, p in enumerate(supervisees)
    ]
    value: dict[str, Any] = {
        "trust": {"name": profile["name"]},
        "document": {"title": f"Example {kind}", "reference": "CS-000123 v2", "kind": kind},
        "school": "Oakfield Primary School",
        "supervisor": supervisor,
        "supervisee": supervisees[0],
        "supervisees": supervisees,
        "terms": terms,
        "signed": {
            "supervisor": {"name": supervisor["name"] if signed else "", "date": dates[0] if signed else "", "place": ""},
            "supervisee": signed_supervisees[0],
            "supervisees": signed_supervisees,
        },
    }
    if kind in ("contract", "group-contract", "clinical-contract"):
        value |= {
            "agreed_date": "1 September 2026",
            "review_date": "1 September 2027",
            "supervisee_expectations": "Time to think through the harder cases",
            "confidentiality_discussed": "Yes",
            "other_agreements": "Sessions alternate between the two schools",
        }
    if kind == "clinical-contract":
        value |= {
            "supervision_model": "One-to-one reflective supervision",
            "supervisee_responsibilities": "bringing cases and reflecting on them",
            "supervisee_preparation": "reading the last notes",
            "supervisor_commitments": "Respond to urgent requests within a day",
            "records_kept": "Session notes and actions",
            "records_stored": "The trust's secure drive",
            "records_access": "Both parties, on request",
        }
    if kind == "agenda":
        value |= {
            "session_date": "14 October 2026",
            "session_time": "15:30",
            "venue": "Library meeting room",
            "open_actions": [
                {"what": "Chase the early help referral", "who": "Sam Patel", "due": "30 September 2026"},
                {"what": "Book LADO training", "who": "Alex Morgan", "due": "10 October 2026"},
            ],
            "extra_items": ["Attendance data for the autumn term", "New CPOMS categories"],
        }
    if kind == "record":
        titles = profile.get("record", {}).get("sections", ["Wellbeing", "Reflection"])
        value |= {
            "session_date": "14 October 2026",
            "next_session_date": "25 November 2026",
            "attendees": [
                {"name": supervisor["name"], "role": "Supervisor"},
                *({"name": p["name"], "role": "Supervisee"} for p in supervisees),
            ],
            "agenda_items": ["Welcome", "Review of last actions", "Case discussion"],
            "open_actions": [
                {
                    "what": "Chase the early help referral",
                    "who": "Sam Patel",
                    "due": "30 September 2026",
                    "done": "Yes",
                },
                {"what": "Book LADO training", "who": "Alex Morgan", "due": "10 October 2026", "done": "No"},
            ],
            "sections": [{"title": title, "text": f"Notes under {title.lower()}."} for title in titles],
            "cases": [
                {
                    "reference": "J.S. / CPOMS 4471",
                    "discussion": "Attendance has fallen since the half-term break.",
                    "advice": "Speak to the family support worker.",
                    "actions": "Arrange a TAF meeting",
                },
                {
                    "reference": "CPOMS 5120",
                    "discussion": "Disclosure made to a lunchtime supervisor.",
                    "advice": "Check the referral reached children's social care.",
                    "actions": "Confirm the MASH outcome",
                },
            ],
            "actions": [
                {"what": "Update the safeguarding log", "who": "Sam Patel", "due": "21 October 2026"},
                {"what": "Share the new referral form", "who": "Alex Morgan", "due": "28 October 2026"},
            ],
            "has_actions_table": bool(profile.get("record", {}).get("actions_table", True)),
        }
    if kind == "case-proforma":
        value |= {
            "session_date": "14 October 2026",
            "case": {
                "reference": "J.S. / CPOMS 4471",
                "background": "Attendance has fallen since the half-term break.",
                "advice": "Speak to the family support worker.",
                "actions": "Arrange a TAF meeting",
            },
        }
    if kind == "audit":
        answers = {"yes_no": "Yes", "number": "4", "text": "More time between sessions"}
        questions = profile.get("audit", {}).get(
            "questions", [{"text": "Has supervision helped?", "answer": "yes_no", "comments": True}]
        )
        value |= {
            "answered_date": "2 July 2027",
            "respondent_name": "Sam Patel",
            "questions": [
                {
                    "number": str(number),
                    "text": q["text"],
                    "answer": answers[q["answer"]],
                    "comments": f"Comment {number}" if q.get("comments") else "",
                }
                for number, q in enumerate(questions, start=1)
            ],
        }
    value.update(overrides)
    return value


def minimal_profile() -> dict[str, Any]:
    """A trust that states only the terms every trust has, and nothing else."""
    return {
        "slug": "minimal",
        "name": "Minimal Learning Trust",
        "defaults": dict(MINIMAL_TERMS, review_period_months=12, link_expiry_days=14),
        "templates": {},
    }


# --- Reading a rendered form --------------------------------------------------------------------------


def tables(docx: bytes) -> list[Table]:
    """Every table, nested ones included, in document order."""
    found: list[Table] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, Table):
                found.append(block)
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)

    walk(Document(io.BytesIO(docx)))
    return found


def rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def styled(docx: bytes, style: str) -> list[str]:
    return [p.text for p in paragraphs(docx) if p.style is not None and p.style.name == style]


def assert_no_tags(docx: bytes) -> None:
    text = all_text(docx)
    for marker in ("{{", "}}", "{%", "%}"):
        assert marker not in text


def assert_all_present(docx: bytes, values: list[str]) -> None:
    text = all_text(docx)
    missing = [v for v in values if v not in text]
    assert not missing, missing


def leaves(value: Any) -> list[str]:
    """Every string in a nested context value."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    return [value] if isinstance(value, str) and value else []


def render(kind: str, profile: dict[str, Any], **kwargs: Any) -> bytes:
    return render_docx(GENERIC / f"{kind}.docx", context(kind, profile, **kwargs))


# --- The forms carry no trust's wording ---------------------------------------------------------------


def every_profile() -> list[dict[str, Any]]:
    return [
        tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((TEMPLATES / "trusts").glob("*.toml"))
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_generic_form_holds_no_trust_name_or_term(kind: str) -> None:
    with zipfile.ZipFile(GENERIC / f"{kind}.docx") as package:
        xml = " ".join(
            package.read(name).decode("utf-8") for name in package.namelist() if name.startswith("word/")
        )
    for profile in every_profile():
        assert profile["name"] not in xml
        for key, value in profile["defaults"].items():
            if isinstance(value, str):
                assert value.splitlines()[0][:40] not in xml, (profile["slug"], key)
    for word in ("Mercia", "Inspire", "Farrington", "River Tees", "SEM Office", "half term"):
        assert word not in xml


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("slug", ["heart-of-mercia", "minimal"])
@pytest.mark.parametrize("signed", [False, True])
def test_every_kind_renders_for_any_trust_and_leaves_no_tag(kind: str, slug: str, signed: bool) -> None:
    profile = minimal_profile() if slug == "minimal" else load_profile(slug)
    docx = render(kind, profile, signed=signed)
    assert_no_tags(docx)
    section = Document(io.BytesIO(docx)).sections[0]
    assert section.header.paragraphs[0].text == profile["name"]
    assert "CS-000123 v2" in section.footer.paragraphs[0].text
    assert ("Agreed electronically" in all_text(docx)) is (
        signed and kind != "agenda"
    )  # nobody agrees an agenda


# --- Contracts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["contract", "group-contract", "clinical-contract"])
def test_a_contract_prints_the_trusts_terms_as_a_bulleted_list(kind: str) -> None:
    profile = load_profile("heart-of-mercia")
    terms = profile["defaults"]
    bullets = styled(render(kind, profile), "List Bullet")
    assert f"Frequency: {terms['frequency']}" in bullets
    assert f"Length of each session: {terms['session_length']}" in bullets
    assert f"Venue: {terms['venue']}" in bullets
    for key, label in OPTIONAL_LABELS.items():
        assert f"{label}{terms[key]}" in bullets


@pytest.mark.parametrize("kind", ["contract", "group-contract", "clinical-contract"])
def test_a_term_the_trust_does_not_state_is_left_out(kind: str) -> None:
    bullets = styled(render(kind, minimal_profile()), "List Bullet")
    assert "Frequency: every four weeks" in bullets
    assert "Length of each session: one hour" in bullets
    assert "Venue: the meeting room by reception" in bullets
    text = all_text(render(kind, minimal_profile()))
    for label in OPTIONAL_LABELS.values():
        assert label.strip() not in text


def test_the_contract_names_the_parties_dates_and_agreements() -> None:
    profile = load_profile("heart-of-mercia")
    ctx = context("contract", profile, signed=True)
    docx = render_docx(GENERIC / "contract.docx", ctx)
    found = tables(docx)
    assert rows(found[0]) == [
        ["Role", "Name", "Role or position"],
        ["Supervisor", "Alex Morgan", "Regional Safeguarding Lead"],
        ["Supervisee", "Sam Patel", "Designated Safeguarding Lead"],
        ["School", "Oakfield Primary School", "Oakfield Primary School"],
    ]
    # The section's heading is the table's header row (its one cell spans both columns).
    assert rows(found[1]) == [["Dates", "Dates"], ["Agreed date", "1 September 2026"],
                              ["Review date", "1 September 2027"]]
    assert "Dates" in styled(docx, "Heading 2")
    assert rows(found[-1]) == [
        ["Name", "Role", "Signature", "Date agreed"],
        ["Alex Morgan", "Supervisor", "Alex Morgan\nAgreed electronically", "24 November 2026"],
        ["Sam Patel", "Supervisee", "Sam Patel\nAgreed electronically", "25 November 2026"],
    ]
    lines = texts(docx)
    assert "Confidentiality and its limitations discussed and agreed: Yes" in lines
    assert "Time to think through the harder cases" in lines
    assert "Sessions alternate between the two schools" in lines
    assert "Supervision Contract" in lines and profile["name"] in lines


def test_optional_contract_fields_and_school_disappear_when_empty() -> None:
    ctx = context("contract", minimal_profile(), school="", supervisee_expectations="", other_agreements="")
    docx = render_docx(GENERIC / "contract.docx", ctx)
    text = all_text(docx)
    assert "What the supervisee expects" not in text
    assert "Other areas of agreement" not in text
    assert "School" not in [row[0] for row in rows(tables(docx)[0])]


def test_the_group_contract_has_a_row_and_a_signature_per_supervisee() -> None:
    docx = render("group-contract", load_profile("heart-of-mercia"), signed=True)
    found = tables(docx)
    assert [row[:2] for row in rows(found[0])][1:4] == [
        ["Supervisor", "Alex Morgan"],
        ["Supervisee", "Sam Patel"],
        ["Supervisee", "Jo O'Neill"],
    ]
    assert rows(found[-1])[1:] == [
        ["Alex Morgan", "Supervisor", "Alex Morgan\nAgreed electronically", "24 November 2026"],
        ["Sam Patel", "Supervisee", "Sam Patel\nAgreed electronically", "25 November 2026"],
        ["Jo O'Neill", "Supervisee", "Jo O'Neill\nAgreed electronically", "26 November 2026"],
    ]
    assert "Group Supervision Contract" in texts(docx)


def test_the_clinical_contract_prints_every_field_it_receives() -> None:
    ctx = context("clinical-contract", load_profile("heart-of-mercia"), signed=True)
    docx = render_docx(GENERIC / "clinical-contract.docx", ctx)
    assert rows(tables(docx)[0])[:5] == [
        ["", "Supervisor", "Supervisee"],
        ["Name", "Alex Morgan", "Sam Patel"],
        ["Role and work base", "Clinical supervisor, Trust office", "Play therapist, Oakfield Primary"],
        ["Line manager", "Chris Lane", "Pat Green"],
        ["Email", "alex.morgan@example.org", "sam.patel@example.org"],
    ]
    bullets = styled(docx, "List Bullet")
    assert "Take responsibility for: bringing cases and reflecting on them" in bullets
    assert "Prepare for sessions by: reading the last notes" in bullets
    people = [ctx["supervisor"], ctx["supervisee"]]
    shown = [v for p in people for k, v in p.items() if k != "position"]  # role and base replaces position
    fields = [v for k, v in ctx.items() if isinstance(v, str) and k != "school"]
    assert_all_present(docx, shown + fields + ["Oakfield Primary School"])


# --- Agenda ------------------------------------------------------------------------------------------


def test_the_agenda_lists_the_items_with_open_actions_and_added_items() -> None:
    docx = render("agenda", load_profile("heart-of-mercia"))
    assert styled(docx, "List Number") == [
        "Welcome and check-in",
        "Review of actions from last meeting",
        "Case discussion",
        "Reflection",
        "Wellbeing and support",
        "Professional development and training",
        "Attendance data for the autumn term",
        "New CPOMS categories",
        "Any other business",
        "Date of next session",
    ]
    assert styled(docx, "List Bullet 2") == [
        "Chase the early help referral — Sam Patel — 30 September 2026",
        "Book LADO training — Alex Morgan — 10 October 2026",
    ]
    assert rows(tables(docx)[0]) == [
        ["Session", "Session"],
        ["Date", "14 October 2026"],
        ["Time", "15:30"],
        ["Venue", "Library meeting room"],
        ["Supervisor", "Alex Morgan"],
        ["Supervisee(s)", "Sam Patel, Jo O'Neill"],
    ]


def test_an_agenda_without_time_actions_or_added_items_shows_only_the_standard_items() -> None:
    docx = render("agenda", minimal_profile(), session_time="", open_actions=[], extra_items=[])
    assert len(styled(docx, "List Number")) == 8
    assert styled(docx, "List Bullet 2") == []
    assert "Time" not in [row[0] for row in rows(tables(docx)[0])]


# --- Record ------------------------------------------------------------------------------------------


def test_the_record_prints_header_review_sections_cases_actions_and_agreement() -> None:
    profile = load_profile("heart-of-mercia")
    ctx = context("record", profile, signed=True)
    docx = render_docx(GENERIC / "record.docx", ctx)
    lines = texts(docx)
    caption, *header = rows(tables(docx)[0])
    assert caption == ["Session", "Session"]
    assert header[0] == ["Date of supervision", "14 October 2026"]
    assert header[1] == ["Date of next supervision", "25 November 2026"]
    assert header[2] == [
        "Attendees",
        "Alex Morgan, Supervisor\nSam Patel, Supervisee\nJo O'Neill, Supervisee",
    ]
    assert header[3] == ["Agenda", "1. Welcome\n2. Review of last actions\n3. Case discussion"]
    assert "Review of actions from last meeting" in lines
    assert rows(tables(docx)[1]) == [
        ["Action", "By whom", "By when", "Done"],
        ["Chase the early help referral", "Sam Patel", "30 September 2026", "Yes"],
        ["Book LADO training", "Alex Morgan", "10 October 2026", "No"],
    ]
    headings = styled(docx, "Heading 2")
    for section in ctx["sections"]:
        assert section["title"] in headings and section["text"] in lines
    assert all_text(docx).count(ANONYMISED_NOTE) == len(ctx["cases"])
    assert rows(tables(docx)[-2]) == [
        ["Action", "By whom", "By when"],
        ["Update the safeguarding log", "Sam Patel", "21 October 2026"],
        ["Share the new referral form", "Alex Morgan", "28 October 2026"],
    ]
    assert rows(tables(docx)[-1])[1:] == [
        ["Alex Morgan", "Supervisor", "Alex Morgan\nAgreed electronically", "24 November 2026"],
        ["Sam Patel", "Supervisee", "Sam Patel\nAgreed electronically", "25 November 2026"],
        ["Jo O'Neill", "Supervisee", "Jo O'Neill\nAgreed electronically", "26 November 2026"],
    ]
    kind_values = [
        s for key in ("attendees", "agenda_items", "sections", "cases", "actions") for s in leaves(ctx[key])
    ]
    assert_all_present(docx, kind_values)


def test_each_case_prints_its_reference_beside_the_anonymised_reference_note() -> None:
    ctx = context("record", load_profile("heart-of-mercia"))
    docx = render_docx(GENERIC / "record.docx", ctx)
    cases = [rows(t) for t in tables(docx) if rows(t)[0][0].startswith("Case reference")]
    assert [c[0] for c in cases] == [
        [f"Case reference\n{ANONYMISED_NOTE}", case["reference"]] for case in ctx["cases"]
    ]
    assert [row[0] for row in cases[0][1:]] == ["Discussion", "Advice", "Actions"]


def test_a_trust_without_an_actions_table_gets_its_actions_as_a_list() -> None:
    docx = render("record", minimal_profile(), has_actions_table=False)
    assert "Update the safeguarding log — Sam Patel — 21 October 2026" in styled(docx, "List Bullet")
    assert ["Action", "By whom", "By when"] not in [rows(t)[0] for t in tables(docx)]


def test_an_empty_record_drops_what_was_not_given() -> None:
    docx = render(
        "record",
        minimal_profile(),
        next_session_date="",
        agenda_items=[],
        open_actions=[],
        cases=[],
        sections=[],
        actions=[],
    )
    text = all_text(docx)
    for absent in (
        "Date of next supervision",
        "Agenda",
        "Review of actions",
        "Cases discussed",
        ANONYMISED_NOTE,
    ):
        assert absent not in text
    assert_no_tags(docx)


# --- Case proforma and audit --------------------------------------------------------------------------


def test_the_case_proforma_prints_the_case_with_the_note_and_both_signatures() -> None:
    ctx = context("case-proforma", load_profile("heart-of-mercia"), signed=True)
    docx = render_docx(GENERIC / "case-proforma.docx", ctx)
    assert rows(tables(docx)[1]) == [
        [f"Case reference\n{ANONYMISED_NOTE}", "J.S. / CPOMS 4471"],
        ["Case to be discussed, including background", "Attendance has fallen since the half-term break."],
        ["Advice or guidance given", "Speak to the family support worker."],
        ["Actions to be taken", "Arrange a TAF meeting"],
    ]
    assert [r[0] for r in rows(tables(docx)[-1])[1:]] == ["Alex Morgan", "Sam Patel"]
    assert_all_present(docx, ["14 October 2026", "Oakfield Primary School", "Case Discussion Proforma"])


def test_the_audit_prints_each_question_with_its_answer_and_comments() -> None:
    profile = load_profile("heart-of-mercia")
    ctx = context("audit", profile, signed=True)
    docx = render_docx(GENERIC / "audit.docx", ctx)
    questions = [t for t in tables(docx) if rows(t)[0][0] == "No."][0]
    assert rows(questions) == [["No.", "Question", "Answer", "Comments"]] + [
        [q["number"], q["text"], q["answer"], q["comments"]] for q in ctx["questions"]
    ]
    assert rows(tables(docx)[-1])[1:] == [
        ["Sam Patel", "Supervisee", "Sam Patel\nAgreed electronically", "25 November 2026"]
    ]
    assert_all_present(docx, ["2 July 2027", "Sam Patel"])


def test_hostile_values_print_verbatim() -> None:
    hostile = "O'Brien <Head> & Co {_{ x }_}"
    ctx = context("record", minimal_profile())
    ctx = copy.deepcopy(ctx)
    ctx["sections"] = [{"title": hostile, "text": hostile}]
    ctx["cases"][0]["reference"] = hostile
    docx = render_docx(GENERIC / "record.docx", ctx)
    assert "O'Brien <Head> & Co {{ x }}" in texts(docx)

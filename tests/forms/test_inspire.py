"""Inspire Education Trust: its profile states its policy's terms; its agenda is section 8's checklist."""

from __future__ import annotations

from app.rendering import render_docx
from app.trusts.profiles import validate_profile

from ..rendering.support import all_text, texts
from .test_generic import (
    GENERIC,
    assert_all_present,
    assert_no_tags,
    context,
    form_path,
    load_profile,
    rows,
    styled,
    tables,
)

# Section 8, "Guidance notes for supervision (individual and group)", as printed.
SECTION_8_HEADING = "Guidance notes for supervision (individual and group)"
SECTION_8_INTRO = (
    "Each person in supervision will have their own style and approach: however, the following agenda is "
    "provided as a checklist to ensure that all core items are covered."
)
SECTION_8_OPENER = "Welcome and informal opener."
SECTION_8_CHECKLIST = [
    "Setting agenda – both parties to input.",
    "General offload and information sharing.",
    "Review notes and agreed actions from previous meeting.",
    "Specific case load issues discussed.",
    "Problem solving and finding solutions.",
    "Recognise and celebrate achievement.",
    "Job related resource and support needs.",
    "AOB.",
]
# Section 6's Issue / Response table, each cell as printed.
SECTION_6_CELLS = (
    "Behaviour or activities which bring the school into disrepute.",
    "Harm to self or others",
    "Illegal activity",
    "Actions of gross Misconduct",
    "Activities where child protection and vulnerable adult's policies apply",
    "There is a duty as an employee to report/action through the appropriate channels.",
    "Activities that may lead to disciplinary action being taken",
    "Actions relating to performance and capability regarding putting children's safety at risk",
    "Items would need to be reported via line management structures",
    "The information given by the supervisee will have significant impact on the organisation",
    "Items may need to be reported via line management structures",
)


def profile() -> dict:
    return load_profile("inspire")


# --- Profile -----------------------------------------------------------------------------------------


def test_profile_states_the_policys_terms_in_its_words() -> None:
    data = profile()
    assert data["slug"] == "inspire" and data["name"] == "Inspire Education Trust"
    defaults = data["defaults"]
    assert defaults["frequency"] == "at least once a half term"
    assert defaults["venue"] == "a private and uninterrupted space during the working day"
    assert defaults["record_keeping"].startswith(
        "It is the supervisor’s responsibility to take notes and make sure they are copied, circulated and "
        "filed. Both parties need to agree and sign that they are accurate. Records must be kept in a secure "
        "location."
    )
    assert "previous six months records" in defaults["record_keeping"]
    assert defaults["confidentiality"].startswith(
        "Issues discussed within a supervision session will ordinarily be confidential."
    )
    for cell in SECTION_6_CELLS:
        assert cell.rstrip(".") in defaults["confidentiality"]
    assert "CPOMS" in defaults["case_decisions"]
    assert "Review previous notes and agreed actions – ongoing between sessions;" in defaults["preparation"]
    assert (
        defaults["review_period_months"],
        defaults["link_expiry_days"],
        defaults["session_interval_days"],
    ) == (
        12,
        14,
        49,
    )


def test_profile_invents_no_term_the_policy_does_not_state_and_passes_the_app_loader() -> None:
    data = profile()
    assert "cancellation" not in data["defaults"] and "escalation" not in data["defaults"]
    assert validate_profile(data, GENERIC.parent.parent) == []


def test_profile_names_only_its_agenda_and_leaves_every_other_kind_to_the_generic_forms() -> None:
    templates = profile()["templates"]
    assert templates == {"agenda": "forms/inspire/agenda.docx"}
    assert form_path(profile(), "contract") == GENERIC / "contract.docx"
    assert profile()["agenda"]["items"] == [SECTION_8_OPENER, *SECTION_8_CHECKLIST]
    assert profile()["record"]["actions_table"] is True
    assert len(profile()["audit"]["questions"]) >= 5


# --- Section 8: Agenda ------------------------------------------------------------------------------


def test_the_agenda_is_section_8s_checklist_word_for_word() -> None:
    docx = render_docx(
        form_path(profile(), "agenda"), context("agenda", profile(), open_actions=[], extra_items=[])
    )
    lines = texts(docx)
    assert SECTION_8_HEADING in styled(docx, "Heading 1")
    assert lines.index(SECTION_8_INTRO) < lines.index(SECTION_8_OPENER)
    assert styled(docx, "List Bullet") == SECTION_8_CHECKLIST
    assert rows(tables(docx)[0]) == [
        ["Session", "Session"],
        ["Date:", "14 October 2026"],
        ["Time:", "15:30"],
        ["Venue:", "Library meeting room"],
        ["Supervisor:", "Alex Morgan"],
        ["Supervisee(s):", "Sam Patel, Jo O'Neill"],
    ]
    assert_no_tags(docx)


def test_open_actions_follow_their_review_and_added_items_come_before_aob() -> None:
    docx = render_docx(form_path(profile(), "agenda"), context("agenda", profile()))
    assert styled(docx, "List Bullet 2") == [
        "Chase the early help referral — Sam Patel — 30 September 2026",
        "Book LADO training — Alex Morgan — 10 October 2026",
    ]
    lines = texts(docx)
    review = lines.index("Review notes and agreed actions from previous meeting.")
    assert lines[review + 1].startswith("Chase the early help referral")
    assert styled(docx, "List Bullet")[-3:] == [
        "Attendance data for the autumn term",
        "New CPOMS categories",
        "AOB.",
    ]
    assert_no_tags(docx)


# --- The generic forms with Inspire's defaults ----------------------------------------------------------


def test_the_generic_contract_prints_inspires_terms_and_leaves_out_those_it_does_not_state() -> None:
    data = profile()
    docx = render_docx(form_path(data, "contract"), context("contract", data, signed=True))
    bullets = styled(docx, "List Bullet")
    assert "Frequency: at least once a half term" in bullets
    assert "Venue: a private and uninterrupted space during the working day" in bullets
    text = all_text(docx)
    for cell in SECTION_6_CELLS:
        assert cell.rstrip(".") in text
    assert "Cancellation" not in text and "disagreement" not in text
    assert "Inspire Education Trust" in text
    assert_no_tags(docx)


def test_the_generic_record_has_inspires_sections_and_an_actions_table() -> None:
    data = profile()
    ctx = context("record", data)
    docx = render_docx(form_path(data, "record"), ctx)
    assert [s for s in styled(docx, "Heading 2") if s in data["record"]["sections"]] == data["record"][
        "sections"
    ]
    assert ["Action", "By whom", "By when"] in [rows(t)[0] for t in tables(docx)]
    assert_all_present(docx, [s["text"] for s in ctx["sections"]])
    assert_no_tags(docx)


def test_the_generic_audit_asks_inspires_questions() -> None:
    data = profile()
    docx = render_docx(form_path(data, "audit"), context("audit", data))
    assert_all_present(docx, [q["text"] for q in data["audit"]["questions"]])
    assert_no_tags(docx)

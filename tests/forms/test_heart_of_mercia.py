"""Heart of Mercia's agenda, record and evaluation forms reproduce its policy's appendices B-D."""

from __future__ import annotations

import pytest

from app.rendering import render_docx
from app.trusts.profiles import validate_profile

from ..rendering.support import all_text, texts
from .test_generic import (
    ANONYMISED_NOTE,
    TEMPLATES,
    assert_all_present,
    assert_no_tags,
    context,
    form_path,
    leaves,
    load_profile,
    rows,
    styled,
    tables,
)

# Appendix B: Agenda, as printed: each heading with its numbered items.
APPENDIX_B = (
    ("Introduction:", ("1. Welcome", "2. Clarify roles and confidentiality", "3. Agreed expectations")),
    (
        "Specific case discussions (also placed on student's record where appropriate):",
        ("4. Review notes of previous meeting", "5. Share experience", "6. Reflections/feelings"),
    ),
    (
        "Reflection:",
        (
            "7. Analysis – celebrate success and good practice as well as consider what could be improved",
            "8. Action planning",
            "9. Impact of work on individuals professionally or personally and any additional support which "
            "may be necessary",
            "10. Professional practice issues e.g., new policies, quality of performance, safer working practice, "
            "professional boundaries, role within the academy",
        ),
    ),
    (
        "Development:",
        (
            "11. PD support and access to resources e.g., reflect on recent or forthcoming training development "
            "opportunities",
        ),
    ),
    ("Completion:", ("12. Any other business", "13. Date of next supervision")),
)
APPENDIX_B_ITEMS = [item for _, items in APPENDIX_B for item in items]
APPENDIX_C_TITLE = "Safeguarding Supervision Notes and Actions Template"
APPENDIX_C_COLUMNS = ["Item", "Notes", "Agreed Action", "By Whom", "By Date"]
APPENDIX_C_SIGNATURES = ["Name", "Role", "Signature", "Date Agreed"]
SECTION_7 = (
    "These arrangements will be reviewed annually to assess the impact, quality and value of the support."
)


def profile() -> dict:
    return load_profile("heart-of-mercia")


def render(kind: str, **kwargs: object) -> bytes:
    data = profile()
    return render_docx(form_path(data, kind), context(kind, data, **kwargs))


# --- Profile -----------------------------------------------------------------------------------------


def test_profile_names_the_new_forms_and_passes_the_app_loader() -> None:
    data = profile()
    assert validate_profile(data, TEMPLATES) == []
    assert data["templates"] == {
        "contract": "forms/heart-of-mercia/contract.docx",
        "agenda": "forms/heart-of-mercia/agenda.docx",
        "record": "forms/heart-of-mercia/record.docx",
        "audit": "forms/heart-of-mercia/audit.docx",
    }
    assert data["defaults"]["session_interval_days"] == 49
    assert data["record"]["actions_table"] is True
    assert data["record"]["sections"] and all(isinstance(s, str) and s for s in data["record"]["sections"])


def test_profile_agenda_items_are_appendix_b_in_order() -> None:
    assert [
        f"{n}. {item}" for n, item in enumerate(profile()["agenda"]["items"], start=1)
    ] == APPENDIX_B_ITEMS


def test_profile_audit_questions_cover_each_purpose_then_a_rating_and_improvements() -> None:
    questions = profile()["audit"]["questions"]
    assert len(questions) == 15  # thirteen purposes in section 2, a rating, what would improve
    assert all(
        q["answer"] in ("yes_no", "number", "text") and isinstance(q["comments"], bool) for q in questions
    )
    assert questions[0]["text"] == "Has supervision provided protected time to reflect on practice?"
    assert [q["answer"] for q in questions[-2:]] == ["number", "text"]
    assert questions[-1]["text"] == "What would improve supervision?"


# --- Appendix B: Agenda ----------------------------------------------------------------------------


def test_the_agenda_is_appendix_b_with_the_session_date_and_time() -> None:
    docx = render("agenda", open_actions=[], extra_items=[])
    table = rows(tables(docx)[0])
    assert table[0] == ["Safeguarding Supervision", "Safeguarding Supervision"]
    assert table[1] == ["Date:", "14 October 2026"]
    assert table[2] == ["Time:", "15:30"]
    assert [row[1] for row in table[3:]] == APPENDIX_B_ITEMS
    for heading, items in APPENDIX_B:  # each heading spans its items, as a merged cell
        assert [row[0] for row in table[3:] if row[1] in items] == [heading] * len(items)
    assert_no_tags(docx)


def test_open_actions_follow_item_4_and_added_items_come_before_the_date_of_next_supervision() -> None:
    docx = render("agenda")
    table = rows(tables(docx)[0])
    items = [row[1] for row in table[3:]]
    assert items[3] == (
        "4. Review notes of previous meeting\n"
        "Chase the early help referral — Sam Patel — 30 September 2026\n"
        "Book LADO training — Alex Morgan — 10 October 2026"
    )
    assert items[-4:] == [
        "12. Any other business",
        "Attendance data for the autumn term",
        "New CPOMS categories",
        "13. Date of next supervision",
    ]
    assert [row[0] for row in table[-4:]] == ["Completion:"] * 4
    assert_no_tags(docx)


def test_the_agenda_leaves_the_time_blank_when_none_is_given() -> None:
    table = rows(tables(render("agenda", session_time=""))[0])
    assert table[2] == ["Time:", ""]


# --- Appendix C: Notes and actions --------------------------------------------------------------------


def test_the_record_is_appendix_c_with_sections_cases_and_actions_as_rows() -> None:
    ctx = context("record", profile())
    docx = render_docx(form_path(profile(), "record"), ctx)
    assert APPENDIX_C_TITLE in texts(docx)
    notes = [t for t in tables(docx) if rows(t)[0] == APPENDIX_C_COLUMNS]
    assert len(notes) == 1
    body = rows(notes[0])[1:]
    sections = ctx["sections"]
    assert body[: len(sections)] == [[s["title"], s["text"], "", "", ""] for s in sections]
    cases = body[len(sections) : len(sections) + 2]
    assert cases == [
        [
            f"{case['reference']}\n{ANONYMISED_NOTE}",
            f"{case['discussion']}\nAdvice: {case['advice']}",
            case["actions"],
            "",
            "",
        ]
        for case in ctx["cases"]
    ]
    assert body[len(sections) + 2 :] == [["", "", a["what"], a["who"], a["due"]] for a in ctx["actions"]]


def test_the_anonymised_reference_note_stands_beside_every_case() -> None:
    docx = render("record")
    assert all_text(docx).count(ANONYMISED_NOTE) == 2
    assert ANONYMISED_NOTE not in all_text(render("record", cases=[]))


def test_the_record_header_carries_the_agenda_date_and_review_of_last_actions() -> None:
    docx = render("record")
    header = rows(tables(docx)[0])
    assert header == [
        ["Session", "Session"],
        ["Date of supervision:", "14 October 2026"],
        ["Attendees:", "Alex Morgan, Supervisor\nSam Patel, Supervisee\nJo O'Neill, Supervisee"],
        ["Agenda:", "1. Welcome\n2. Review of last actions\n3. Case discussion"],
        ["Date of next supervision:", "25 November 2026"],
    ]
    assert "Review of actions from last meeting" in texts(docx)
    assert rows(tables(docx)[1]) == [
        ["Agreed Action", "By Whom", "By Date", "Done"],
        ["Chase the early help referral", "Sam Patel", "30 September 2026", "Yes"],
        ["Book LADO training", "Alex Morgan", "10 October 2026", "No"],
    ]


def test_the_record_header_drops_what_was_not_given() -> None:
    docx = render("record", open_actions=[], agenda_items=[], next_session_date="")
    assert [row[0] for row in rows(tables(docx)[0])] == ["Session", "Date of supervision:", "Attendees:"]
    assert "Review of actions from last meeting" not in all_text(docx)
    assert_no_tags(docx)


@pytest.mark.parametrize("signed", [False, True])
def test_the_signature_table_has_a_row_per_supervisee_then_the_supervisor(signed: bool) -> None:
    docx = render("record", signed=signed)
    table = rows(tables(docx)[-1])
    assert table[0] == APPENDIX_C_SIGNATURES
    if signed:
        assert table[1:] == [
            ["Sam Patel", "Supervisee", "Sam Patel\nAgreed electronically", "25 November 2026"],
            ["Jo O'Neill", "Supervisee", "Jo O'Neill\nAgreed electronically", "26 November 2026"],
            ["Alex Morgan", "Supervisor", "Alex Morgan\nAgreed electronically", "24 November 2026"],
        ]
    else:
        assert table[1:] == [
            ["Sam Patel", "Supervisee", "", ""],
            ["Jo O'Neill", "Supervisee", "", ""],
            ["Alex Morgan", "Supervisor", "", ""],
        ]
    assert_no_tags(docx)


def test_every_value_of_the_record_appears() -> None:
    ctx = context("record", profile(), signed=True)
    docx = render_docx(form_path(profile(), "record"), ctx)
    keys = ("attendees", "agenda_items", "open_actions", "sections", "cases", "actions")
    assert_all_present(docx, [s for key in keys for s in leaves(ctx[key])] + ["14 October 2026"])


# --- Appendix D: Evaluation form ----------------------------------------------------------------------


def test_the_evaluation_form_asks_the_profiles_questions_with_answers_and_comments() -> None:
    ctx = context("audit", profile(), signed=True)
    docx = render_docx(form_path(profile(), "audit"), ctx)
    lines = texts(docx)
    assert "Safeguarding Supervision Evaluation Form" in lines and SECTION_7 in lines
    assert rows(tables(docx)[0]) == [["Answers", "Answers"], ["Name (optional):", "Sam Patel"],
                                     ["Date:", "2 July 2027"]]
    questions = rows(tables(docx)[1])
    assert questions[0] == ["No.", "Question", "Answer", "Comments"]
    assert questions[1:] == [[q["number"], q["text"], q["answer"], q["comments"]] for q in ctx["questions"]]
    assert [q["text"] for q in ctx["questions"]] == [q["text"] for q in profile()["audit"]["questions"]]
    assert rows(tables(docx)[-1])[1] == [
        "Sam Patel",
        "Supervisee",
        "Sam Patel\nAgreed electronically",
        "25 November 2026",
    ]
    assert_no_tags(docx)


def test_the_evaluation_form_works_without_a_name() -> None:
    docx = render("audit", respondent_name="")
    assert rows(tables(docx)[0])[1] == ["Name (optional):", ""]
    assert_no_tags(docx)


@pytest.mark.parametrize("kind", ["contract", "agenda", "record", "audit"])
def test_each_form_names_the_trust_in_its_header(kind: str) -> None:
    docx = render(kind)
    assert all_text(docx).count("The Heart of Mercia Academy Trust") >= 1
    assert_no_tags(docx)


def test_a_kind_without_its_own_form_uses_the_generic_one_with_the_trusts_terms() -> None:
    docx = render("group-contract")
    bullets = styled(docx, "List Bullet")
    assert "Frequency: each half term or sooner if requested" in bullets
    assert "Venue: SEM Office or other appropriate venue (including via Microsoft Teams)" in bullets

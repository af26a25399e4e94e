"""River Tees Multi-Academy Trust's forms reproduce its policy's Appendices 1 to 5."""

from __future__ import annotations

import copy
import io
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from lxml import etree

from app.rendering import render_docx
from app.trusts.profiles import ProfileError, read_profile

from ..rendering.support import all_text, assert_no_tags, body_rows, header_rows, paragraphs, part_xml, texts

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "document_templates"
PROFILE = TEMPLATES / "trusts" / "river-tees.toml"
CASE_NOTE = "Use an anonymised case reference (initials or case-system id), never a child's name"

# Appendix 2, the audit tool: each question word for word, the policy's spelling kept.
AUDIT_QUESTIONS = (
    "How many supervisions sessions have you had in the past year?",
    "How many families have you discussed?",
    "Did the length of time offered at each session meet your needs?",
    "Do you require extra sessions?",
    "Did you have the opportunity to discuss all the families that you are concerned about?",
    "Was any general safeguarding issues discussed during supervision session?",
    "Were your safeguarding training needs discussed, or were you directed to articles and research papers?",
    "Did your supervisor encourage reflective thinking?",
    "Did you feel you could be open and honest with your supervisor?",
    "What did you feel was positive about one-to-one supervision?",
    "What do you feel is a barrier in one-to-one supervision?",
)
# "What the supervisor expects from supervision", as Appendix 1 prints it.
APPENDIX_1_EXPECTATIONS = (
    "The focus will remain on the child/young person.",
    "Commitment to arrive on time and remain for whole session.",
    "Informing the supervisor of non-attendance, as soon as possible, in order that another session can be "
    "arranged in a timely manner.",
    "To fully enter discussions, value and actively listen.",
    "To question differences constructively and respectfully, and to consider the thoughts and feelings of both "
    "parties.",
    "Advice offered and actions taken or to be taken will be documented on the appropriate supervision template.",
    "Supervision will consider diversity and equality.",
    "Information and data will be used anonymously for audit",
    "Both parties understand that all information (relating to people or agencies) disclosed during child "
    "protection supervision should be treated with strict confidentiality and must not be disclosed outside the "
    "session except where it is necessary to protect a child or to seek advice.",
    "Effective learning requires openness, honesty and reflection.",
    "If professional competence issues cannot be resolved within the supervision arena, we may need to consult "
    "with line managers.",
    "The supervisee will be informed should this decision be taken.",
    "Every effort will be made to be flexible with timing and dates of formal supervision. If the supervisee "
    "fails to attend two concurrent sessions the supervisor will inform the manager and copy the supervisee into "
    "any correspondence.",
)
# The same list as Appendix 3 (group) prints it: its wording differs in five places.
APPENDIX_3_EXPECTATIONS = (
    *APPENDIX_1_EXPECTATIONS[:2],
    "Informing the supervisor of non-attendance, as soon as possible, in order that another session can be "
    "arranged within a timely manner.",
    *APPENDIX_1_EXPECTATIONS[3:7],
    "Information and data will be used anonymously for audit.",
    "All parties understand that all information (that relates to people or agencies) disclosed during child "
    "protection supervision should be treated with strict confidentiality and must not be disclosed outside the "
    "session except where it is necessary to protect a child or to seek advice.",
    *APPENDIX_1_EXPECTATIONS[9:12],
    "Every effort will be made to be flexible with timing and dates of formal supervision.",
    "If the supervisee fails to attend two concurrent sessions the supervisor will inform the manager and copy "
    "the supervisee into any correspondence.",
)
APPENDIX_3_CANCELLATION = (
    "Cancelled by supervisee: Email supervisor at the earliest opportunity and arrange to attend another "
    "supervision group.",
    "Cancelled by supervisor: If supervisor cancels supervision (repeatedly), immediately informed supervises team "
    "leader and the safeguarding team. Supervisor to arrange cover session with colleagues.",
    "Email at the earliest opportunity and book a new date.",
)
LEAD_IN = "Supervision will be conducted in a professional manner and in line with this contract:"
NOT_APPROPRIATE = "Managerial issues not pertaining to safeguarding, personal issues."
CLINICAL_TEXT = (
    "APPENDIX 5: CLININCAL SUPERVISION CONTRACT",
    "This supervision contract should be used as a basis for individual discussion, agreement and negotiation. "
    "However, any negotiation must meet the requirements of trust policy.",
    "Aims of Clinical Supervision",
    "As clinical supervisor and supervisee we agree to:",
    "Work together to facilitate in-depth reflection on issues affecting practice, so developing both personally "
    "and professionally to develop a high level of clinical expertise and facilitate the application of "
    "effective practice to the clinical workload.",
    "Create a safe space to deal with the emotions generated by clinical work and address support needs to "
    "deliver effective care and interventions",
    "Maintain effective oversight – working together to ensure that clinical work (of the individual and the "
    "practice they see around them) is conforming to quality assurance expectations and practiced in a safe "
    "manner.",
    "As supervisee I will:",
    "Be willing to honestly share my clinical experiences. Be willing to learn, develop and be open to receiving "
    "feedback",
    "Meet all my responsibilities relating to clinical supervision as laid out in the policy",
    "As supervisor I will:",
    "Offer you advice, support and challenge to enable us to meet our aims for clinical supervision",
    "Be committed to developing myself as a practicing professional, using my own clinical supervision to "
    "support and develop my abilities as a clinician and as a clinical supervisor",
    "Confidentiality and Record Keeping",
    "Confidentiality between supervisor and supervisee cannot be absolute within clinical supervision. Trust and "
    "respect are an important part of the supervisory relationship, but it is important to recognise that this "
    "has boundaries. Information may need to be shared for a variety of reasons such as:",
    "A public safety issue being recognised in the supervisees work",
    "A breach of codes of conduct, policy or protocol",
    "Criminal activity being revealed by the supervisee",
    "Safeguarding concerns",
    "Audit or evaluation of clinical supervision",
    "Clinical supervision frequently covers aspects of work with service users and supervisory responsibilities. "
    "General and informed consent should be sought for those occasions where identifiable information may be "
    "discussed.",
    "Contract Agreement:",
)


def profile() -> dict[str, Any]:
    return tomllib.loads(PROFILE.read_text(encoding="utf-8"))


def form(kind: str) -> Path:
    return TEMPLATES / profile()["templates"][kind]


def context(kind: str, *, signed: bool = True, **overrides: Any) -> dict[str, Any]:
    """Return a complete context for one of River Tees' forms, as docs/templates.md describes it."""
    data = profile()
    supervisor = {"name": "Alex Morgan", "email": "alex.morgan@example.org", "position": "Safeguarding Lead"}
    people = [
        {"name": "Sam Patel", "email": "sam.patel@example.org", "position": "Designated Safeguarding Lead"},
        {"name": "Jo O'Neill", "email": "jo.oneill@example.org", "position": "Deputy DSL"},
        {"name": "Kit Lowe", "email": "kit.lowe@example.org", "position": "Pastoral Lead"},
    ]
    if kind not in ("group-contract", "record"):
        people = people[:1]
    if kind == "clinical-contract":
        supervisor |= {"line_manager": "Chris Lane", "role_and_base": "Clinical supervisor, Trust office"}
        people[0] |= {"line_manager": "Pat Green", "role_and_base": "Play therapist, Oakfield Primary"}
    dates = ["25 November 2026", "26 November 2026", "27 November 2026"]
    agreed = [{"name": p["name"] if signed else "", "date": d if signed else "", "place": ""} for p, d in zip(people, dates, strict=False)]
    value: dict[str, Any] = {
        "trust": {"name": data["name"]},
        "document": {"title": f"Example {kind}", "reference": "CS-000123 v2", "kind": kind},
        "school": "Oakfield Primary School",
        "supervisor": supervisor,
        "supervisee": people[0],
        "supervisees": people,
        "terms": {k: v for k, v in data["defaults"].items() if isinstance(v, str)},
        "signed": {
            "supervisor": {"name": "Alex Morgan" if signed else "", "date": "24 November 2026" if signed else "", "place": ""},
            "supervisee": agreed[0],
            "supervisees": agreed,
        },
    }
    if kind.endswith("contract"):
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
            "records_kept": "session notes and actions",
            "records_stored": "on the trust's secure drive",
            "records_access": "ask the safeguarding team",
        }
    if kind == "record":
        value |= {
            "session_date": "14 October 2026",
            "next_session_date": "25 November 2026",
            "attendees": [{"name": "Alex Morgan", "role": "Supervisor"},
                          *({"name": p["name"], "role": "Supervisee"} for p in people)],
            "agenda_items": ["Welcome", "Case discussion"],
            "open_actions": [
                {"what": "Chase the early help referral", "who": "Sam Patel", "due": "30 September 2026", "done": "Yes"},
            ],
            "sections": [{"title": t, "text": "Thresholds for early help across the three schools."}
                         for t in data["record"]["sections"]],
            "cases": [
                {"reference": "J.S. / CPOMS 4471", "discussion": "Attendance has fallen since half term.",
                 "advice": "Speak to the family support worker.", "actions": "Arrange a TAF meeting"},
                {"reference": "CPOMS 5120", "discussion": "Disclosure made to a lunchtime supervisor.",
                 "advice": "Check the referral reached social care.", "actions": "Confirm the MASH outcome"},
            ],
            "actions": [{"what": "Update the safeguarding log", "who": "Kit Lowe", "due": "21 October 2026"}],
            "has_actions_table": data["record"]["actions_table"],
        }
    if kind == "audit":
        answers = {"number": "6", "yes_no": "Yes", "text": "Time to reflect"}
        value |= {
            "answered_date": "2 July 2027",
            "respondent_name": "",
            "questions": [
                {"number": number, "text": q["text"], "answer": answers[q["answer"]],
                 "comments": f"Comment on question {number}" if q.get("comments") else ""}
                for number, q in enumerate(data["audit"]["questions"], start=1)
            ],
        }
    value.update(overrides)
    return value


def render(kind: str, **kwargs: Any) -> bytes:
    return render_docx(form(kind), context(kind, **kwargs))


# --- Profile ------------------------------------------------------------------------------------


def test_profile_loads_with_its_forms_record_and_audit() -> None:
    try:
        data = read_profile(PROFILE, TEMPLATES)
    except ProfileError as exc:  # the app's validator may not know the new sections yet
        pytest.fail(f"the app rejects the profile: {exc.problems}")
    assert data["slug"] == "river-tees" and data["name"] == "River Tees Multi-Academy Trust"
    defaults = data["defaults"]
    assert defaults["link_expiry_days"] == 14 and defaults["review_period_months"] == 12
    assert isinstance(defaults["session_interval_days"], int)
    assert defaults["cancellation"] == "Email at the earliest opportunity and have the newly agreed date rebooked."
    assert defaults["not_appropriate"] == NOT_APPROPRIATE
    assert defaults["supervisor_expectations"].splitlines() == list(APPENDIX_1_EXPECTATIONS)
    assert defaults["group_supervisor_expectations"].splitlines() == list(APPENDIX_3_EXPECTATIONS)
    assert defaults["group_cancellation"].splitlines() == list(APPENDIX_3_CANCELLATION)
    assert data["templates"] == {kind: f"forms/river-tees/{kind}.docx" for kind in
                                 ("contract", "audit", "group-contract", "record", "clinical-contract")}
    assert data["record"] == {"sections": ["General issues discussed"], "actions_table": False}


def test_profile_audit_has_the_eleven_questions_word_for_word() -> None:
    questions = profile()["audit"]["questions"]
    assert [q["text"] for q in questions] == list(AUDIT_QUESTIONS)
    assert [q["answer"] for q in questions] == ["number"] * 2 + ["yes_no"] * 7 + ["text"] * 2
    assert [bool(q.get("comments")) for q in questions] == [False] * 2 + [True] * 9


def test_the_forms_are_built_from_the_builder() -> None:
    sys.path.insert(0, str(TEMPLATES))
    try:
        from build.common import save
        from build.river_tees import FORMS
    finally:
        sys.path.remove(str(TEMPLATES))
    assert set(FORMS) == set(profile()["templates"])
    for kind, build in FORMS.items():
        rebuilt = Path(f"/tmp/countersign-river-tees-{kind}.docx")
        save(build(), rebuilt)
        assert rebuilt.read_bytes() == form(kind).read_bytes(), f"rebuild {kind}: build_forms.py river-tees"
        rebuilt.unlink()


# --- Appendix 1: one to one supervision contract ---------------------------------------------------------


def test_contract_follows_appendix_1() -> None:
    docx = render("contract")
    found = texts(docx)
    for heading in ("APPENDIX 1: ONE TO ONE SUPERVISION CONTRACT", "SUPERVISION CONTRACT"):
        assert heading in found
    terms = context("contract")["terms"]
    assert header_rows(docx, 0) == [["SUPERVISION CONTRACT"]]  # the subtitle heads the table
    assert body_rows(docx, 0) == [
        ["SUPERVISEE", "Sam Patel"],
        ["SUPERVISOR", "Alex Morgan"],
        ["We have agreed that supervision will be conducted as follows:"],
        ["Frequency of sessions", terms["frequency"]],
        ["Duration of sessions", terms["session_length"]],
        ["Venue", terms["venue"]],
        ["Agreed action for cancellation of planned supervision",
         "Email at the earliest opportunity and have the newly agreed date rebooked.\n"
         "Email address: alex.morgan@example.org"],
        ["Issues not considered appropriate for supervision:", NOT_APPROPRIATE],
        ["What the supervisor expects from supervision", LEAD_IN + "\n" + "\n".join(APPENDIX_1_EXPECTATIONS)],
        ["What the supervisee expects from supervision", "Time to think through the harder cases"],
        ["Other areas of agreement", "Sessions alternate between the two schools"],
    ]
    assert "Confidentiality discussed and limitations agreed\t☒ Yes\t☐ No" in found
    assert body_rows(docx, 1) == [
        ["Signature of Supervisor", "Alex Morgan\nAgreed electronically on 24 November 2026"],
        ["Signature of Supervisee", "Sam Patel\nAgreed electronically on 25 November 2026"],
        ["Date:", "1 September 2026"],
        ["Review date:", "1 September 2027"],
    ]
    assert_no_tags(docx)


def test_contract_ticks_no_and_leaves_signatures_blank_until_agreed() -> None:
    docx = render("contract", signed=False, confidentiality_discussed="No", other_agreements="")
    assert "Confidentiality discussed and limitations agreed\t☐ Yes\t☒ No" in texts(docx)
    assert body_rows(docx, 1)[:2] == [["Signature of Supervisor", ""], ["Signature of Supervisee", ""]]
    assert "Other areas of agreement" not in all_text(docx)
    header = Document(io.BytesIO(docx)).sections[0]
    assert header.header.paragraphs[0].text == "River Tees Multi-Academy Trust"
    assert "CS-000123 v2" in header.footer.paragraphs[0].text


# --- Appendix 2: audit tool --------------------------------------------------------------------------


def test_audit_prints_the_eleven_questions_with_their_answers() -> None:
    docx = render("audit")
    found = texts(docx)
    assert "APPENDIX 2: AUDIT TOOL – SAFEGUARDING SUPERVISION" in found
    for number, question in enumerate(AUDIT_QUESTIONS, start=1):
        answer = "6" if number <= 2 else "Yes" if number <= 9 else "Time to reflect"
        assert f"{number}. {question} {answer}" in found
        assert (f"Comments: Comment on question {number}" in found) == (number > 2)
    assert "Name (optional): " in found
    assert "Date: 2 July 2027" in found
    assert "Submitted and agreed electronically on 25 November 2026" in found
    assert "Sam Patel" not in all_text(docx)  # the name is optional: the form does not print the signer's
    answer_runs = [r.text for p in paragraphs(docx) for r in p.runs if r.bold and r.text in ("6", "Yes")]
    assert len(answer_runs) == 9
    assert_no_tags(docx)


def test_audit_prints_the_name_when_given() -> None:
    docx = render("audit", respondent_name="Sam Patel", signed=False)
    found = texts(docx)
    assert "Name (optional): Sam Patel" in found
    assert "Submitted and agreed electronically" not in all_text(docx)


# --- Appendix 3: group supervision contract -------------------------------------------------------------


def test_group_contract_follows_appendix_3_and_lists_every_supervisee() -> None:
    docx = render("group-contract")
    found = texts(docx)
    assert "APPENDIX 3: GROUP SUPERVISION CONTRACT" in found
    terms = context("group-contract")["terms"]
    assert header_rows(docx, 0) == [["APPENDIX 3: GROUP SUPERVISION CONTRACT"]]
    rows = body_rows(docx, 0)
    assert rows[0] == ["SUPERVISEES", "Sam Patel\nJo O'Neill\nKit Lowe"]
    assert rows[1] == ["SUPERVISOR", "Alex Morgan"]
    assert rows[2] == ["We have agreed that supervision will be conducted as follows:"]
    assert rows[3:6] == [["Frequency of sessions", terms["frequency"]], ["Duration of sessions", terms["session_length"]],
                         ["Venue", terms["venue"]]]
    assert rows[6] == ["Agreed action for cancellation of planned supervision",
                       "\n".join(APPENDIX_3_CANCELLATION) + "\nEmail address: alex.morgan@example.org"]
    assert rows[7] == ["Issues not considered appropriate for supervision", NOT_APPROPRIATE]
    assert rows[8] == ["What the supervisor expects from supervision",
                       LEAD_IN + "\n" + "\n".join(APPENDIX_3_EXPECTATIONS)]
    assert rows[9] == ["What the supervisee expects from supervision", "Time to think through the harder cases"]
    assert "Confidentiality discussed and limitations agreed:\t☒ Yes\t☐ No" in found
    assert body_rows(docx, 1) == [
        ["Signature of supervisor:", "Alex Morgan\nAgreed electronically on 24 November 2026"],
        ["Signature of supervisees:",
         "Sam Patel\nAgreed electronically on 25 November 2026\n"
         "Jo O'Neill\nAgreed electronically on 26 November 2026\n"
         "Kit Lowe\nAgreed electronically on 27 November 2026"],
        ["Date:", "1 September 2026"],
        ["Review date:", "1 September 2027"],
    ]
    assert_no_tags(docx)


def test_unsigned_group_contract_leaves_a_line_per_supervisee() -> None:
    docx = render("group-contract", signed=False)
    assert body_rows(docx, 1)[1] == ["Signature of supervisees:", "\n\n"]


# --- Appendix 4: supervision record -----------------------------------------------------------------


def test_record_follows_appendix_4() -> None:
    docx = render("record")
    found = texts(docx)
    ctx = context("record")
    assert "APPENDIX 4: SUPERVISION RECORD" in found
    assert header_rows(docx, 0) == [["APPENDIX 4: SUPERVISION RECORD"]]
    rows = body_rows(docx, 0)
    labels = [row[0] for row in rows]
    assert labels[:2] == ["Attendees", "Date of supervision"]
    assert "General issues discussed" in labels
    assert "Case(s) discussed at supervision today (if appropriate)" in labels
    assert labels[-1] == "Date of next supervision"
    assert rows[0][1] == "Alex Morgan (Supervisor)\nSam Patel (Supervisee)\nJo O'Neill (Supervisee)\nKit Lowe (Supervisee)"
    assert rows[-1][1] == "25 November 2026"
    assert ["General issues discussed", "Thresholds for early help across the three schools."] in rows
    for case in ctx["cases"]:
        assert f"Case reference: {case['reference']}" in found
        assert case["discussion"] in found
        assert f"Advice: {case['advice']}" in found and f"Actions: {case['actions']}" in found
    assert found.count(CASE_NOTE) == len(ctx["cases"])
    for action in ctx["open_actions"] + ctx["actions"]:
        for value in action.values():
            assert value in found
    for item in ctx["agenda_items"]:
        assert item in found
    assert header_rows(docx, -1) == [["Agreed as an accurate record"]]
    assert body_rows(docx, -1) == [
        ["Supervisor", "Alex Morgan", "Alex Morgan\nAgreed electronically on 24 November 2026"],
        ["Supervisee", "Sam Patel", "Sam Patel\nAgreed electronically on 25 November 2026"],
        ["Supervisee", "Jo O'Neill", "Jo O'Neill\nAgreed electronically on 26 November 2026"],
        ["Supervisee", "Kit Lowe", "Kit Lowe\nAgreed electronically on 27 November 2026"],
    ]
    assert_no_tags(docx)


def test_a_record_without_cases_or_actions_keeps_the_policys_boxes_only() -> None:
    docx = render("record", cases=[], actions=[], open_actions=[], agenda_items=[], next_session_date="",
                  signed=False)
    labels = [row[0] for row in body_rows(docx, 0)]
    assert labels == ["Attendees", "Date of supervision", "General issues discussed",
                      "Case(s) discussed at supervision today (if appropriate)", "Date of next supervision"]
    assert CASE_NOTE not in all_text(docx)
    assert_no_tags(docx)


def test_record_names_print_verbatim() -> None:
    hostile = "O'Brien <Head> & Co"
    ctx = copy.deepcopy(context("record"))
    ctx["supervisees"][2]["name"] = hostile
    ctx["signed"]["supervisees"][2]["name"] = hostile
    ctx["attendees"][3]["name"] = hostile
    docx = render_docx(form("record"), ctx)
    assert body_rows(docx, -1)[3][1:] == [hostile, hostile + "\nAgreed electronically on 27 November 2026"]
    assert f"{hostile} (Supervisee)" in body_rows(docx, 0)[0][1]


# --- Appendix 5: clinical supervision contract ------------------------------------------------------------


def test_clinical_contract_follows_appendix_5() -> None:
    docx = render("clinical-contract")
    found = texts(docx)
    for line in CLINICAL_TEXT:
        assert line in found, line
    assert found.count("Meet all my responsibilities relating to clinical supervision as laid out in the policy") == 2
    terms = context("clinical-contract")["terms"]
    assert header_rows(docx, 0) == [["Parties"]]
    assert header_rows(docx, -1) == [["Contract Agreement:"]]
    assert body_rows(docx, 0) == [
        ["Supervisee", "Sam Patel", "Line manager", "Pat Green"],
        ["Role and work base", "Play therapist, Oakfield Primary"],
        ["Supervisor", "Alex Morgan", "Line manager", "Chris Lane"],
        ["Role and work base", "Clinical supervisor, Trust office"],
        ["Date of contract", "1 September 2026", "Contract review date", "1 September 2027"],
        ["Frequency and length of sessions", terms["frequency"] + "\n" + terms["session_length"]],
        ["Arrangements for booking/cancelling/rescheduling sessions",
         "It is the responsibility of the practitioner to book a supervision session.\n"
         "Email at the earliest opportunity and have the newly agreed date rebooked."],
        ["Type/model of supervision", "One-to-one reflective supervision"],
    ]
    for line in (
        "Take responsibility for bringing cases and reflecting on them",
        "Prepare for sessions by reading the last notes",
        "What the supervisee expects from supervision: Time to think through the harder cases",
        "Respond to urgent requests within a day",
        "We will keep the following records session notes and actions",
        "These records will be stored on the trust's secure drive",
        "If these records need to be accessed, we will ask the safeguarding team",
        "Other areas of agreement Sessions alternate between the two schools",
    ):
        assert line in found
    assert body_rows(docx, 1) == [
        ["Supervisee:", "Sam Patel\nAgreed electronically"],
        ["Date:", "25 November 2026"],
        ["Supervisor:", "Alex Morgan\nAgreed electronically"],
        ["Date", "24 November 2026"],
    ]
    assert "What the supervisee expects" not in all_text(render("clinical-contract", supervisee_expectations=""))
    bulleted = [p.text for p in paragraphs(docx) if p.style is not None and p.style.name == "List Bullet"]
    assert len(bulleted) == 13
    assert_no_tags(docx)


# --- Word's rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(profile()["templates"]))
def test_every_table_cell_ends_with_a_paragraph_even_when_lists_are_empty(kind: str) -> None:
    # Word refuses a document with a table cell that holds no paragraph (LibreOffice does not).
    ctx = copy.deepcopy(context(kind))
    for key in ("supervisees", "attendees", "cases", "actions", "open_actions", "agenda_items", "questions"):
        if key in ctx:
            ctx[key] = []
    ctx["signed"]["supervisees"] = []
    for docx in (render(kind), render_docx(form(kind), ctx)):
        body = part_xml(docx, "word/document.xml")
        cells = body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tc")
        assert all(len(tc) and etree.QName(tc[-1]).localname == "p" for tc in cells)

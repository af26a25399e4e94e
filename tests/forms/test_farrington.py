"""Farrington Academy's forms reproduce its policy's Appendix 1, Appendix 2 and Individual Case Proforma."""

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
PROFILE = TEMPLATES / "trusts" / "farrington.toml"
CASE_NOTE = "Use an anonymised case reference (initials or case-system id), never a child's name"

# Appendix 1 as printed: each section's heading and text.
APPENDIX_1_SECTIONS = (
    ("Purpose and Aim",
     "The purpose and Aim of the written agreement for supervision is to set out clear roles, responsibilities "
     "and guidelines to ensure that child protection supervision occurs in a safe and secure environment and "
     "the role of individual's is clearly defined. Child protection supervision has the purpose of offering the "
     "Supervisor and Supervisee the opportunity to critically reflect on child protection cases and issues with "
     "a view to seeking further appropriate action if necessary, in the best interests and safeguarding of any "
     "child discussed."),
    ("The role of the Supervisor",
     "The role of the supervisor is to ensure that Supervision occurs regularly, is purposeful and is recorded "
     "and stored confidentially. The Supervisor is responsible for ensuring that any discussion and actions "
     "agreed occurs within an agreed timescale and is the most senior person within the supervision, taking "
     "ultimate responsible for any outlined or agreed tasks occurring. The Supervisor should have more "
     "experience and knowledge in the area of Child Protection and should be able to support and advise the "
     "supervisee in clear direction on cases, e.g. where to go to for additional advice and support and how to "
     "progress individual matters with key agencies. The Supervisor should support the Supervisee in critical "
     "thinking, reflection and challenge and be approachable and flexible to additional support that may be "
     "required for the Supervisee. The Supervisor should ensure that the record made of the Supervision is an "
     "accurate reflection of the discussion and ensure both parties sign and date it."),
    ("The role of the Supervisee",
     "The role of the Supervisee is to ensure that Supervision is occurring regularly and to make any additional "
     "requests for support at any time when required in the protection of a child. The Supervisee is "
     "responsible for providing an up to date and accurate reflection of the current situation regarding "
     "individual cases so that discussion and decision making can occur with all of the most relevant factors "
     "considered. The Supervisee should bring to Supervision any other additional issues to be discussed for "
     "the Supervision Agenda, e.g. any personal conflict or time management issues. The Supervisee should "
     "ensure that the record made of the Supervision is an accurate reflection of the discussion before signing "
     "and dating it."),
    ("The frequency of Supervision",
     "Frequency of Supervision should be set depending on the circumstances of the setting and the type of "
     "supervision. The minimum recommendation for Child Protection Supervision for schools should be at least "
     "once per term so, in total six sessions per academic year. For Peer Supervision and Group Supervision it "
     "is recommended that this should occur at least once per term with a longer timescale permitted where "
     "individual cases are not being discussed (e.g. group supervision)"),
    ("The Agenda",
     "Both the Supervisor and Supervisee should bring items to be discussed to the agenda including any "
     "personal issues, health and safety issues or generic child protection issues including policy and "
     "procedures. Supervision is not solely for the purpose of discussing individual cases but rather the "
     "opportunity to critically and personally reflect on any issues regarding child protection and the safety "
     "and well being of young people."),
    ("The Record-Keeping",
     "As highlighted in the Supervision Policy by adhering to this written agreement /contract both the "
     "Supervisor and Supervisee agree to ensure that accurate record keeping is made and stored securely."),
    ("Confidentiality",
     "As highlighted in the Supervision Policy by adhering to this written agreement / contract both the "
     "Supervisor and Supervisee agree to ensure that Confidentiality is maintained."),
    ("Diversity and Equality",
     "Both the Supervisor and Supervisee should ensure that any issues regarding diversity and equality are "
     "embedded into the practice of Supervision, for example ethnicity, race, religion, vulnerability, gender "
     "and disability to name a few. Care should be taken to discuss the impact of any diversity or equality "
     "issues regarding any child or adult in cases discussed and extra time and research should be given to "
     "address any such issues which may further impact on the safety and protection of any child discussed."),
    ("Resolving Individual Issues",
     "It is imperative that for Supervision to work effectively both the Supervisor/ Supervisee feel safe and "
     "confident within the structure and process. In the event that there may be a difference or opinion or "
     "challenge between either party it is important that an agreed contingency plan is in place. For example "
     "this could be alternative arrangements between Supervisor or Supervisee or an external opinion may be "
     "sought to resolve any outstanding issues."),
)
# The Contract of Agreement, rendered with the profile's defaults: each printed line, its blank filled.
CONTRACT_OF_AGREEMENT = (
    "Appendix 1: Contract/Written Agreement of Supervision",
    "Contract of Agreement",
    "I Alex Morgan agree to take on the role of Supervisor / Supervisee. <delete as appropriate>",
    "My role / position in the School / Setting is Regional Safeguarding Lead",
    "I Sam Patel agree to take on the role of Supervisor / Supervisee. <delete as appropriate>",
    "My role / position in the School / Setting is Designated Safeguarding Lead",
    "We have agreed to the following individual terms:",
    "Supervision to be held at least once per term so, in total six sessions per academic year",
    "Supervision to last a time period of approximately 15-20 minutes for each individual case discussed",
    "Supervision Agenda will have the following Standard Items to be discussed",
    "Individual cases and the individual needs of the child\n"
    "Any personal issues, e.g. any personal conflict or time management issues\n"
    "Health and safety issues\n"
    "Generic child protection issues including policy and procedures",
    "Supervision to be attended by the Supervisor and the Supervisee",
    "Supervision to be recorded by the Supervisor",
    "Supervision to be stored by the Supervisor, securely and confidentially on the individual child's case file",
    "Supervision Contract to be reviewed on 1 September 2027",
    "In the event of any unresolved issues / changes to Contract the following Contingency Plan will be put in place",
    "I have read and agreed to the above written contract including our individual terms of agreement:",
)
RECORD_LABELS = (
    "Appendix 2: Formal Recording of Supervision",
    "Record of Supervision",
    "Name of Supervisor:",
    "Position of person in school:",
    "Name of Supervisee:",
    "Name of school:",
    "Date:",
    "Agenda Items to be discussed:",
    "Items discussed including actions:",
    "Individual Case to be discussed:",
    "Advice/Guidance given:",
    "Actions to be taken:",
    "Signed",
    "(Supervisor)",
    "(Supervisee)",
)
PROFORMA_LABELS = (
    "Individual Case Proforma:",
    "Individual Case to be discussed including background:",
    "Advice/Guidance given:",
    "Actions to be taken:",
    "Signed",
    "(Supervisor)",
    "(Supervisee)",
)


def profile() -> dict[str, Any]:
    return tomllib.loads(PROFILE.read_text(encoding="utf-8"))


def form(kind: str) -> Path:
    return TEMPLATES / profile()["templates"][kind]


def context(kind: str, *, signed: bool = True, **overrides: Any) -> dict[str, Any]:
    """Return a complete context for one of Farrington's forms, as docs/templates.md describes it."""
    data = profile()
    supervisor = {"name": "Alex Morgan", "email": "alex.morgan@example.org", "position": "Regional Safeguarding Lead"}
    people = [
        {"name": "Sam Patel", "email": "sam.patel@example.org", "position": "Designated Safeguarding Lead"},
        {"name": "Jo O'Neill", "email": "jo.oneill@example.org", "position": "Nominated Deputy"},
    ]
    if kind != "record":
        people = people[:1]
    dates = ["25 November 2026", "26 November 2026"]
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
    if kind == "contract":
        value |= {
            "agreed_date": "1 September 2026",
            "review_date": "1 September 2027",
            "supervisee_expectations": "",
            "confidentiality_discussed": "Yes",
            "other_agreements": "",
        }
    if kind == "record":
        value |= {
            "session_date": "14 October 2026",
            "next_session_date": "25 November 2026",
            "attendees": [{"name": "Alex Morgan", "role": "Supervisor"}, {"name": "Sam Patel", "role": "Supervisee"},
                          {"name": "Jo O'Neill", "role": "Supervisee"}],
            "agenda_items": ["Welcome", "Review of last actions", "Case discussion"],
            "open_actions": [
                {"what": "Chase the early help referral", "who": "Sam Patel", "due": "30 September 2026", "done": "Yes"},
                {"what": "Book LADO training", "who": "Alex Morgan", "due": "10 October 2026", "done": "No"},
            ],
            "sections": [{"title": t, "text": "Discussed attendance across the caseload."}
                         for t in data["record"]["sections"]],
            "cases": [
                {"reference": "J.S. / CPOMS 4471", "discussion": "Attendance has fallen since half term.",
                 "advice": "Speak to the family support worker.", "actions": "Arrange a TAF meeting"},
                {"reference": "CPOMS 5120", "discussion": "Disclosure made to a lunchtime supervisor.",
                 "advice": "Check the referral reached social care.", "actions": "Confirm the MASH outcome"},
            ],
            "actions": [{"what": "Update the safeguarding log", "who": "Sam Patel", "due": "21 October 2026"}],
            "has_actions_table": data["record"]["actions_table"],
        }
    if kind == "case-proforma":
        value |= {
            "session_date": "14 October 2026",
            "case": {"reference": "J.S. / CPOMS 4471", "background": "Attendance has fallen since half term.",
                     "advice": "Speak to the family support worker.", "actions": "Arrange a TAF meeting"},
        }
    value.update(overrides)
    return value


def render(kind: str, **kwargs: Any) -> bytes:
    return render_docx(form(kind), context(kind, **kwargs))


# --- Profile ------------------------------------------------------------------------------------


def test_profile_loads_and_states_the_policys_terms() -> None:
    try:
        data = read_profile(PROFILE, TEMPLATES)
    except ProfileError as exc:  # the app's validator may not know the new sections yet
        pytest.fail(f"the app rejects the profile: {exc.problems}")
    assert data["slug"] == "farrington" and data["name"] == "Farrington Academy"
    defaults = data["defaults"]
    assert defaults["frequency"] == "at least once per term so, in total six sessions per academic year"
    assert defaults["link_expiry_days"] == 14 and defaults["review_period_months"] == 12
    assert defaults["session_interval_days"] == 49  # six sessions a year: one each half term
    for key in ("session_length", "venue", "agenda_standard_items", "attended_by", "recorded_by", "stored_by",
                "contingency_plan"):
        assert isinstance(defaults[key], str) and defaults[key].strip()
    assert data["templates"] == {
        "contract": "forms/farrington/contract.docx",
        "record": "forms/farrington/record.docx",
        "case-proforma": "forms/farrington/case-proforma.docx",
    }
    assert data["record"] == {"sections": ["Items discussed including actions"], "actions_table": False}


def test_the_forms_are_built_from_the_builder() -> None:
    sys.path.insert(0, str(TEMPLATES))
    try:
        from build.common import save
        from build.farrington import FORMS
    finally:
        sys.path.remove(str(TEMPLATES))
    assert set(FORMS) == set(profile()["templates"])
    for kind, build in FORMS.items():
        rebuilt = Path(f"/tmp/countersign-farrington-{kind}.docx")
        save(build(), rebuilt)
        assert rebuilt.read_bytes() == form(kind).read_bytes(), f"rebuild {kind}: build_forms.py farrington"
        rebuilt.unlink()


# --- Appendix 1: Contract / Written Agreement ----------------------------------------------------------


def test_contract_prints_every_section_of_appendix_1_word_for_word() -> None:
    found = texts(render("contract"))
    for heading, text in APPENDIX_1_SECTIONS:
        assert heading in found
        assert text in found
    for line in CONTRACT_OF_AGREEMENT:
        assert line in found
    assert "Alternative arrangements between Supervisor or Supervisee" in "\n".join(found)


def test_contract_deletes_the_role_that_does_not_apply() -> None:
    docx = render("contract")
    struck = {p.text: [r.text for r in p.runs if r.font.strike] for p in paragraphs(docx)}
    assert struck["I Alex Morgan agree to take on the role of Supervisor / Supervisee. <delete as appropriate>"] == [
        "Supervisee"]
    assert struck["I Sam Patel agree to take on the role of Supervisor / Supervisee. <delete as appropriate>"] == [
        "Supervisor"]


def test_contract_signature_blocks_carry_name_and_date_of_agreement() -> None:
    docx = render("contract")
    assert header_rows(docx, 0) == [[
        "I have read and agreed to the above written contract including our individual terms of agreement:"]]
    assert body_rows(docx, 0) == [
        ["Signed", "Alex Morgan\nAgreed electronically", "Supervisor/Supervisee"],
        ["Date", "24 November 2026"],
        ["Signed", "Sam Patel\nAgreed electronically", "Supervisor/Supervisee"],
        ["Date", "25 November 2026"],
    ]
    assert "Date of agreement: 1 September 2026" in texts(docx)
    assert "School / Setting: Oakfield Primary School" in texts(docx)
    assert "School / Setting:" not in all_text(render("contract", school=""))
    assert_no_tags(docx)


def test_unsigned_contract_leaves_the_signatures_blank() -> None:
    docx = render("contract", signed=False)
    assert body_rows(docx, 0) == [["Signed", "", "Supervisor/Supervisee"], ["Date", ""]] * 2
    assert "Agreed electronically" not in all_text(docx)


def test_contract_terms_can_be_overridden_and_extra_agreements_appear_only_when_given() -> None:
    terms = dict(context("contract")["terms"], frequency="every four weeks", session_length="one hour")
    docx = render("contract", terms=terms, other_agreements="Sessions alternate between the two schools",
                  supervisee_expectations="Time to think through the harder cases")
    found = texts(docx)
    assert "Supervision to be held every four weeks" in found
    assert "Supervision to last a time period of approximately one hour" in found
    assert "Sessions alternate between the two schools" in found
    assert "What the Supervisee expects from supervision: Time to think through the harder cases" in found
    plain = all_text(render("contract"))
    assert "What the Supervisee expects" not in plain


def test_contract_header_and_footer() -> None:
    section = Document(io.BytesIO(render("contract"))).sections[0]
    assert section.header.paragraphs[0].text == "Farrington Academy"
    assert "CS-000123 v2" in section.footer.paragraphs[0].text


# --- Appendix 2: Record of Supervision -------------------------------------------------------------


def test_record_prints_every_heading_and_value() -> None:
    docx = render("record")
    found = texts(docx)
    for label in RECORD_LABELS:
        assert label in found, label
    ctx = context("record")
    for value in ("Alex Morgan", "Regional Safeguarding Lead", "Sam Patel", "Designated Safeguarding Lead",
                  "Jo O'Neill", "Nominated Deputy", "Oakfield Primary School", "14 October 2026",
                  "Welcome", "Review of last actions", "Case discussion", "Discussed attendance across the caseload.",
                  "Date of next supervision:", "25 November 2026"):
        assert value in found, value
    for case in ctx["cases"]:
        assert f"Case reference: {case['reference']}" in found
        for key in ("discussion", "advice", "actions"):
            assert case[key] in found
    assert found.count(CASE_NOTE) == len(ctx["cases"])
    for action in ctx["open_actions"] + ctx["actions"]:
        for value in action.values():
            assert value in found
    assert "Review of actions from last meeting:" in found and "Agreed actions:" in found
    assert_no_tags(docx)


def test_record_lists_each_supervisee_and_each_signature() -> None:
    docx = render("record")
    rows = body_rows(docx, -1)  # after the actions, each in its own table
    assert header_rows(docx, -1) == [["Agreement"]]
    assert rows == [
        ["Signed", "Alex Morgan\nAgreed electronically", "(Supervisor)", "Date:", "24 November 2026"],
        ["Signed", "Sam Patel\nAgreed electronically", "(Supervisee)", "Date:", "25 November 2026"],
        ["Signed", "Jo O'Neill\nAgreed electronically", "(Supervisee)", "Date:", "26 November 2026"],
    ]
    header = body_rows(docx, 0)
    assert header_rows(docx, 0) == [["Record of Supervision"]]
    assert ["Name of Supervisee:", "Jo O'Neill"] in header
    assert header[:2] == [["Name of Supervisor:", "Alex Morgan"], ["Position of person in school:",
                                                                   "Regional Safeguarding Lead"]]


def test_record_without_cases_or_actions_still_prints_the_case_headings() -> None:
    docx = render("record", cases=[], actions=[], open_actions=[], agenda_items=[], next_session_date="")
    found = texts(docx)
    for label in ("Individual Case to be discussed:", "Advice/Guidance given:", "Actions to be taken:"):
        assert label in found
    text = all_text(docx)
    for absent in ("Review of actions from last meeting", "Agreed actions", "Date of next supervision"):
        assert absent not in text
    assert_no_tags(docx)


def test_record_names_print_verbatim() -> None:
    hostile = "O'Brien <Head> & Co"
    ctx = copy.deepcopy(context("record"))
    ctx["supervisees"][1]["name"] = hostile
    ctx["signed"]["supervisees"][1]["name"] = hostile
    docx = render_docx(form("record"), ctx)
    assert ["Name of Supervisee:", hostile] in body_rows(docx, 0)
    assert hostile + "\nAgreed electronically" in [r[1] for r in body_rows(docx, -1)]


# --- Individual Case Proforma ---------------------------------------------------------------------


def test_case_proforma_prints_every_heading_and_value() -> None:
    docx = render("case-proforma")
    found = texts(docx)
    for label in PROFORMA_LABELS:
        assert label in found, label
    case = context("case-proforma")["case"]
    assert f"Case reference: {case['reference']}" in found
    assert CASE_NOTE in found
    for value in (case["background"], case["advice"], case["actions"], "Alex Morgan", "Sam Patel",
                  "14 October 2026", "Oakfield Primary School"):
        assert value in found
    assert header_rows(docx, 0) == [["The case"]] and header_rows(docx, 1) == [["Agreement"]]
    assert body_rows(docx, 1) == [
        ["Signed", "Alex Morgan\nAgreed electronically", "(Supervisor)", "Date:", "24 November 2026"],
        ["Signed", "Sam Patel\nAgreed electronically", "(Supervisee)", "Date:", "25 November 2026"],
    ]
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

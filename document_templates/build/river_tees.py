"""River Tees Multi-Academy Trust (seed 002): its policy's appendices as docxtpl forms."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Cm
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .common import (
    AGREEMENT_CAPTION,
    ANONYMISED_NOTE,
    PARTIES_CAPTION,
    agreement,
    caption_row,
    cell_list,
    finish_table,
    if_empty,
    label_row,
    new_form,
    place,
    record_actions,
    shade,
    signature,
    spaced_heading,
    spaced_note,
    spaced_para,
    spaced_tag,
    wide_tag_row,
    write,
)

# --- Building blocks this trust's forms need beyond common.py ----------------------------------


def _wide_row(table: Table, text: str = "", *, bold: bool = False, shaded: bool = False) -> _Cell:
    """Add a row of one cell across the table."""
    cells = table.add_row().cells
    merged = cells[0].merge(cells[-1])
    if text:
        spaced_para(merged, text, bold=bold, after=0)
    if shaded:
        shade(merged)
    return merged


def _tick(paragraph: Paragraph, choice: str) -> None:
    """Append a tick box for one answer of confidentiality_discussed ("Yes" or "No")."""
    write(paragraph, "\t{{ '☒' if confidentiality_discussed == '%s' else '☐' }} %s" % (choice, choice))


# --- Appendices 1 and 3: one to one and group supervision contracts --------------------------------

LEAD_IN = "Supervision will be conducted in a professional manner and in line with this contract:"


def _contract(doc: DocumentObject, *, group: bool, caption: str, level: int) -> None:
    """Add the table of Appendix 1 (one to one) or Appendix 3 (group), headed by caption (a heading
    of that level), then its agreement."""
    table = doc.add_table(rows=0, cols=2)
    if group:
        cell_list(label_row(table, "SUPERVISEES"), "person in supervisees", "supervisees",
                  "{{ person.name }}", after=0)
    else:
        spaced_para(label_row(table, "SUPERVISEE"), "{{ supervisee.name }}", after=0)
    spaced_para(label_row(table, "SUPERVISOR"), "{{ supervisor.name }}", after=0)
    _wide_row(table, "We have agreed that supervision will be conducted as follows:", bold=True, shaded=True)
    spaced_para(label_row(table, "Frequency of sessions"), "{{ terms.frequency }}", after=0)
    spaced_para(label_row(table, "Duration of sessions"), "{{ terms.session_length }}", after=0)
    spaced_para(label_row(table, "Venue"), "{{ terms.venue }}", after=0)
    cell = label_row(table, "Agreed action for cancellation of planned supervision")
    spaced_para(cell, "{{ terms.group_cancellation }}" if group else "{{ terms.cancellation }}", after=2)
    spaced_para(cell, "Email address: {{ supervisor.email }}", after=0)
    label = "Issues not considered appropriate for supervision" + ("" if group else ":")
    spaced_para(label_row(table, label), "{{ terms.not_appropriate }}", after=0)
    cell = label_row(table, "What the supervisor expects from supervision")
    spaced_para(cell, LEAD_IN, after=4)
    key = "group_supervisor_expectations" if group else "supervisor_expectations"
    spaced_para(cell, "{{ terms.%s }}" % key, after=0)
    expectations = len(table.rows)
    spaced_para(label_row(table, "What the supervisee expects from supervision"),
                "{{ supervisee_expectations }}", after=0)
    # Not on the policy's form; shown only when the author agreed something more.
    wide_tag_row(table, "{%tr if other_agreements %}")
    spaced_para(label_row(table, "Other areas of agreement"), "{{ other_agreements }}", after=0)
    wide_tag_row(table, "{%tr endif %}")
    finish_table(table, (5.5, 11.5), tall_rows=(expectations,), height=2.5)
    caption_row(table, caption, level=level, size=13 if level == 1 else 12)

    line = spaced_para(doc, before=12, after=10)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(11.0), WD_TAB_ALIGNMENT.LEFT)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(13.5), WD_TAB_ALIGNMENT.LEFT)
    write(line, "Confidentiality discussed and limitations agreed" + (":" if group else ""))
    _tick(line, "Yes")
    _tick(line, "No")

    table = doc.add_table(rows=0, cols=2)
    if group:
        agreement(label_row(table, "Signature of supervisor:"), "signed.supervisor", dated=True)
        cell = label_row(table, "Signature of supervisees:")
        spaced_tag(cell, "{%p for party in signed.supervisees %}")
        agreement(cell, "party", dated=True)
        spaced_tag(cell, "{%p endfor %}")
        if_empty(cell, "signed.supervisees")
    else:
        agreement(label_row(table, "Signature of Supervisor"), "signed.supervisor", dated=True)
        agreement(label_row(table, "Signature of Supervisee"), "signed.supervisee", dated=True)
    spaced_para(label_row(table, "Date:"), "{{ agreed_date }}", after=0)
    # The policy's form has no review date; Countersign's contracts carry one.
    spaced_para(label_row(table, "Review date:"), "{{ review_date }}", after=0)
    finish_table(table, (5.5, 11.5), tall_rows=(0, 1), height=1.1)
    caption_row(table, AGREEMENT_CAPTION)
    doc.add_paragraph()  # Word wants a paragraph after a table that ends the body


def river_tees_contract() -> DocumentObject:
    """Return Appendix 1 of the River Tees policy, the one to one supervision contract."""
    doc = new_form(title="One to one supervision contract")
    spaced_heading(doc, "APPENDIX 1: ONE TO ONE SUPERVISION CONTRACT", level=1, size=13, after=8)
    _contract(doc, group=False, caption="SUPERVISION CONTRACT", level=2)
    return doc


def river_tees_group_contract() -> DocumentObject:
    """Return Appendix 3 of the River Tees policy, the group supervision contract."""
    doc = new_form(title="Group supervision contract")
    # The appendix's title heads its table: the document's heading and the table's header at once.
    _contract(doc, group=True, caption="APPENDIX 3: GROUP SUPERVISION CONTRACT", level=1)
    return doc


# --- Appendix 2: Audit tool ---------------------------------------------------------------------


def river_tees_audit() -> DocumentObject:
    """Return Appendix 2 of the River Tees policy: the questions come from the profile's [audit]."""
    doc = new_form(title="Audit tool – safeguarding supervision")
    spaced_heading(doc, "APPENDIX 2: AUDIT TOOL – SAFEGUARDING SUPERVISION", level=1, size=13, after=10)
    spaced_tag(doc, "{%p for question in questions %}")
    line = spaced_para(doc, "{{ question.number }}. {{ question.text }} ", before=6, after=2, keep=True)
    write(line, "{{ question.answer }}", bold=True)
    spaced_tag(doc, "{%p if question.comments %}")
    spaced_para(doc, "Comments: {{ question.comments }}", indent=0.75, after=4)
    spaced_tag(doc, "{%p endif %}")
    spaced_tag(doc, "{%p endfor %}")
    spaced_para(doc, "Name (optional): {{ respondent_name }}", before=14, after=4)
    spaced_para(doc, "Date: {{ answered_date }}", after=4)
    # The supervisee's agreement is sealed, but the tool asks for the name only optionally:
    # the form says that it was submitted, without printing who. The stamp goes below the date.
    place(spaced_para(doc, after=0), "signed.supervisee")
    spaced_tag(doc, "{%p if signed.supervisee.name %}")
    spaced_note(doc, "Submitted and agreed electronically on {{ signed.supervisee.date }}")
    spaced_tag(doc, "{%p endif %}")
    return doc


# --- Appendix 4: Supervision record -----------------------------------------------------------------


def river_tees_record() -> DocumentObject:
    """Return Appendix 4 of the River Tees policy, the supervision record."""
    doc = new_form(title="Supervision record")
    table = doc.add_table(rows=0, cols=2)
    cell_list(label_row(table, "Attendees"), "person in attendees", "attendees",
              "{{ person.name }}{% if person.role %} ({{ person.role }}){% endif %}", after=0)
    spaced_para(label_row(table, "Date of supervision"), "{{ session_date }}", after=0)

    wide_tag_row(table, "{%tr if agenda_items %}")
    cell = label_row(table, "Agenda")
    spaced_tag(cell, "{%p for item in agenda_items %}")
    spaced_para(cell, "{{ item }}", after=2, style="List Bullet")
    spaced_tag(cell, "{%p endfor %}")
    wide_tag_row(table, "{%tr endif %}")

    wide_tag_row(table, "{%tr for section in sections %}")
    spaced_para(label_row(table, "{{ section.title }}"), "{{ section.text }}", after=0)
    wide_tag_row(table, "{%tr endfor %}")
    issues = len(table.rows) - 2

    cell = label_row(table, "Case(s) discussed at supervision today (if appropriate)")
    spaced_tag(cell, "{%p for case in cases %}")
    line = spaced_para(cell, "Case reference: ", bold=True, before=2, after=0)
    write(line, "{{ case.reference }}", bold=True)
    spaced_note(cell, ANONYMISED_NOTE)
    spaced_para(cell, "{{ case.discussion }}", after=2)
    spaced_para(cell, "Advice: {{ case.advice }}", after=2)
    spaced_para(cell, "Actions: {{ case.actions }}", after=6)
    spaced_tag(cell, "{%p endfor %}")
    if_empty(cell, "cases")

    spaced_para(label_row(table, "Date of next supervision"), "{{ next_session_date }}", after=0)
    finish_table(table, (5.0, 12.0), tall_rows=(issues,), height=5.0)
    # The appendix's title heads its table: the document's heading and the table's header at once.
    caption_row(table, "APPENDIX 4: SUPERVISION RECORD", level=1, size=13)
    # Not on the policy's form: the actions, each a table of its own after it.
    record_actions(doc)

    # The policy's record has no signatures; the record is agreed by everyone who took part.
    spaced_para(doc, before=12, after=0)
    table = doc.add_table(rows=0, cols=3)
    cells = table.add_row().cells
    spaced_para(cells[0], "Supervisor", bold=True, after=0)
    spaced_para(cells[1], "{{ supervisor.name }}", after=0)
    agreement(cells[2], "signed.supervisor", dated=True)
    wide_tag_row(table, "{%tr for person in supervisees %}")
    cells = table.add_row().cells
    spaced_para(cells[0], "Supervisee", bold=True, after=0)
    spaced_para(cells[1], "{{ person.name }}", after=0)
    agreement(cells[2], "signed.supervisees[loop.index0]", dated=True)
    wide_tag_row(table, "{%tr endfor %}")
    finish_table(table, (3.0, 6.0, 8.0))
    caption_row(table, "Agreed as an accurate record", level=2, size=11)
    doc.add_paragraph()
    return doc


# --- Appendix 5: Clinical supervision contract -------------------------------------------------------

CLINICAL_AIMS = (
    "Work together to facilitate in-depth reflection on issues affecting practice, so developing both "
    "personally and professionally to develop a high level of clinical expertise and facilitate the "
    "application of effective practice to the clinical workload.",
    "Create a safe space to deal with the emotions generated by clinical work and address support needs "
    "to deliver effective care and interventions",
    "Maintain effective oversight – working together to ensure that clinical work (of the individual and "
    "the practice they see around them) is conforming to quality assurance expectations and practiced in "
    "a safe manner.",
)
CLINICAL_SUPERVISEE = (
    "Be willing to honestly share my clinical experiences. Be willing to learn, develop and be open to "
    "receiving feedback",
    "Meet all my responsibilities relating to clinical supervision as laid out in the policy",
)
CLINICAL_SUPERVISOR = (
    "Offer you advice, support and challenge to enable us to meet our aims for clinical supervision",
    "Be committed to developing myself as a practicing professional, using my own clinical supervision "
    "to support and develop my abilities as a clinician and as a clinical supervisor",
    "Meet all my responsibilities relating to clinical supervision as laid out in the policy",
)
CLINICAL_CONFIDENTIALITY = (
    "Confidentiality between supervisor and supervisee cannot be absolute within clinical supervision. "
    "Trust and respect are an important part of the supervisory relationship, but it is important to "
    "recognise that this has boundaries. Information may need to be shared for a variety of reasons "
    "such as:"
)
# The policy's list of reasons; its last line, unbulleted in the source text, reads as the fifth.
CLINICAL_REASONS = (
    "A public safety issue being recognised in the supervisees work",
    "A breach of codes of conduct, policy or protocol",
    "Criminal activity being revealed by the supervisee",
    "Safeguarding concerns",
    "Audit or evaluation of clinical supervision",
)
CLINICAL_CONSENT = (
    "Clinical supervision frequently covers aspects of work with service users and supervisory "
    "responsibilities. General and informed consent should be sought for those occasions where "
    "identifiable information may be discussed."
)


def _bullets(doc: DocumentObject, lines: tuple[str, ...]) -> None:
    for line in lines:
        spaced_para(doc, line, after=2, style="List Bullet")


def river_tees_clinical_contract() -> DocumentObject:
    """Return Appendix 5 of the River Tees policy, the clinical supervision contract."""
    doc = new_form(title="Clinical supervision contract")
    spaced_heading(doc, "APPENDIX 5: CLININCAL SUPERVISION CONTRACT", level=1, size=13, after=6)
    spaced_para(doc, "This supervision contract should be used as a basis for individual discussion, "
                     "agreement and negotiation. However, any negotiation must meet the requirements of "
                     "trust policy.", after=8)

    table = doc.add_table(rows=0, cols=4)
    for who, caption in (("supervisee", "Supervisee"), ("supervisor", "Supervisor")):
        cells = table.add_row().cells
        spaced_para(cells[0], caption, bold=True, after=0)
        spaced_para(cells[1], "{{ %s.name }}" % who, after=0)
        spaced_para(cells[2], "Line manager", bold=True, after=0)
        spaced_para(cells[3], "{{ %s.line_manager }}" % who, after=0)
        cells = table.add_row().cells
        spaced_para(cells[0], "Role and work base", bold=True, after=0)
        spaced_para(cells[1].merge(cells[3]), "{{ %s.role_and_base }}" % who, after=0)
    cells = table.add_row().cells
    spaced_para(cells[0], "Date of contract", bold=True, after=0)
    spaced_para(cells[1], "{{ agreed_date }}", after=0)
    spaced_para(cells[2], "Contract review date", bold=True, after=0)
    spaced_para(cells[3], "{{ review_date }}", after=0)
    for caption, values in (
        ("Frequency and length of sessions", ("{{ terms.frequency }}", "{{ terms.session_length }}")),
        ("Arrangements for booking/cancelling/rescheduling sessions",
         ("{{ terms.booking }}", "{{ terms.cancellation }}")),
        ("Type/model of supervision", ("{{ supervision_model }}",)),
    ):
        cells = table.add_row().cells
        spaced_para(cells[0], caption, bold=True, after=0)
        merged = cells[1].merge(cells[3])
        for value in values:
            spaced_para(merged, value, after=2)
    finish_table(table, (4.2, 5.3, 2.8, 4.7))
    caption_row(table, PARTIES_CAPTION)

    spaced_heading(doc, "Aims of Clinical Supervision", level=2, size=11, before=10, after=3)
    spaced_para(doc, "As clinical supervisor and supervisee we agree to:", after=3, keep=True)
    _bullets(doc, CLINICAL_AIMS)
    spaced_heading(doc, "As supervisee I will:", level=2, size=11, before=8, after=3)
    _bullets(doc, CLINICAL_SUPERVISEE)
    spaced_para(doc, "Take responsibility for {{ supervisee_responsibilities }}", before=4, after=4)
    spaced_para(doc, "Prepare for sessions by {{ supervisee_preparation }}", after=4)
    # Not on Appendix 5; in the words of Appendices 1 and 3, shown only when given.
    spaced_tag(doc, "{%p if supervisee_expectations %}")
    spaced_para(doc, "What the supervisee expects from supervision: {{ supervisee_expectations }}", after=4)
    spaced_tag(doc, "{%p endif %}")
    spaced_heading(doc, "As supervisor I will:", level=2, size=11, before=8, after=3)
    _bullets(doc, CLINICAL_SUPERVISOR)
    spaced_para(doc, "{{ supervisor_commitments }}", before=4, after=4)

    spaced_heading(doc, "Confidentiality and Record Keeping", level=2, size=11, before=8, after=3)
    spaced_para(doc, CLINICAL_CONFIDENTIALITY, after=3, keep=True)
    _bullets(doc, CLINICAL_REASONS)
    spaced_para(doc, CLINICAL_CONSENT, before=4, after=6)
    spaced_para(doc, "We will keep the following records {{ records_kept }}", after=4)
    spaced_para(doc, "These records will be stored {{ records_stored }}", after=4)
    spaced_para(doc, "If these records need to be accessed, we will {{ records_access }}", after=4)
    spaced_para(doc, "Other areas of agreement {{ other_agreements }}", after=10)

    table = doc.add_table(rows=0, cols=2)
    # The policy prints "Date" without a colon under the supervisor; kept as printed.
    for who, caption, date in (("supervisee", "Supervisee:", "Date:"), ("supervisor", "Supervisor:", "Date")):
        signature(label_row(table, caption), who)
        spaced_para(label_row(table, date), "{{ signed.%s.date }}" % who, after=0)
    finish_table(table, (4.0, 13.0), tall_rows=(0, 2))
    caption_row(table, "Contract Agreement:", level=2, size=11)
    doc.add_paragraph()
    return doc


FORMS: dict[str, Callable[[], DocumentObject]] = {
    "contract": river_tees_contract,
    "audit": river_tees_audit,
    "group-contract": river_tees_group_contract,
    "record": river_tees_record,
    "clinical-contract": river_tees_clinical_contract,
}

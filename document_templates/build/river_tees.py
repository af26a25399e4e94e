"""River Tees Multi-Academy Trust (seed 002): its policy's appendices as docxtpl forms."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .common import GREY, fix_table, new_form, shade, signature, write

# Countersign's own requirement, printed beside every case: not the trust's wording.
CASE_NOTE = "Use an anonymised case reference (initials or case-system id), never a child's name"

# --- Building blocks this trust's forms need beyond common.py ----------------------------------
# (The same few as build/farrington.py; candidates for common.py.)


def _paragraph(container, text: str = "", *, bold: bool = False, size: float | None = None,
               before: float = 0, after: float = 4, indent: float | None = None,
               keep: bool = False, style: str | None = None) -> Paragraph:
    """Add a paragraph holding text as one run (a tag in it stays whole)."""
    if isinstance(container, _Cell) and len(container.paragraphs) == 1 and not container.paragraphs[0].runs:
        paragraph = container.paragraphs[0]  # a new cell's own empty paragraph
    else:
        paragraph = container.add_paragraph()
    if style:
        paragraph.style = style
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent is not None:
        fmt.left_indent = Cm(indent)
    fmt.keep_with_next = keep or None
    if text:
        write(paragraph, text, bold=bold, size=size)
    return paragraph


def _tag(container, tag: str) -> None:
    """Add a paragraph-level tag ({%p ... %}) alone in its paragraph."""
    _paragraph(container, tag, after=0)


def _note(container, text: str) -> None:
    """Add a small grey line: Countersign's wording, set apart from the trust's."""
    paragraph = _paragraph(container, after=2)
    write(paragraph, text, italic=True, size=8, colour=GREY)


def _row(table: Table, label: str, *, bold: bool = True) -> _Cell:
    """Add a label | value row; return the value cell."""
    cells = table.add_row().cells
    _paragraph(cells[0], label, bold=bold, after=0)
    return cells[1]


def _wide_row(table: Table, text: str = "", *, bold: bool = False, shaded: bool = False) -> _Cell:
    """Add a row of one cell across the table."""
    cells = table.add_row().cells
    merged = cells[0].merge(cells[-1])
    if text:
        _paragraph(merged, text, bold=bold, after=0)
    if shaded:
        shade(merged)
    return merged


def _tag_row(table: Table, tag: str) -> None:
    """Add a row holding only a row-level tag ({%tr ... %})."""
    cells = table.add_row().cells
    cells[0].merge(cells[-1]).paragraphs[0].add_run(tag)


def _if_empty(cell: _Cell, items: str) -> None:
    """Leave an empty paragraph in a cell whose list is empty: Word requires one in every cell."""
    _tag(cell, "{%%p if not %s %%}" % items)
    _paragraph(cell, after=0)
    _tag(cell, "{%p endif %}")


def _agreement(cell: _Cell, who: str) -> None:
    """Write a party's agreement: the name, and once agreed, when."""
    _paragraph(cell, "{{ %s.name }}" % who, after=0)
    _tag(cell, "{%%p if %s.name %%}" % who)
    _note(cell, "Agreed electronically on {{ %s.date }}" % who)
    _tag(cell, "{%p endif %}")


def _actions_table(cell: _Cell, loop: str, columns: tuple[tuple[str, str, float], ...]) -> None:
    """Put a table of actions, one row per item of loop, inside a cell."""
    table = cell.add_table(rows=1, cols=len(columns))
    for header, (caption, _, _) in zip(table.rows[0].cells, columns, strict=True):
        _paragraph(header, caption, bold=True, after=0)
        shade(header)
    _tag_row(table, "{%%tr for %s %%}" % loop)
    for value, (_, tag, _) in zip(table.add_row().cells, columns, strict=True):
        _paragraph(value, tag, after=0)
    _tag_row(table, "{%tr endfor %}")
    fix_table(table, [width for _, _, width in columns])
    cell._tc.remove(cell.paragraphs[0]._p)  # the cell's own empty paragraph, above the table


def _finish(table: Table, widths: tuple[float, ...], *, tall_rows: tuple[int, ...] = (),
            height: float = 1.2) -> None:
    fix_table(table, widths)
    for index, row in enumerate(table.rows):
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        if index in tall_rows:
            row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST


def _tick(paragraph: Paragraph, choice: str) -> None:
    """Append a tick box for one answer of confidentiality_discussed ("Yes" or "No")."""
    write(paragraph, "\t{{ '☒' if confidentiality_discussed == '%s' else '☐' }} %s" % (choice, choice))


# --- Appendices 1 and 3: one to one and group supervision contracts --------------------------------

LEAD_IN = "Supervision will be conducted in a professional manner and in line with this contract:"


def _contract(doc: DocumentObject, *, group: bool) -> None:
    """Add the table of Appendix 1 (one to one) or Appendix 3 (group), then its agreement."""
    table = doc.add_table(rows=0, cols=2)
    if group:
        cell = _row(table, "SUPERVISEES")
        _tag(cell, "{%p for person in supervisees %}")
        _paragraph(cell, "{{ person.name }}", after=0)
        _tag(cell, "{%p endfor %}")
        _if_empty(cell, "supervisees")
    else:
        _paragraph(_row(table, "SUPERVISEE"), "{{ supervisee.name }}", after=0)
    _paragraph(_row(table, "SUPERVISOR"), "{{ supervisor.name }}", after=0)
    _wide_row(table, "We have agreed that supervision will be conducted as follows:", bold=True, shaded=True)
    _paragraph(_row(table, "Frequency of sessions"), "{{ terms.frequency }}", after=0)
    _paragraph(_row(table, "Duration of sessions"), "{{ terms.session_length }}", after=0)
    _paragraph(_row(table, "Venue"), "{{ terms.venue }}", after=0)
    cell = _row(table, "Agreed action for cancellation of planned supervision")
    _paragraph(cell, "{{ terms.group_cancellation }}" if group else "{{ terms.cancellation }}", after=2)
    _paragraph(cell, "Email address: {{ supervisor.email }}", after=0)
    label = "Issues not considered appropriate for supervision" + ("" if group else ":")
    _paragraph(_row(table, label), "{{ terms.not_appropriate }}", after=0)
    cell = _row(table, "What the supervisor expects from supervision")
    _paragraph(cell, LEAD_IN, after=4)
    key = "group_supervisor_expectations" if group else "supervisor_expectations"
    _paragraph(cell, "{{ terms.%s }}" % key, after=0)
    expectations = len(table.rows)
    _paragraph(_row(table, "What the supervisee expects from supervision"), "{{ supervisee_expectations }}",
               after=0)
    # Not on the policy's form; shown only when the author agreed something more.
    _tag_row(table, "{%tr if other_agreements %}")
    _paragraph(_row(table, "Other areas of agreement"), "{{ other_agreements }}", after=0)
    _tag_row(table, "{%tr endif %}")
    _finish(table, (5.5, 11.5), tall_rows=(expectations,), height=2.5)

    line = _paragraph(doc, before=12, after=10)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(11.0), WD_TAB_ALIGNMENT.LEFT)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(13.5), WD_TAB_ALIGNMENT.LEFT)
    write(line, "Confidentiality discussed and limitations agreed" + (":" if group else ""))
    _tick(line, "Yes")
    _tick(line, "No")

    table = doc.add_table(rows=0, cols=2)
    if group:
        _agreement(_row(table, "Signature of supervisor:"), "signed.supervisor")
        cell = _row(table, "Signature of supervisees:")
        _tag(cell, "{%p for party in signed.supervisees %}")
        _agreement(cell, "party")
        _tag(cell, "{%p endfor %}")
        _if_empty(cell, "signed.supervisees")
    else:
        _agreement(_row(table, "Signature of Supervisor"), "signed.supervisor")
        _agreement(_row(table, "Signature of Supervisee"), "signed.supervisee")
    _paragraph(_row(table, "Date:"), "{{ agreed_date }}", after=0)
    # The policy's form has no review date; Countersign's contracts carry one.
    _paragraph(_row(table, "Review date:"), "{{ review_date }}", after=0)
    _finish(table, (5.5, 11.5), tall_rows=(0, 1), height=1.1)
    doc.add_paragraph()  # Word wants a paragraph after a table that ends the body


def river_tees_contract() -> DocumentObject:
    """Return Appendix 1 of the River Tees policy, the one to one supervision contract."""
    doc = new_form(title="One to one supervision contract")
    _paragraph(doc, "APPENDIX 1: ONE TO ONE SUPERVISION CONTRACT", bold=True, size=13, after=4)
    _paragraph(doc, "SUPERVISION CONTRACT", bold=True, size=12, after=8)
    _contract(doc, group=False)
    return doc


def river_tees_group_contract() -> DocumentObject:
    """Return Appendix 3 of the River Tees policy, the group supervision contract."""
    doc = new_form(title="Group supervision contract")
    _paragraph(doc, "APPENDIX 3: GROUP SUPERVISION CONTRACT", bold=True, size=13, after=8)
    _contract(doc, group=True)
    return doc


# --- Appendix 2: Audit tool ---------------------------------------------------------------------


def river_tees_audit() -> DocumentObject:
    """Return Appendix 2 of the River Tees policy: the questions come from the profile's [audit]."""
    doc = new_form(title="Audit tool – safeguarding supervision")
    _paragraph(doc, "APPENDIX 2: AUDIT TOOL – SAFEGUARDING SUPERVISION", bold=True, size=13, after=10)
    _tag(doc, "{%p for question in questions %}")
    line = _paragraph(doc, "{{ question.number }}. {{ question.text }} ", before=6, after=2, keep=True)
    write(line, "{{ question.answer }}", bold=True)
    _tag(doc, "{%p if question.comments %}")
    _paragraph(doc, "Comments: {{ question.comments }}", indent=0.75, after=4)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _paragraph(doc, "Name (optional): {{ respondent_name }}", before=14, after=4)
    _paragraph(doc, "Date: {{ answered_date }}", after=4)
    # The supervisee's agreement is sealed, but the tool asks for the name only optionally:
    # the form says that it was submitted, without printing who.
    _tag(doc, "{%p if signed.supervisee.name %}")
    _note(doc, "Submitted and agreed electronically on {{ signed.supervisee.date }}")
    _tag(doc, "{%p endif %}")
    return doc


# --- Appendix 4: Supervision record -----------------------------------------------------------------


def river_tees_record() -> DocumentObject:
    """Return Appendix 4 of the River Tees policy, the supervision record."""
    doc = new_form(title="Supervision record")
    _paragraph(doc, "APPENDIX 4: SUPERVISION RECORD", bold=True, size=13, after=8)
    table = doc.add_table(rows=0, cols=2)
    cell = _row(table, "Attendees")
    _tag(cell, "{%p for person in attendees %}")
    _paragraph(cell, "{{ person.name }}{% if person.role %} ({{ person.role }}){% endif %}", after=0)
    _tag(cell, "{%p endfor %}")
    _if_empty(cell, "attendees")
    _paragraph(_row(table, "Date of supervision"), "{{ session_date }}", after=0)

    _tag_row(table, "{%tr if agenda_items %}")
    cell = _row(table, "Agenda")
    _tag(cell, "{%p for item in agenda_items %}")
    _paragraph(cell, "{{ item }}", after=2, style="List Bullet")
    _tag(cell, "{%p endfor %}")
    _tag_row(table, "{%tr endif %}")

    _tag_row(table, "{%tr if open_actions %}")
    _actions_table(_row(table, "Review of actions from last meeting"), "action in open_actions", (
        ("Action", "{{ action.what }}", 4.4), ("By whom", "{{ action.who }}", 2.8),
        ("By when", "{{ action.due }}", 2.8), ("Done", "{{ action.done }}", 1.4)))
    _tag_row(table, "{%tr endif %}")

    _tag_row(table, "{%tr for section in sections %}")
    _paragraph(_row(table, "{{ section.title }}"), "{{ section.text }}", after=0)
    _tag_row(table, "{%tr endfor %}")
    issues = len(table.rows) - 2

    cell = _row(table, "Case(s) discussed at supervision today (if appropriate)")
    _tag(cell, "{%p for case in cases %}")
    line = _paragraph(cell, "Case reference: ", bold=True, before=2, after=0)
    write(line, "{{ case.reference }}", bold=True)
    _note(cell, CASE_NOTE)
    _paragraph(cell, "{{ case.discussion }}", after=2)
    _paragraph(cell, "Advice: {{ case.advice }}", after=2)
    _paragraph(cell, "Actions: {{ case.actions }}", after=6)
    _tag(cell, "{%p endfor %}")
    _if_empty(cell, "cases")

    _tag_row(table, "{%tr if actions %}")
    _actions_table(_row(table, "Agreed actions"), "action in actions", (
        ("Action", "{{ action.what }}", 5.8), ("By whom", "{{ action.who }}", 2.8),
        ("By when", "{{ action.due }}", 2.8)))
    _tag_row(table, "{%tr endif %}")
    _paragraph(_row(table, "Date of next supervision"), "{{ next_session_date }}", after=0)
    _finish(table, (5.0, 12.0), tall_rows=(issues,), height=5.0)

    # The policy's record has no signatures; the record is agreed by everyone who took part.
    _paragraph(doc, "Agreed as an accurate record", bold=True, before=12, after=4, keep=True)
    table = doc.add_table(rows=0, cols=3)
    cells = table.add_row().cells
    _paragraph(cells[0], "Supervisor", bold=True, after=0)
    _paragraph(cells[1], "{{ supervisor.name }}", after=0)
    _agreement(cells[2], "signed.supervisor")
    _tag_row(table, "{%tr for person in supervisees %}")
    cells = table.add_row().cells
    _paragraph(cells[0], "Supervisee", bold=True, after=0)
    _paragraph(cells[1], "{{ person.name }}", after=0)
    _agreement(cells[2], "signed.supervisees[loop.index0]")
    _tag_row(table, "{%tr endfor %}")
    _finish(table, (3.0, 6.0, 8.0))
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
        _paragraph(doc, line, after=2, style="List Bullet")


def river_tees_clinical_contract() -> DocumentObject:
    """Return Appendix 5 of the River Tees policy, the clinical supervision contract."""
    doc = new_form(title="Clinical supervision contract")
    _paragraph(doc, "APPENDIX 5: CLININCAL SUPERVISION CONTRACT", bold=True, size=13, after=6)
    _paragraph(doc, "This supervision contract should be used as a basis for individual discussion, "
                    "agreement and negotiation. However, any negotiation must meet the requirements of "
                    "trust policy.", after=8)

    table = doc.add_table(rows=0, cols=4)
    for who, caption in (("supervisee", "Supervisee"), ("supervisor", "Supervisor")):
        cells = table.add_row().cells
        _paragraph(cells[0], caption, bold=True, after=0)
        _paragraph(cells[1], "{{ %s.name }}" % who, after=0)
        _paragraph(cells[2], "Line manager", bold=True, after=0)
        _paragraph(cells[3], "{{ %s.line_manager }}" % who, after=0)
        cells = table.add_row().cells
        _paragraph(cells[0], "Role and work base", bold=True, after=0)
        _paragraph(cells[1].merge(cells[3]), "{{ %s.role_and_base }}" % who, after=0)
    cells = table.add_row().cells
    _paragraph(cells[0], "Date of contract", bold=True, after=0)
    _paragraph(cells[1], "{{ agreed_date }}", after=0)
    _paragraph(cells[2], "Contract review date", bold=True, after=0)
    _paragraph(cells[3], "{{ review_date }}", after=0)
    for caption, values in (
        ("Frequency and length of sessions", ("{{ terms.frequency }}", "{{ terms.session_length }}")),
        ("Arrangements for booking/cancelling/rescheduling sessions",
         ("{{ terms.booking }}", "{{ terms.cancellation }}")),
        ("Type/model of supervision", ("{{ supervision_model }}",)),
    ):
        cells = table.add_row().cells
        _paragraph(cells[0], caption, bold=True, after=0)
        merged = cells[1].merge(cells[3])
        for value in values:
            _paragraph(merged, value, after=2)
    _finish(table, (4.2, 5.3, 2.8, 4.7))

    _paragraph(doc, "Aims of Clinical Supervision", bold=True, before=10, after=3, keep=True)
    _paragraph(doc, "As clinical supervisor and supervisee we agree to:", after=3, keep=True)
    _bullets(doc, CLINICAL_AIMS)
    _paragraph(doc, "As supervisee I will:", bold=True, before=8, after=3, keep=True)
    _bullets(doc, CLINICAL_SUPERVISEE)
    _paragraph(doc, "Take responsibility for {{ supervisee_responsibilities }}", before=4, after=4)
    _paragraph(doc, "Prepare for sessions by {{ supervisee_preparation }}", after=4)
    # Not on Appendix 5; in the words of Appendices 1 and 3, shown only when given.
    _tag(doc, "{%p if supervisee_expectations %}")
    _paragraph(doc, "What the supervisee expects from supervision: {{ supervisee_expectations }}", after=4)
    _tag(doc, "{%p endif %}")
    _paragraph(doc, "As supervisor I will:", bold=True, before=8, after=3, keep=True)
    _bullets(doc, CLINICAL_SUPERVISOR)
    _paragraph(doc, "{{ supervisor_commitments }}", before=4, after=4)

    _paragraph(doc, "Confidentiality and Record Keeping", bold=True, before=8, after=3, keep=True)
    _paragraph(doc, CLINICAL_CONFIDENTIALITY, after=3, keep=True)
    _bullets(doc, CLINICAL_REASONS)
    _paragraph(doc, CLINICAL_CONSENT, before=4, after=6)
    _paragraph(doc, "We will keep the following records {{ records_kept }}", after=4)
    _paragraph(doc, "These records will be stored {{ records_stored }}", after=4)
    _paragraph(doc, "If these records need to be accessed, we will {{ records_access }}", after=4)
    _paragraph(doc, "Other areas of agreement {{ other_agreements }}", after=10)

    _paragraph(doc, "Contract Agreement:", bold=True, after=4, keep=True)
    table = doc.add_table(rows=0, cols=2)
    # The policy prints "Date" without a colon under the supervisor; kept as printed.
    for who, caption, date in (("supervisee", "Supervisee:", "Date:"), ("supervisor", "Supervisor:", "Date")):
        signature(_row(table, caption), who)
        _paragraph(_row(table, date), "{{ signed.%s.date }}" % who, after=0)
    _finish(table, (4.0, 13.0), tall_rows=(0, 2))
    doc.add_paragraph()
    return doc


FORMS: dict[str, Callable[[], DocumentObject]] = {
    "contract": river_tees_contract,
    "audit": river_tees_audit,
    "group-contract": river_tees_group_contract,
    "record": river_tees_record,
    "clinical-contract": river_tees_clinical_contract,
}

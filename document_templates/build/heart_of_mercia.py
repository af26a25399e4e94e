"""The Heart of Mercia Academy Trust (seed 000): its policy's appendices as docxtpl forms."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.shared import Cm, Pt
from docx.table import _Cell

from .common import (
    align,
    bullets,
    end,
    fix_table,
    header_row,
    heading,
    headings,
    merge_row,
    new_form,
    note,
    para,
    repeat_header,
    shade,
    signature,
    tag_paragraph,
    tag_row,
    vmerge,
    write,
)
from .generic import (
    ANSWERS_CAPTION,
    SESSION_CAPTION,
    actions_table,
    details,
    questions_table,
    signature_table,
)


def title_heading(cell: _Cell, text: str) -> None:
    """Write the form's title as the policy prints it, in the table's first row, as Heading 1."""
    paragraph = cell.paragraphs[0]
    paragraph.style = "Heading 1"
    paragraph.paragraph_format.space_after = Pt(0)
    write(paragraph, text, bold=True, size=12)


# --- Heart of Mercia Academy Trust: Appendix A, Safeguarding Supervision Contract -----------------

# Each bullet as Appendix A prints it; {{ terms.* }} marks the trust's term, the rest is the
# fixed frame. With the profile's defaults every bullet reads word for word as in the policy.
HEART_OF_MERCIA_AGREEMENT = (
    "Safeguarding supervision will be undertaken {{ terms.frequency }} "
    "and will be for {{ terms.session_length }}",
    "Every effort will be made for supervision to take place in an uninterrupted environment",
    "The venue will be {{ terms.venue }}",
    "The preparation for supervision will include {{ terms.preparation }}",
    "{{ terms.cancellation }}",
    "If at any time the Supervisor or the Supervisee is unhappy about an issue which cannot be "
    "resolved, {{ terms.escalation }}",
    "Supervisors will respect the confidentiality of the Supervisee in all areas except "
    "{{ terms.confidentiality }}",
    "Notes and agreed actions will be {{ terms.record_keeping }}",
    "Any decisions made on individual cases and agreed by the DSL or DDSL will be "
    "{{ terms.case_decisions }}",
)


def heart_of_mercia_contract() -> DocumentObject:
    """Return Appendix A of the Heart of Mercia policy as a docxtpl template."""
    doc = new_form(title="Safeguarding Supervision Contract")
    widths = (4.0, 5.0, 3.0, 5.0)
    table = doc.add_table(rows=7, cols=4)
    fix_table(table, widths)

    title = merge_row(table, 0)
    shade(title)
    title_heading(title, "Safeguarding Supervision Contract")
    repeat_header(table.rows[0])

    for index, (caption, tag) in enumerate(
        (("Supervisee:", "{{ supervisee.name }}"), ("Supervisor:", "{{ supervisor.name }}")), start=1
    ):
        cells = table.rows[index].cells
        write(cells[0].paragraphs[0], caption, bold=True)
        write(merge_row(table, index, first=1).paragraphs[0], tag)

    dates = table.rows[3].cells
    write(dates[0].paragraphs[0], "Agreed Date:", bold=True)
    write(dates[1].paragraphs[0], "{{ agreed_date }}")
    write(dates[2].paragraphs[0], "Review Date:", bold=True)
    write(dates[3].paragraphs[0], "{{ review_date }}")

    agreement = table.rows[4]
    write(agreement.cells[0].paragraphs[0], "Supervision Agreement:", bold=True)
    bullets(merge_row(table, 4, first=1), HEART_OF_MERCIA_AGREEMENT)

    for index, role, caption in ((5, "supervisor", "Supervisor:"), (6, "supervisee", "Supervisee:")):
        row = table.rows[index]
        row.height, row.height_rule = Cm(1.4), WD_ROW_HEIGHT_RULE.AT_LEAST
        cells = row.cells
        write(cells[0].paragraphs[0], caption, bold=True)
        signature(cells[1], role)
        write(cells[2].paragraphs[0], "Date:", bold=True)
        write(cells[3].paragraphs[0], "{{ signed.%s.date }}" % role)

    for row_index, row in enumerate(table.rows):
        for cell in row.cells:
            top = row_index == 4
            cell.vertical_alignment = (
                WD_CELL_VERTICAL_ALIGNMENT.TOP if top else WD_CELL_VERTICAL_ALIGNMENT.CENTER
            )
    doc.add_paragraph()  # Word wants a paragraph after a table that ends the body
    return doc


# --- Heart of Mercia Academy Trust: Appendix B, Agenda ---------------------------------------------

# Appendix B's headings, each with its numbered items, as the policy prints them.
HEART_OF_MERCIA_AGENDA = (
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
            "9. Impact of work on individuals professionally or personally and any additional support "
            "which may be necessary",
            "10. Professional practice issues e.g., new policies, quality of performance, safer working "
            "practice, professional boundaries, role within the academy",
        ),
    ),
    (
        "Development:",
        (
            "11. PD support and access to resources e.g., reflect on recent or forthcoming training "
            "development opportunities",
        ),
    ),
    ("Completion:", ("12. Any other business", "13. Date of next supervision")),
)
OPEN_ACTION = "{{ action.what }} — {{ action.who }} — {{ action.due }}"


def heart_of_mercia_agenda() -> DocumentObject:
    """Return Appendix B of the Heart of Mercia policy, with open actions and added items."""
    doc = new_form(title="Safeguarding Supervision")
    table = doc.add_table(rows=1, cols=2)
    title = merge_row(table, 0)
    shade(title)
    title_heading(title, "Safeguarding Supervision")
    repeat_header(table.rows[0])
    for caption, value in (("Date:", "{{ session_date }}"), ("Time:", "{{ session_time }}")):
        cells = table.add_row().cells
        write(cells[0].paragraphs[0], caption, bold=True)
        write(cells[1].paragraphs[0], value)

    for heading_text, items in HEART_OF_MERCIA_AGENDA:
        labels = []
        for item in items:
            if item.startswith("13."):
                # Added items go under Completion, before the date of the next supervision.
                for row_tag, text in (
                    ("{%tr for item in extra_items %}", None),
                    ("", "{{ item }}"),
                    ("{%tr endfor %}", None),
                ):
                    cells = table.add_row().cells
                    labels.append(cells[0])
                    if text is None:
                        write(cells[1].paragraphs[0], row_tag)
                    else:
                        cells[1].paragraphs[0].style = "List Bullet"
                        write(cells[1].paragraphs[0], text)
            cells = table.add_row().cells
            labels.append(cells[0])
            write(cells[1].paragraphs[0], item)
            if item.startswith("4."):
                tag_paragraph(cells[1], "{%p for action in open_actions %}")
                para(cells[1], OPEN_ACTION, style="List Bullet")
                tag_paragraph(cells[1], "{%p endfor %}")
        write(labels[0].paragraphs[0], heading_text, bold=True)
        vmerge(labels)

    fix_table(table, (6.0, 11.0))
    align(table)
    end(doc)
    return doc


# --- Heart of Mercia Academy Trust: Appendix C, Notes and Actions Template --------------------------


def heart_of_mercia_record() -> DocumentObject:
    """Return Appendix C of the Heart of Mercia policy, with the session's agenda in its header."""
    doc = new_form(title="Safeguarding Supervision Notes and Actions Template")
    headings(doc)
    heading(doc, "Safeguarding Supervision Notes and Actions Template", level=1)
    table = details(
        doc,
        (
            ("Date of supervision:", "{{ session_date }}"),
            ("Attendees:", "{%p for person in attendees %}"),
            ("{%tr if agenda_items %}", ""),
            ("Agenda:", "{%p for item in agenda_items %}"),
            ("{%tr endif %}", ""),
            ("{%tr if next_session_date %}", ""),
            ("Date of next supervision:", "{{ next_session_date }}"),
            ("{%tr endif %}", ""),
        ),
        caption=SESSION_CAPTION,
        label_cm=4.5,
    )
    attendees = table.rows[2].cells[1]
    write(attendees.add_paragraph(), "{{ person.name }}{% if person.role %}, {{ person.role }}{% endif %}")
    tag_paragraph(attendees, "{%p endfor %}")
    agenda = table.rows[4].cells[1]
    write(agenda.add_paragraph(), "{{ loop.index }}. {{ item }}")
    tag_paragraph(agenda, "{%p endfor %}")

    tag_paragraph(doc, "{%p if open_actions %}")
    heading(doc, "Review of actions from last meeting")
    actions_table(
        doc, done=True, source="open_actions", captions=("Agreed Action", "By Whom", "By Date", "Done")
    )
    tag_paragraph(doc, "{%p endif %}")
    para(doc, after=6)

    notes = doc.add_table(rows=1, cols=5)
    header_row(notes.rows[0], ("Item", "Notes", "Agreed Action", "By Whom", "By Date"))
    tag_row(notes, "{%tr for section in sections %}")
    cells = notes.add_row().cells
    write(cells[0].paragraphs[0], "{{ section.title }}", bold=True)
    write(cells[1].paragraphs[0], "{{ section.text }}")
    tag_row(notes, "{%tr endfor %}")
    tag_row(notes, "{%tr for case in cases %}")
    cells = notes.add_row().cells
    write(cells[0].paragraphs[0], "{{ case.reference }}", bold=True)
    note(cells[0])
    write(cells[1].paragraphs[0], "{{ case.discussion }}")
    tag_paragraph(cells[1], "{%p if case.advice %}")
    paragraph = para(cells[1])
    write(paragraph, "Advice: ", bold=True)
    write(paragraph, "{{ case.advice }}")
    tag_paragraph(cells[1], "{%p endif %}")
    write(cells[2].paragraphs[0], "{{ case.actions }}")
    tag_row(notes, "{%tr endfor %}")
    tag_row(notes, "{%tr for action in actions %}")
    cells = notes.add_row().cells
    for cell, field in zip(cells[2:], ("what", "who", "due"), strict=True):
        write(cell.paragraphs[0], "{{ action.%s }}" % field)
    tag_row(notes, "{%tr endfor %}")
    fix_table(notes, (3.4, 5.6, 3.8, 2.2, 2.0))
    align(notes)
    para(doc, after=6)

    signature_table(doc, group=True, caption="Date Agreed", supervisor_last=True)
    end(doc)
    return doc


# --- Heart of Mercia Academy Trust: Appendix D, evaluation form ---------------------------------------
# The policy names Appendix D but does not print it; the questions are the profile's [audit]
# questions, drawn from section 2 (the purposes of safeguarding supervision).


def heart_of_mercia_audit() -> DocumentObject:
    """Return the Appendix D evaluation form: the profile's questions, answered by a supervisee."""
    doc = new_form(title="Safeguarding Supervision Evaluation Form")
    headings(doc)
    heading(doc, "Safeguarding Supervision Evaluation Form", level=1)
    para(
        doc,
        "These arrangements will be reviewed annually to assess the impact, quality and value of the support.",
        after=8,
    )
    details(
        doc,
        (("Name (optional):", "{{ respondent_name }}"), ("Date:", "{{ answered_date }}")),
        caption=ANSWERS_CAPTION,
        label_cm=4.5,
    )
    para(doc, after=6)
    questions_table(doc)
    para(doc, after=6)
    signature_table(doc, group=False, supervisor=False, caption="Date")
    end(doc)
    return doc


FORMS: dict[str, Callable[[], DocumentObject]] = {
    "contract": heart_of_mercia_contract,
    "agenda": heart_of_mercia_agenda,
    "record": heart_of_mercia_record,
    "audit": heart_of_mercia_audit,
}



"""Generic forms, one per kind, for a trust without a form of its own: no trust's wording in them.

Everything trust-specific arrives as a variable: the trust's name, its terms (`terms.frequency`,
`terms.session_length` and `terms.venue` always; any other term only if the profile has it),
the record's sections and the audit's questions. The blocks these forms are built from (rows
repeated by `{%tr %}`, vertically merged cells, headings) are in common.py; a trust module may
also reuse a whole generic table (details, the questions, the signatures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.shared import Cm, Pt
from docx.table import Table

from .common import (
    GREY,
    TEXT_WIDTH_CM,
    align,
    caption_row,
    end,
    first,
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
    write,
)

# --- Generic blocks ---------------------------------------------------------------------------------

# Countersign's captions heading the tables of a session's or an answer's details.
SESSION_CAPTION = "Session"
ANSWERS_CAPTION = "Answers"
# Terms every trust has, then terms only some trusts state, each with the label the form prints.
TERMS = (("frequency", "Frequency"), ("session_length", "Length of each session"), ("venue", "Venue"))
OPTIONAL_TERMS = (
    ("preparation", "Preparation"),
    ("cancellation", "Cancellation or postponement"),
    ("escalation", "If a disagreement cannot be resolved"),
    ("confidentiality", "Confidentiality and its limits"),
    ("record_keeping", "Notes and agreed actions"),
    ("case_decisions", "Decisions on individual cases"),
)


def title_block(doc: DocumentObject, title: str) -> None:
    """Add the form's title and, under it, the trust's name."""
    headings(doc)
    heading(doc, title, level=1).paragraph_format.space_after = Pt(0)
    para(doc, "{{ trust.name }}", colour=GREY, after=10)


def dates(doc: DocumentObject) -> None:
    """Add the contract's dates, headed "Dates" (a heading in the table's header row)."""
    details(doc, (("Agreed date", "{{ agreed_date }}"), ("Review date", "{{ review_date }}")), caption="Dates",
            level=2)


def term_bullets(doc: DocumentObject) -> None:
    """Add the trust's terms as a bulleted list, each optional term only where the trust has it."""
    for key, label in TERMS:
        paragraph = para(doc, style="List Bullet")
        write(paragraph, f"{label}: ", bold=True)
        write(paragraph, "{{ terms.%s }}" % key)
    for key, label in OPTIONAL_TERMS:
        tag_paragraph(doc, "{%%p if terms.%s is defined and terms.%s %%}" % (key, key))
        paragraph = para(doc, style="List Bullet")
        write(paragraph, f"{label}: ", bold=True)
        write(paragraph, "{{ terms.%s }}" % key)
        tag_paragraph(doc, "{%p endif %}")


def details(doc: DocumentObject, rows: Sequence[tuple[str, str]], *, caption: str, level: int | None = None,
            label_cm: float = 5.0) -> Table:
    """Add a two-column label/value table headed by caption (a heading of that level, if given), its
    header row (so table.rows[0] is the caption's); a label of "{%tr ...%}" is a row-level tag."""
    if level is not None:  # in place of a heading paragraph: keep the table apart from one above it
        para(doc, after=0).paragraph_format.space_before = Pt(6)
    table = doc.add_table(rows=0, cols=2)
    for label, value in rows:
        if label.startswith("{%tr"):
            tag_row(table, label)
            continue
        cells = table.add_row().cells
        shade(cells[0])
        first(cells[0], label, bold=True)
        first(cells[1], value)
    fix_table(table, (label_cm, TEXT_WIDTH_CM - label_cm))
    align(table)
    caption_row(table, caption, level=level)
    return table


def parties_table(doc: DocumentObject, *, group: bool) -> Table:
    """Add the parties: role, name and position of the supervisor and each supervisee."""
    table = doc.add_table(rows=1, cols=3)
    header_row(table.rows[0], ("Role", "Name", "Role or position"))
    cells = table.add_row().cells
    first(cells[0], "Supervisor")
    first(cells[1], "{{ supervisor.name }}")
    first(cells[2], "{{ supervisor.position }}")
    if group:
        tag_row(table, "{%tr for person in supervisees %}")
        cells = table.add_row().cells
        first(cells[0], "Supervisee")
        first(cells[1], "{{ person.name }}")
        first(cells[2], "{{ person.position }}")
        tag_row(table, "{%tr endfor %}")
    else:
        cells = table.add_row().cells
        first(cells[0], "Supervisee")
        first(cells[1], "{{ supervisee.name }}")
        first(cells[2], "{{ supervisee.position }}")
    tag_row(table, "{%tr if school %}")
    cells = table.add_row().cells
    first(cells[0], "School")
    first(merge_row(table, len(table.rows) - 1, first=1), "{{ school }}")
    tag_row(table, "{%tr endif %}")
    fix_table(table, (3.5, 6.75, 6.75))
    align(table)
    return table


def signature_table(
    doc: DocumentObject,
    *,
    group: bool,
    supervisor: bool = True,
    caption: str = "Date agreed",
    supervisor_last: bool = False,
) -> Table:
    """Add a signature table: a row per party with name, role, agreement and date (the supervisor's
    row first, or after the supervisees' where supervisor_last)."""
    table = doc.add_table(rows=1, cols=4)
    header_row(table.rows[0], ("Name", "Role", "Signature", caption))

    def party_row(name: str, role: str, signed: str) -> None:
        row = table.add_row()
        row.height, row.height_rule = Cm(1.2), WD_ROW_HEIGHT_RULE.AT_LEAST
        cells = row.cells
        first(cells[0], name)
        first(cells[1], role)
        signature(cells[2], signed)
        first(cells[3], "{{ signed.%s.date }}" % signed)

    if supervisor and not supervisor_last:
        party_row("{{ supervisor.name }}", "Supervisor", "supervisor")
    if group:
        tag_row(table, "{%tr for person in supervisees %}")
        party_row("{{ person.name }}", "Supervisee", "supervisees[loop.index0]")
        tag_row(table, "{%tr endfor %}")
    else:
        party_row("{{ supervisee.name }}", "Supervisee", "supervisee")
    if supervisor and supervisor_last:
        party_row("{{ supervisor.name }}", "Supervisor", "supervisor")
    fix_table(table, (5.0, 3.0, 5.0, 4.0))
    align(table, WD_CELL_VERTICAL_ALIGNMENT.CENTER)
    return table


def agreement_fields(doc: DocumentObject) -> None:
    """Add the contract's own fields: expectations, confidentiality discussed, other agreements."""
    tag_paragraph(doc, "{%p if supervisee_expectations %}")
    heading(doc, "What the supervisee expects from supervision")
    para(doc, "{{ supervisee_expectations }}")
    tag_paragraph(doc, "{%p endif %}")
    heading(doc, "Confidentiality")
    paragraph = para(doc)
    write(paragraph, "Confidentiality and its limitations discussed and agreed: ", bold=True)
    write(paragraph, "{{ confidentiality_discussed }}")
    tag_paragraph(doc, "{%p if other_agreements %}")
    heading(doc, "Other areas of agreement")
    para(doc, "{{ other_agreements }}")
    tag_paragraph(doc, "{%p endif %}")


# --- The forms ------------------------------------------------------------------------------------


def contract(*, group: bool = False) -> DocumentObject:
    """Return a one-to-one (or group) supervision contract."""
    title = "Group Supervision Contract" if group else "Supervision Contract"
    doc = new_form(title=title)
    title_block(doc, title)
    heading(doc, "Parties")
    parties_table(doc, group=group)
    dates(doc)
    heading(doc, "Terms of supervision")
    term_bullets(doc)
    agreement_fields(doc)
    heading(doc, "Agreement")
    para(doc, "By agreeing, each party accepts the terms of this contract.", after=6)
    signature_table(doc, group=group)
    end(doc)
    return doc


def group_contract() -> DocumentObject:
    """Return a group supervision contract: one supervisor, every supervisee."""
    return contract(group=True)


def clinical_contract() -> DocumentObject:
    """Return a clinical supervision contract: each party with line manager, role and work base."""
    title = "Clinical Supervision Contract"
    doc = new_form(title=title)
    title_block(doc, title)
    heading(doc, "Parties")
    table = doc.add_table(rows=1, cols=3)
    header_row(table.rows[0], ("", "Supervisor", "Supervisee"))
    for caption, field in (
        ("Name", "name"),
        ("Role and work base", "role_and_base"),
        ("Line manager", "line_manager"),
        ("Email", "email"),
    ):
        cells = table.add_row().cells
        shade(cells[0])
        first(cells[0], caption, bold=True)
        first(cells[1], "{{ supervisor.%s }}" % field)
        first(cells[2], "{{ supervisee.%s }}" % field)
    tag_row(table, "{%tr if school %}")
    cells = table.add_row().cells
    shade(cells[0])
    first(cells[0], "School", bold=True)
    first(merge_row(table, len(table.rows) - 1, first=1), "{{ school }}")
    tag_row(table, "{%tr endif %}")
    fix_table(table, (4.0, 6.5, 6.5))
    align(table)
    dates(doc)
    heading(doc, "Type or model of supervision")
    para(doc, "{{ supervision_model }}")
    heading(doc, "Terms of supervision")
    term_bullets(doc)
    heading(doc, "The supervisee will")
    for caption, value in (
        ("Take responsibility for: ", "{{ supervisee_responsibilities }}"),
        ("Prepare for sessions by: ", "{{ supervisee_preparation }}"),
    ):
        paragraph = para(doc, style="List Bullet")
        write(paragraph, caption, bold=True)
        write(paragraph, value)
    tag_paragraph(doc, "{%p if supervisor_commitments %}")
    heading(doc, "The supervisor will also")
    para(doc, "{{ supervisor_commitments }}")
    tag_paragraph(doc, "{%p endif %}")
    details(
        doc,
        (
            ("Records kept", "{{ records_kept }}"),
            ("Where they are stored", "{{ records_stored }}"),
            ("How they are accessed", "{{ records_access }}"),
        ),
        caption="Records",
        level=2,
    )
    agreement_fields(doc)
    heading(doc, "Agreement")
    para(doc, "By agreeing, each party accepts the terms of this contract.", after=6)
    signature_table(doc, group=False)
    end(doc)
    return doc


def agenda() -> DocumentObject:
    """Return a session agenda: the standard items, open actions under their review, added items."""
    title = "Supervision Agenda"
    doc = new_form(title=title)
    title_block(doc, title)
    details(
        doc,
        (
            ("Date", "{{ session_date }}"),
            ("{%tr if session_time %}", ""),
            ("Time", "{{ session_time }}"),
            ("{%tr endif %}", ""),
            ("Venue", "{{ venue }}"),
            ("Supervisor", "{{ supervisor.name }}"),
            ("Supervisee(s)", "{{ supervisees|map(attribute='name')|join(', ') }}"),
        ),
        caption=SESSION_CAPTION,
    )
    heading(doc, "Agenda")
    numbered = "List Number"
    para(doc, "Welcome and check-in", style=numbered)
    para(doc, "Review of actions from last meeting", style=numbered)
    tag_paragraph(doc, "{%p for action in open_actions %}")
    para(doc, "{{ action.what }} — {{ action.who }} — {{ action.due }}", style="List Bullet 2")
    tag_paragraph(doc, "{%p endfor %}")
    for item in (
        "Case discussion",
        "Reflection",
        "Wellbeing and support",
        "Professional development and training",
    ):
        para(doc, item, style=numbered)
    tag_paragraph(doc, "{%p for item in extra_items %}")
    para(doc, "{{ item }}", style=numbered)
    tag_paragraph(doc, "{%p endfor %}")
    para(doc, "Any other business", style=numbered)
    para(doc, "Date of next session", style=numbered)
    return doc


def record() -> DocumentObject:
    """Return a session record: header, review of actions, sections, cases, actions, agreement."""
    title = "Supervision Record"
    doc = new_form(title=title)
    title_block(doc, title)
    table = details(
        doc,
        (
            ("Date of supervision", "{{ session_date }}"),
            ("{%tr if next_session_date %}", ""),
            ("Date of next supervision", "{{ next_session_date }}"),
            ("{%tr endif %}", ""),
            ("Attendees", "{%p for person in attendees %}"),
            ("{%tr if agenda_items %}", ""),
            ("Agenda", "{%p for item in agenda_items %}"),
            ("{%tr endif %}", ""),
        ),
        caption=SESSION_CAPTION,
    )
    attendees_cell = table.rows[5].cells[1]
    write(
        attendees_cell.add_paragraph(), "{{ person.name }}{% if person.role %}, {{ person.role }}{% endif %}"
    )
    tag_paragraph(attendees_cell, "{%p endfor %}")
    agenda_cell = table.rows[7].cells[1]
    write(agenda_cell.add_paragraph(), "{{ loop.index }}. {{ item }}")
    tag_paragraph(agenda_cell, "{%p endfor %}")

    tag_paragraph(doc, "{%p if open_actions %}")
    heading(doc, "Review of actions from last meeting")
    actions_table(doc, done=True, source="open_actions")
    tag_paragraph(doc, "{%p endif %}")

    tag_paragraph(doc, "{%p for section in sections %}")
    heading(doc, "{{ section.title }}")
    para(doc, "{{ section.text }}")
    tag_paragraph(doc, "{%p endfor %}")

    tag_paragraph(doc, "{%p if cases %}")
    heading(doc, "Cases discussed")
    tag_paragraph(doc, "{%p for case in cases %}")
    case_table(
        doc,
        (
            ("Discussion", "{{ case.discussion }}"),
            ("Advice", "{{ case.advice }}"),
            ("Actions", "{{ case.actions }}"),
        ),
        reference="{{ case.reference }}",
    )
    para(doc, after=0)
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")

    heading(doc, "Agreed actions")
    tag_paragraph(doc, "{%p if has_actions_table %}")
    actions_table(doc, done=False, source="actions")
    tag_paragraph(doc, "{%p else %}")
    tag_paragraph(doc, "{%p for action in actions %}")
    para(doc, "{{ action.what }} — {{ action.who }} — {{ action.due }}", style="List Bullet")
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")

    heading(doc, "Agreed as an accurate record")
    para(doc, "Each person below agrees that this is an accurate record of the session.", after=6)
    signature_table(doc, group=True)
    end(doc)
    return doc


def actions_table(
    doc: DocumentObject, *, done: bool, source: str, captions: Sequence[str] | None = None
) -> Table:
    """Add an actions table (what, by whom, by when; and whether done) repeated per action."""
    if captions is None:
        captions = ("Action", "By whom", "By when", "Done") if done else ("Action", "By whom", "By when")
    table = doc.add_table(rows=1, cols=len(captions))
    header_row(table.rows[0], captions)
    tag_row(table, "{%%tr for action in %s %%}" % source)
    cells = table.add_row().cells
    fields = ("what", "who", "due", "done") if done else ("what", "who", "due")
    for cell, field in zip(cells, fields, strict=True):
        first(cell, "{{ action.%s }}" % field)
    tag_row(table, "{%tr endfor %}")
    fix_table(table, (8.5, 3.5, 3.0, 2.0) if done else (9.5, 4.0, 3.5))
    align(table)
    return table


def case_table(doc: DocumentObject, rows: Sequence[tuple[str, str]], *, reference: str) -> Table:
    """Add a case's table: its anonymised reference (with the note), then a row per field."""
    table = doc.add_table(rows=1, cols=2)
    cells = table.rows[0].cells
    shade(cells[0])
    first(cells[0], "Case reference", bold=True)
    note(cells[0])
    first(cells[1], reference, bold=True)
    for caption, value in rows:
        cells = table.add_row().cells
        shade(cells[0])
        first(cells[0], caption, bold=True)
        first(cells[1], value)
    fix_table(table, (4.5, TEXT_WIDTH_CM - 4.5))
    align(table)
    repeat_header(table.rows[0])  # the case's reference heads its table
    for row in table.rows[:-1]:  # keep a case's rows together on one page
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    return table


def case_proforma() -> DocumentObject:
    """Return a case proforma: one case discussed in supervision, agreed by both parties."""
    title = "Case Discussion Proforma"
    doc = new_form(title=title)
    title_block(doc, title)
    details(
        doc,
        (
            ("Supervisor", "{{ supervisor.name }}"),
            ("Supervisee", "{{ supervisee.name }}"),
            ("{%tr if school %}", ""),
            ("School", "{{ school }}"),
            ("{%tr endif %}", ""),
            ("Date of supervision", "{{ session_date }}"),
        ),
        caption=SESSION_CAPTION,
    )
    heading(doc, "The case")
    case_table(
        doc,
        (
            ("Case to be discussed, including background", "{{ case.background }}"),
            ("Advice or guidance given", "{{ case.advice }}"),
            ("Actions to be taken", "{{ case.actions }}"),
        ),
        reference="{{ case.reference }}",
    )
    heading(doc, "Agreement")
    para(doc, "Each person below agrees that this is an accurate record of the discussion.", after=6)
    signature_table(doc, group=False)
    end(doc)
    return doc


def audit() -> DocumentObject:
    """Return an evaluation: the trust's questions with the supervisee's answers and comments."""
    title = "Supervision Evaluation"
    doc = new_form(title=title)
    title_block(doc, title)
    details(
        doc,
        (
            ("{%tr if respondent_name %}", ""),
            ("Name", "{{ respondent_name }}"),
            ("{%tr endif %}", ""),
            ("Date answered", "{{ answered_date }}"),
        ),
        caption=ANSWERS_CAPTION,
    )
    heading(doc, "Questions")
    questions_table(doc)
    heading(doc, "Agreement")
    para(doc, "I agree that these are my answers.", after=6)
    signature_table(doc, group=False, supervisor=False, caption="Date")
    end(doc)
    return doc


def questions_table(doc: DocumentObject) -> Table:
    """Add the questions table: number, question, answer, comments; a row per question."""
    table = doc.add_table(rows=1, cols=4)
    header_row(table.rows[0], ("No.", "Question", "Answer", "Comments"))
    tag_row(table, "{%tr for question in questions %}")
    cells = table.add_row().cells
    for cell, field in zip(cells, ("number", "text", "answer", "comments"), strict=True):
        first(cell, "{{ question.%s }}" % field)
    tag_row(table, "{%tr endfor %}")
    fix_table(table, (1.2, 7.3, 2.5, 6.0))
    align(table)
    return table


FORMS: dict[str, Callable[[], DocumentObject]] = {
    "contract": contract,
    "group-contract": group_contract,
    "clinical-contract": clinical_contract,
    "agenda": agenda,
    "record": record,
    "case-proforma": case_proforma,
    "audit": audit,
}

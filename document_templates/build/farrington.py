"""Farrington Academy (seed 001): its policy's appendices as docxtpl forms."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject
from docx.table import Table
from docx.text.paragraph import Paragraph

from .common import (
    AGREEMENT_CAPTION,
    ANONYMISED_NOTE,
    CASE_CAPTION,
    agreement,
    caption_row,
    cell_list,
    finish_table,
    label_row,
    new_form,
    record_actions,
    signature,
    spaced_heading,
    spaced_note,
    spaced_para,
    spaced_tag,
    wide_tag_row,
    write,
)

# --- Building blocks this trust's forms need beyond common.py ----------------------------------


def _struck(paragraph: Paragraph, text: str) -> None:
    """Append text struck through: the role deleted "as appropriate"."""
    paragraph.add_run(text).font.strike = True


# --- Appendix 1: Contract / Written Agreement of Supervision ---------------------------------------

# The agreement's sections, heading and text as Appendix 1 prints them.
FARRINGTON_AGREEMENT_CLAUSES = (
    ('Purpose and Aim',
     'The purpose and Aim of the written agreement for supervision is to set out clear roles, '
     'responsibilities and guidelines to ensure that child protection supervision occurs in a safe and'
     " secure environment and the role of individual's is clearly defined. Child protection "
     'supervision has the purpose of offering the Supervisor and Supervisee the opportunity to '
     'critically reflect on child protection cases and issues with a view to seeking further '
     'appropriate action if necessary, in the best interests and safeguarding of any child discussed.'),
    ('The role of the Supervisor',
     'The role of the supervisor is to ensure that Supervision occurs regularly, is purposeful and is '
     'recorded and stored confidentially. The Supervisor is responsible for ensuring that any '
     'discussion and actions agreed occurs within an agreed timescale and is the most senior person '
     'within the supervision, taking ultimate responsible for any outlined or agreed tasks occurring. '
     'The Supervisor should have more experience and knowledge in the area of Child Protection and '
     'should be able to support and advise the supervisee in clear direction on cases, e.g. where to '
     'go to for additional advice and support and how to progress individual matters with key '
     'agencies. The Supervisor should support the Supervisee in critical thinking, reflection and '
     'challenge and be approachable and flexible to additional support that may be required for the '
     'Supervisee. The Supervisor should ensure that the record made of the Supervision is an accurate '
     'reflection of the discussion and ensure both parties sign and date it.'),
    ('The role of the Supervisee',
     'The role of the Supervisee is to ensure that Supervision is occurring regularly and to make any '
     'additional requests for support at any time when required in the protection of a child. The '
     'Supervisee is responsible for providing an up to date and accurate reflection of the current '
     'situation regarding individual cases so that discussion and decision making can occur with all '
     'of the most relevant factors considered. The Supervisee should bring to Supervision any other '
     'additional issues to be discussed for the Supervision Agenda, e.g. any personal conflict or time'
     ' management issues. The Supervisee should ensure that the record made of the Supervision is an '
     'accurate reflection of the discussion before signing and dating it.'),
    ('The frequency of Supervision',
     'Frequency of Supervision should be set depending on the circumstances of the setting and the '
     'type of supervision. The minimum recommendation for Child Protection Supervision for schools '
     'should be at least once per term so, in total six sessions per academic year. For Peer '
     'Supervision and Group Supervision it is recommended that this should occur at least once per '
     'term with a longer timescale permitted where individual cases are not being discussed (e.g. '
     'group supervision)'),
    ('The Agenda',
     'Both the Supervisor and Supervisee should bring items to be discussed to the agenda including '
     'any personal issues, health and safety issues or generic child protection issues including '
     'policy and procedures. Supervision is not solely for the purpose of discussing individual cases '
     'but rather the opportunity to critically and personally reflect on any issues regarding child '
     'protection and the safety and well being of young people.'),
    ('The Record-Keeping',
     'As highlighted in the Supervision Policy by adhering to this written agreement /contract both '
     'the Supervisor and Supervisee agree to ensure that accurate record keeping is made and stored '
     'securely.'),
    ('Confidentiality',
     'As highlighted in the Supervision Policy by adhering to this written agreement / contract both '
     'the Supervisor and Supervisee agree to ensure that Confidentiality is maintained.'),
    ('Diversity and Equality',
     'Both the Supervisor and Supervisee should ensure that any issues regarding diversity and '
     'equality are embedded into the practice of Supervision, for example ethnicity, race, religion, '
     'vulnerability, gender and disability to name a few. Care should be taken to discuss the impact '
     'of any diversity or equality issues regarding any child or adult in cases discussed and extra '
     'time and research should be given to address any such issues which may further impact on the '
     'safety and protection of any child discussed.'),
    ('Resolving Individual Issues',
     'It is imperative that for Supervision to work effectively both the Supervisor/ Supervisee feel '
     'safe and confident within the structure and process. In the event that there may be a difference'
     ' or opinion or challenge between either party it is important that an agreed contingency plan is'
     ' in place. For example this could be alternative arrangements between Supervisor or Supervisee '
     'or an external opinion may be sought to resolve any outstanding issues.'),
)

# "We have agreed to the following individual terms:" — each line's printed frame, the blank
# ("....." on paper) filled by the term or the document's value.
FARRINGTON_INDIVIDUAL_TERMS = (
    ("Supervision to be held {{ terms.frequency }}", None),
    ("Supervision to last a time period of approximately {{ terms.session_length }}", None),
    ("Supervision Agenda will have the following Standard Items to be discussed",
     "{{ terms.agenda_standard_items }}"),
    ("Supervision to be attended by {{ terms.attended_by }}", None),
    ("Supervision to be recorded by {{ terms.recorded_by }}", None),
    ("Supervision to be stored by {{ terms.stored_by }}", None),
    ("Supervision Contract to be reviewed on {{ review_date }}", None),
    ("In the event of any unresolved issues / changes to Contract the following Contingency Plan "
     "will be put in place", "{{ terms.contingency_plan }}"),
)


def farrington_contract() -> DocumentObject:
    """Return Appendix 1 of the Farrington policy, with its Contract of Agreement."""
    doc = new_form(title="Contract/Written Agreement of Supervision")
    spaced_heading(doc, "Appendix 1: Contract/Written Agreement of Supervision", level=1, size=14, after=10)
    for heading, text in FARRINGTON_AGREEMENT_CLAUSES:
        spaced_heading(doc, heading, level=2, size=11, before=4, after=3)
        spaced_para(doc, text, after=6)

    title = spaced_heading(doc, "Contract of Agreement", level=2, size=13, after=2, keep=False)
    title.paragraph_format.page_break_before = True
    spaced_note(doc, "Date of agreement: {{ agreed_date }}")
    spaced_para(doc, after=4)
    spaced_tag(doc, "{%p if school %}")
    spaced_para(doc, "School / Setting: {{ school }}", after=8)
    spaced_tag(doc, "{%p endif %}")

    # "<delete as appropriate>": the role that does not apply is struck through.
    for who, struck_first in (("supervisor", False), ("supervisee", True)):
        line = spaced_para(doc, after=6)
        write(line, "I {{ %s.name }} agree to take on the role of " % who)
        if struck_first:
            _struck(line, "Supervisor")
            write(line, " / Supervisee. <delete as appropriate>")
        else:
            write(line, "Supervisor / ")
            _struck(line, "Supervisee")
            write(line, ". <delete as appropriate>")
        spaced_para(doc, "My role / position in the School / Setting is {{ %s.position }}" % who, after=10)

    spaced_para(doc, "We have agreed to the following individual terms:", bold=True, after=6)
    for frame, lines in FARRINGTON_INDIVIDUAL_TERMS:
        spaced_para(doc, frame, after=2 if lines else 6, keep=bool(lines))
        if lines:
            spaced_para(doc, lines, indent=0.75, after=6)
    # Agreed beyond the printed terms: shown only when the author gave them.
    spaced_tag(doc, "{%p if other_agreements %}")
    spaced_para(doc, "{{ other_agreements }}", after=6)
    spaced_tag(doc, "{%p endif %}")
    spaced_tag(doc, "{%p if supervisee_expectations %}")
    spaced_para(doc, "What the Supervisee expects from supervision: {{ supervisee_expectations }}", after=6)
    spaced_tag(doc, "{%p endif %}")

    spaced_para(doc, before=10, after=0)
    table = doc.add_table(rows=0, cols=3)
    for who, struck_first in (("supervisor", False), ("supervisee", True)):
        signed = label_row(table, "Signed")
        signature(signed, who)
        role = table.rows[-1].cells[2]
        caption = spaced_para(role, after=0)
        if struck_first:
            _struck(caption, "Supervisor")
            write(caption, "/Supervisee")
        else:
            write(caption, "Supervisor/")
            _struck(caption, "Supervisee")
        date = label_row(table, "Date")
        merged = date.merge(table.rows[-1].cells[2])
        spaced_para(merged, "{{ signed.%s.date }}" % who, after=0)
    finish_table(table, (2.5, 9.5, 5.0), tall_rows=(0, 2))
    # The policy's lead-in to the signatures heads their table.
    caption_row(table, "I have read and agreed to the above written contract including our individual "
                       "terms of agreement:", bold=False, shaded=False)
    doc.add_paragraph()  # Word wants a paragraph after a table that ends the body
    return doc


# --- Appendix 2: Formal Recording of Supervision -------------------------------------------------


def _case_rows(table: Table, first_label: str, reference: str, text: str, advice: str, actions: str) -> None:
    """Add the three case rows: case (with its anonymised reference), advice, actions."""
    case = label_row(table, first_label)
    line = spaced_para(case, "Case reference: ", bold=True, after=0)
    write(line, reference)
    spaced_note(case, ANONYMISED_NOTE)
    spaced_para(case, text, after=0)
    spaced_para(label_row(table, "Advice/Guidance given:"), advice, after=0)
    spaced_para(label_row(table, "Actions to be taken:"), actions, after=0)


def _signatures(doc: DocumentObject, supervisees: str) -> None:
    """Add "Signed (Supervisor)" and "Signed.....(Supervisee)", dated, one row a party."""
    table = doc.add_table(rows=0, cols=5)
    cells = table.add_row().cells
    spaced_para(cells[0], "Signed", bold=True, after=0)
    signature(cells[1], "supervisor")
    spaced_para(cells[2], "(Supervisor)", after=0)
    spaced_para(cells[3], "Date:", bold=True, after=0)
    spaced_para(cells[4], "{{ signed.supervisor.date }}", after=0)
    wide_tag_row(table, "{%%tr for party in %s %%}" % supervisees)
    cells = table.add_row().cells
    spaced_para(cells[0], "Signed", bold=True, after=0)
    agreement(cells[1], "party")
    spaced_para(cells[2], "(Supervisee)", after=0)
    spaced_para(cells[3], "Date:", bold=True, after=0)
    spaced_para(cells[4], "{{ party.date }}", after=0)
    wide_tag_row(table, "{%tr endfor %}")
    finish_table(table, (2.0, 6.2, 2.8, 1.6, 4.4), tall_rows=(0, 2))
    caption_row(table, AGREEMENT_CAPTION)


def farrington_record() -> DocumentObject:
    """Return Appendix 2 of the Farrington policy, the Record of Supervision."""
    doc = new_form(title="Record of Supervision")
    spaced_heading(doc, "Appendix 2: Formal Recording of Supervision", level=1, size=14, after=8)

    table = doc.add_table(rows=0, cols=2)
    spaced_para(label_row(table, "Name of Supervisor:"), "{{ supervisor.name }}", after=0)
    spaced_para(label_row(table, "Position of person in school:"), "{{ supervisor.position }}", after=0)
    wide_tag_row(table, "{%tr for person in supervisees %}")
    spaced_para(label_row(table, "Name of Supervisee:"), "{{ person.name }}", after=0)
    spaced_para(label_row(table, "Position of person in school:"), "{{ person.position }}", after=0)
    wide_tag_row(table, "{%tr endfor %}")
    spaced_para(label_row(table, "Name of school:"), "{{ school }}", after=0)
    spaced_para(label_row(table, "Date:"), "{{ session_date }}", after=0)
    cell_list(label_row(table, "Agenda Items to be discussed:"), "item in agenda_items", "agenda_items",
              "{{ item }}", style="List Bullet")

    wide_tag_row(table, "{%tr for section in sections %}")
    spaced_para(table.add_row().cells[0], "{{ section.title }}:", bold=True, after=0)
    spaced_para(table.rows[-1].cells[1], "{{ section.text }}", after=0)
    wide_tag_row(table, "{%tr endfor %}")

    wide_tag_row(table, "{%tr for case in cases %}")
    _case_rows(table, "Individual Case to be discussed:", "{{ case.reference }}", "{{ case.discussion }}",
               "{{ case.advice }}", "{{ case.actions }}")
    wide_tag_row(table, "{%tr endfor %}")
    wide_tag_row(table, "{%tr if not cases %}")
    _case_rows(table, "Individual Case to be discussed:", "", "", "", "")
    wide_tag_row(table, "{%tr endif %}")

    wide_tag_row(table, "{%tr if next_session_date %}")
    spaced_para(label_row(table, "Date of next supervision:"), "{{ next_session_date }}", after=0)
    wide_tag_row(table, "{%tr endif %}")
    finish_table(table, (5.0, 12.0))
    caption_row(table, "Record of Supervision", level=2, size=13)
    # Not on the policy's form: the actions, each a table of its own after it.
    record_actions(doc, colon=":")

    spaced_para(doc, after=6)
    _signatures(doc, "signed.supervisees")
    doc.add_paragraph()
    return doc


# --- Individual Case Proforma ----------------------------------------------------------------------


def farrington_case_proforma() -> DocumentObject:
    """Return the Farrington policy's Individual Case Proforma."""
    doc = new_form(title="Individual Case Proforma")
    spaced_heading(doc, "Individual Case Proforma:", level=1, size=14, after=8)
    table = doc.add_table(rows=0, cols=2)
    # Who and when, in Appendix 2's words: the proforma itself prints only the case.
    spaced_para(label_row(table, "Name of Supervisor:"), "{{ supervisor.name }}", after=0)
    spaced_para(label_row(table, "Name of Supervisee:"), "{{ supervisee.name }}", after=0)
    spaced_para(label_row(table, "Name of school:"), "{{ school }}", after=0)
    spaced_para(label_row(table, "Date:"), "{{ session_date }}", after=0)
    _case_rows(table, "Individual Case to be discussed including background:", "{{ case.reference }}",
               "{{ case.background }}", "{{ case.advice }}", "{{ case.actions }}")
    finish_table(table, (5.0, 12.0), tall_rows=(4, 5, 6))
    caption_row(table, CASE_CAPTION, level=2)

    spaced_para(doc, after=6)
    table = doc.add_table(rows=0, cols=5)
    for who, caption in (("supervisor", "(Supervisor)"), ("supervisee", "(Supervisee)")):
        cells = table.add_row().cells
        spaced_para(cells[0], "Signed", bold=True, after=0)
        signature(cells[1], who)
        spaced_para(cells[2], caption, after=0)
        spaced_para(cells[3], "Date:", bold=True, after=0)
        spaced_para(cells[4], "{{ signed.%s.date }}" % who, after=0)
    finish_table(table, (2.0, 6.2, 2.8, 1.6, 4.4), tall_rows=(0, 1))
    caption_row(table, AGREEMENT_CAPTION)
    doc.add_paragraph()
    return doc


FORMS: dict[str, Callable[[], DocumentObject]] = {
    "contract": farrington_contract,
    "record": farrington_record,
    "case-proforma": farrington_case_proforma,
}

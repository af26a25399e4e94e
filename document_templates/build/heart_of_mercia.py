"""The Heart of Mercia Academy Trust (seed 000): its policy's appendices as docxtpl forms."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.shared import Cm

from .common import bullets, fix_table, merge_row, new_form, shade, signature, write

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
    write(title.paragraphs[0], "Safeguarding Supervision Contract", bold=True, size=12)

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


FORMS: dict[str, Callable[[], DocumentObject]] = {"contract": heart_of_mercia_contract}



"""Inspire Education Trust (seed 003): its section 8 agenda checklist as a docxtpl form.

The policy has no contract, record or evaluation form of its own: those kinds use the generic
forms, filled with the trust's defaults from trusts/inspire.toml.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject
from docx.shared import Pt

from .common import heading, headings, new_form, para, tag_paragraph, write
from .generic import SESSION_CAPTION, details

# Section 8, "Guidance notes for supervision (individual and group)", as the policy prints it.
INSPIRE_HEADING = "Guidance notes for supervision (individual and group)"
INSPIRE_INTRO = (
    "Each person in supervision will have their own style and approach: however, the following agenda "
    "is provided as a checklist to ensure that all core items are covered."
)
INSPIRE_OPENER = "Welcome and informal opener."
INSPIRE_CHECKLIST = (
    "Setting agenda – both parties to input.",
    "General offload and information sharing.",
    "Review notes and agreed actions from previous meeting.",
    "Specific case load issues discussed.",
    "Problem solving and finding solutions.",
    "Recognise and celebrate achievement.",
    "Job related resource and support needs.",
    "AOB.",
)
REVIEW_ITEM = "Review notes and agreed actions from previous meeting."


def inspire_agenda() -> DocumentObject:
    """Return section 8's checklist with the session's details, open actions and added items."""
    doc = new_form(title=INSPIRE_HEADING)
    headings(doc)
    heading(doc, INSPIRE_HEADING, level=1)
    details(
        doc,
        (
            ("Date:", "{{ session_date }}"),
            ("Time:", "{{ session_time }}"),
            ("Venue:", "{{ venue }}"),
            ("Supervisor:", "{{ supervisor.name }}"),
            ("Supervisee(s):", "{{ supervisees|map(attribute='name')|join(', ') }}"),
        ),
        caption=SESSION_CAPTION,
        label_cm=4.0,
    )
    para(doc, INSPIRE_INTRO, after=8).paragraph_format.space_before = Pt(10)
    para(doc, INSPIRE_OPENER, after=6)
    for item in INSPIRE_CHECKLIST:
        if item == "AOB.":
            # Items added for this session come before any other business.
            tag_paragraph(doc, "{%p for item in extra_items %}")
            para(doc, "{{ item }}", style="List Bullet")
            tag_paragraph(doc, "{%p endfor %}")
        para(doc, item, style="List Bullet")
        if item == REVIEW_ITEM:
            tag_paragraph(doc, "{%p for action in open_actions %}")
            paragraph = para(doc, style="List Bullet 2")
            write(paragraph, "{{ action.what }} — {{ action.who }} — {{ action.due }}")
            tag_paragraph(doc, "{%p endfor %}")
    return doc


FORMS: dict[str, Callable[[], DocumentObject]] = {"agenda": inspire_agenda}

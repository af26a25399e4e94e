"""The Heart of Mercia contract form reproduces the policy's Appendix A."""

from __future__ import annotations

import io

from docx import Document

from app.rendering import render_docx
from app.trusts.profiles import validate_profile

from .support import (
    TEMPLATES,
    all_text,
    contract_context,
    contract_path,
    paragraphs,
    part_xml,
    profile,
    texts,
)

# Appendix A of the Heart of Mercia Academy Trust's Safeguarding Supervision Policy, as printed.
APPENDIX_A_BULLETS = (
    "Safeguarding supervision will be undertaken each half term or sooner if requested and will be for 45 minutes",
    "Every effort will be made for supervision to take place in an uninterrupted environment",
    "The venue will be SEM Office or other appropriate venue (including via Microsoft Teams)",
    "The preparation for supervision will include identifying cases to discuss and starting reflection on these",
    "Each party in the agreement has the responsibility to notify the other in the event of cancellation or postponement",
    "If at any time the Supervisor or the Supervisee is unhappy about an issue which cannot be resolved, the "
    "Principal or Headteacher of the relevant academy will be consulted with the agreement of both parties. If "
    "the disagreement is with the Principal or Headteacher, this should be referred to the Trust CEO with the aim "
    "of reaching a resolution",
    "Supervisors will respect the confidentiality of the Supervisee in all areas except Child Protection – concerns "
    "about which need to be referred on or whether information is identified that could bring the organisation "
    "into disrepute which may need to be reported via line management, where there is a potential disciplinary "
    "matter or whistleblowing",
    "Notes and agreed actions will be recorded, signed, shared, and kept securely in an agreed format",
    "Any decisions made on individual cases and agreed by the DSL or DDSL will be entered into an individual "
    "child’s safeguarding record",
)


def test_profile_passes_the_app_loader_and_names_the_trust_as_its_policy_does() -> None:
    data = profile()
    assert validate_profile(data, TEMPLATES) == []
    assert data["slug"] == "heart-of-mercia"
    assert data["name"] == "The Heart of Mercia Academy Trust"
    assert data["defaults"]["review_period_months"] == 12


def test_every_appendix_a_bullet_prints_word_for_word_as_a_bulleted_list() -> None:
    docx = render_docx(contract_path(), contract_context())
    bullets = [p for p in paragraphs(docx) if p.style is not None and p.style.name == "List Bullet"]
    assert [p.text for p in bullets] == list(APPENDIX_A_BULLETS)
    assert all(p.style.element.pPr.numPr is not None for p in bullets)  # real Word bullets


def test_the_table_follows_the_form() -> None:
    docx = render_docx(contract_path(), contract_context(signed=True))
    table = Document(io.BytesIO(docx)).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Safeguarding Supervision Contract"] * 4
    assert rows[1] == ["Supervisee:"] + ["Sam Patel"] * 3
    assert rows[2] == ["Supervisor:"] + ["Alex Morgan"] * 3
    assert rows[3] == ["Agreed Date:", "23 November 2026", "Review Date:", "23 November 2027"]
    assert rows[4][0] == "Supervision Agreement:" and rows[4][1] == rows[4][3]
    assert rows[5] == ["Supervisor:", "Alex Morgan\nAgreed electronically", "Date:", "24 November 2026"]
    assert rows[6] == ["Supervisee:", "Sam Patel\nAgreed electronically", "Date:", "25 November 2026"]


def test_unsigned_form_leaves_the_signature_rows_blank() -> None:
    docx = render_docx(contract_path(), contract_context())
    table = Document(io.BytesIO(docx)).tables[0]
    for index, caption in ((5, "Supervisor:"), (6, "Supervisee:")):
        assert [cell.text for cell in table.rows[index].cells] == [caption, "", "Date:", ""]
    assert "Agreed electronically" not in all_text(docx)


def test_header_names_the_trust_and_footer_carries_the_reference() -> None:
    docx = render_docx(contract_path(), contract_context())
    section = Document(io.BytesIO(docx)).sections[0]
    assert section.header.paragraphs[0].text == "The Heart of Mercia Academy Trust"
    assert "CS-000123 v2" in section.footer.paragraphs[0].text
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_no_template_tag_is_left_anywhere() -> None:
    docx = render_docx(contract_path(), contract_context(signed=True))
    text = all_text(docx)
    for marker in ("{{", "}}", "{%", "%}"):
        assert marker not in text


def test_an_overridden_term_still_reads_as_a_sentence() -> None:
    docx = render_docx(contract_path(), contract_context(terms={"venue": "the library meeting room"}))
    assert "The venue will be the library meeting room" in texts(docx)


def test_a_multiline_term_keeps_its_line_breaks() -> None:
    venue = "Room 4, Main Building\nor Microsoft Teams if agreed\r\nin advance"
    docx = render_docx(contract_path(), contract_context(terms={"venue": venue}))
    assert "The venue will be Room 4, Main Building\nor Microsoft Teams if agreed\nin advance" in texts(docx)
    body = part_xml(docx, "word/document.xml")
    breaks = body.findall(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}br")
    assert len(breaks) == 2


def test_hostile_names_print_verbatim_in_well_formed_xml() -> None:
    hostile = "O'Brien <Head> & Co \"</w:t></w:r></w:p><w:p><w:r><w:t>injected"
    context = contract_context(
        signed=True,
        supervisee={"name": hostile, "email": "sam@example.org"},
        trust={"name": "Trust <b>&amp;</b>"},
        terms={"venue": "<w:br/> & &amp; ]]> {_{"},
    )
    docx = render_docx(contract_path(), context)
    part_xml(docx, "word/document.xml")  # strict parse
    found = texts(docx)
    assert hostile in found
    table = Document(io.BytesIO(docx)).tables[0]
    assert table.rows[6].cells[1].text == f"{hostile}\nAgreed electronically"
    assert "The venue will be <w:br/> & &amp; ]]> {{" in found  # docxtpl prints "{_{" as "{{"
    assert "injected" not in [t.strip() for t in found]
    assert Document(io.BytesIO(docx)).sections[0].header.paragraphs[0].text == "Trust <b>&amp;</b>"


def test_control_characters_in_a_term_do_not_become_word_structure() -> None:
    # docxtpl turns \a into a new paragraph and \f into a page break; XML forbids \x00-\x1f.
    docx = render_docx(contract_path(), contract_context(terms={"venue": "Room\a 4\f\x00\x1b"}))
    assert "The venue will be Room 4" in texts(docx)
    body = part_xml(docx, "word/document.xml")
    assert not body.xpath("//w:br[@w:type='page']", namespaces={"w": body.nsmap["w"]})

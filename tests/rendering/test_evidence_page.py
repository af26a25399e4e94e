"""The evidence page records who agreed, when, from where, and how to verify the seal."""

from __future__ import annotations

import io
from dataclasses import replace

from docx import Document

from app.rendering import Evidence, EvidenceParty, append_evidence_page, render_docx

from .support import all_text, contract_context, contract_path, part_xml, texts

HOSTILE_AGENT = 'Mozilla/5.0 (X11) <w:p><w:r><w:t>forged</w:t></w:r></w:p> & "quotes" \x07bell'
SUPERVISOR = EvidenceParty(
    name="Alex Morgan",
    email="alex.morgan@example.org",
    role="Supervisor",
    sent_at="23 November 2026, 10:00:00 UTC",
    first_viewed_at="23 November 2026, 10:05:12 UTC",
    agreed_at="24 November 2026, 09:00:01 UTC",
    ip="2001:db8:85a3::8a2e:370:7334",
    user_agent=HOSTILE_AGENT,
)
SUPERVISEE = EvidenceParty(
    name="Sam O'Brien <Head> & Co",
    email="sam@example.org",
    role="Supervisee",
    sent_at="23 November 2026, 10:00:00 UTC",
    first_viewed_at="—",
    agreed_at="25 November 2026, 16:45:00 UTC",
    ip="203.0.113.9",
    user_agent="—",
)
EVIDENCE = Evidence(
    title="Supervision contract",
    document_id="CS-000123",
    version=2,
    trust_name="The Heart of Mercia Academy Trust",
    parties=(SUPERVISOR, SUPERVISEE),
    agreed_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    audit_head="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    verify_url="https://countersign.example.org/verify",
    sealed_at="25 November 2026, 16:46:03 UTC",
)


def sealed_docx() -> bytes:
    return append_evidence_page(render_docx(contract_path(), contract_context(signed=True)), EVIDENCE)


def test_the_evidence_page_starts_a_new_page_after_the_form() -> None:
    docx = sealed_docx()
    paragraphs = Document(io.BytesIO(docx)).paragraphs
    heading = next(p for p in paragraphs if p.text == "Evidence of agreement")
    assert heading.paragraph_format.page_break_before
    assert texts(docx).index("Evidence of agreement") > texts(docx).index("Supervision Agreement:")


def test_every_field_is_on_the_evidence_page() -> None:
    found = texts(sealed_docx())
    for value in (
        "Supervision contract",
        "CS-000123",
        "2",
        "The Heart of Mercia Academy Trust",
        EVIDENCE.sealed_at,
        EVIDENCE.agreed_sha256,
        EVIDENCE.audit_head,
        EVIDENCE.verify_url,
    ):
        assert value in found, value
    for party in (SUPERVISOR, SUPERVISEE):
        for value in (party.name, party.email, party.role, party.sent_at, party.agreed_at, party.ip):
            assert value in found, value
    assert "—" in found  # unknown first view
    for label in ("Link sent", "First viewed", "Agreed", "IP address", "User agent", "Audit log head"):
        assert label in found, label


def test_a_hostile_user_agent_is_printed_as_text() -> None:
    docx = sealed_docx()
    part_xml(docx, "word/document.xml")  # still well-formed
    assert 'Mozilla/5.0 (X11) <w:p><w:r><w:t>forged</w:t></w:r></w:p> & "quotes" \ufffdbell' in texts(docx)
    assert "forged" not in [t.strip() for t in texts(docx)]


def test_the_page_explains_the_seal_without_claiming_a_qualified_one() -> None:
    text = all_text(sealed_docx())
    assert "electronic seal of The Heart of Mercia Academy Trust" in text
    assert "https://countersign.example.org/verify" in text
    assert "qualified" not in text.lower()


def test_long_values_sit_in_fixed_width_tables() -> None:
    evidence = replace(EVIDENCE, parties=(replace(SUPERVISOR, user_agent="X" * 600),))
    doc = Document(io.BytesIO(append_evidence_page(render_docx(contract_path(), contract_context()), evidence)))
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for table in doc.tables[1:]:
        layout = table._tbl.tblPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblLayout")
        assert layout is not None and layout.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}type"
        ) == "fixed"
        assert abs(sum(column.width for column in table.columns) - text_width) < 635 * 20  # within 1 pt

"""The evidence page records who agreed, when, from where, the hashes, and how anyone can check them."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader

from app.rendering import DRAWING, Evidence, EvidenceParty, browser_and_system, evidence_pdf

FONTS = Path("/usr/share/fonts/truetype/dejavu")
A4 = (595.3, 841.9)
HOSTILE_AGENT = 'Mozilla/5.0 (X11) <para>forged</para> <b>bold</b> & "quotes" \x07bell'
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
    seal_fingerprint="5d41402abc4b2a76b9719d911017c592aaf4c6bbd5a9b1f6c1b1a5f0f7c9e0a1",
)


def text_of(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def page() -> bytes:
    return evidence_pdf(EVIDENCE, font_dir=FONTS, pagesize=A4)


def test_every_field_is_on_the_evidence_page() -> None:
    found = text_of(page())
    flat = re.sub(r"\s+", " ", found)
    for value in ("Evidence of agreement", "Supervision contract", "CS-000123", "The Heart of Mercia Academy Trust",
                  EVIDENCE.sealed_at, EVIDENCE.agreed_sha256, EVIDENCE.audit_head, EVIDENCE.seal_fingerprint,
                  EVIDENCE.verify_url):
        assert value in found, value
    for party in (SUPERVISOR, SUPERVISEE):
        for value in (party.name, party.email, party.role, party.sent_at, party.agreed_at, party.ip):
            assert value in flat, value
    for label in ("Link sent", "First viewed", "Agreed", "IP address", "Browser and system", "Audit log head",
                  "SHA-256 of the seal certificate"):
        assert label in flat, label


def test_it_says_what_each_hash_proves_and_how_to_check_it_with_a_free_reader() -> None:
    flat = re.sub(r"\s+", " ", text_of(page()))
    assert "What each value proves, and how to check it" in flat
    assert "attached to this file as “agreed-document.pdf”" in flat
    assert "free PDF reader" in flat and "sha256sum agreed-document.pdf" in flat
    assert "compare its SHA-256 fingerprint" in flat
    assert "qualified" not in flat.lower()


def test_a_user_agent_is_summarised_as_browser_and_system_and_a_hostile_one_is_not_markup() -> None:
    chrome = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")
    evidence = replace(EVIDENCE, parties=(replace(SUPERVISOR, user_agent=chrome), SUPERVISEE))
    flat = re.sub(r"\s+", " ", text_of(evidence_pdf(evidence, font_dir=FONTS, pagesize=A4)))
    assert "Chrome 131 on Windows 10" in flat
    assert "AppleWebKit" not in flat  # the raw string is the audit log's, not the page's
    hostile = re.sub(r"\s+", " ", text_of(page()))
    assert "<para>" not in hostile and "forged</para>" not in hostile and "\x07" not in hostile
    assert browser_and_system(HOSTILE_AGENT) in hostile


def test_fonts_are_embedded_and_headings_are_the_outline() -> None:
    reader = PdfReader(__import__("io").BytesIO(page()))
    fonts = []
    for p in reader.pages:
        for font in p["/Resources"]["/Font"].values():
            descendant = font.get_object()
            descriptor = descendant.get("/FontDescriptor") or descendant["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts.append("/FontFile2" in descriptor.get_object())
    assert fonts and all(fonts)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[0] == "Evidence of agreement"
    children = next(item for item in reader.outline if isinstance(item, list))
    assert [c.title for c in children][:3] == ["Document", "Parties", "Integrity"]


def test_long_values_wrap_inside_the_page() -> None:
    evidence = replace(EVIDENCE, parties=(replace(SUPERVISOR, email="x" * 600 + "@example.org"),))
    pdf = evidence_pdf(evidence, font_dir=FONTS, pagesize=A4)
    document = pdfium.PdfDocument(pdf)
    try:
        for p in document:
            text = p.get_textpage()
            for index in range(text.count_chars()):
                left, _b, right, _t = text.get_charbox(index)
                assert 0 <= left and right <= A4[0], (left, right)
    finally:
        document.close()


def test_drawings_in_one_process_take_turns_as_reportlab_is_not_thread_safe() -> None:
    """Two seals drawing at once in a process's job threads once failed ("Invalid color value 'black'"): reportlab
    fills its table of named colours lazily, and a second thread read it half filled."""
    alone = page()
    drawn: list[bytes] = []
    other = threading.Thread(target=lambda: drawn.append(page()))
    with DRAWING:  # as another thread's drawing would
        other.start()
        other.join(timeout=2)
        assert other.is_alive() and not drawn  # it waits its turn
    other.join(timeout=60)
    assert drawn == [alone]

"""The hostile inputs the standing suite throws at every route: field values, tokens, files, methods, headers."""

from __future__ import annotations

import io
import zipfile

from signing.tokens import LinkTokens

MARK = "Zq9hostile"  # in every hostile value, so a value reaching a log is easy to find

# Values no field may accept: they must be refused and change nothing.
REFUSED_VALUES = {
    "nul": f"{MARK} name\x00with a NUL",
    "control": f"{MARK}\x1b[31m\x07bell",
    "cr-lf": f"{MARK} Name\r\nBcc: victim@example.org",
    "huge": MARK + "x" * 300_000,
}
# Values that are only text: stored and shown literally if accepted, never interpreted.
TEXT_VALUES = {
    "rtl": f"{MARK} \u202egnp.exe",
    "jinja": MARK + " {{ cycler.__init__.__globals__.os.popen('id').read() }} {% for x in range(99999999) %}",
    "xml": MARK + ' </w:t></w:r><w:r><w:t>injected</w:t> <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    "html": MARK + ' <script>alert(1)</script><img src=x onerror=alert(1)>',
}
FIELDS = (
    "email", "reason", "full_name", "confirm", "supervisor", "supervisees", "school", "note", "q", "person",
    "term-venue", "term-frequency", "section-0", "case-0-reference", "action-0-what", "action-0-due", "agreed_date",
    "session_date", "respondent_name", "answer-1", "comments-1", "which", "action",
)

ODD_METHODS = ("PUT", "DELETE", "PATCH", "TRACE")
ODD_HEADERS = (
    {"X-Forwarded-For": f"{MARK}, 999.1.1.1\x00", "X-Forwarded-Host": "evil.example"},
    {"Content-Type": "application/json", "Range": "bytes=99999999-"},
    {"Cookie": "session=" + "A" * 4000, "User-Agent": REFUSED_VALUES["cr-lf"][:200].replace("\r\n", " ")},
)


def token_shapes(real: dict[str, str], secret: str) -> dict[str, str]:
    """Return tokens of every shape: real ones for each purpose, and broken, forged and foreign ones."""
    any_real = next(iter(real.values()))
    foreign = LinkTokens(["not-our-secret-key"]).issue("agree", 1, "0" * 32)
    shapes = {
        "empty-ish": "-",
        "garbage": "garbage",
        "long": "A" * 5000,
        "jinja": "{{7*7}}",
        "truncated": any_real[: len(any_real) // 2],
        "flipped": any_real[:-3] + ("A" if any_real[-3] != "A" else "B") + any_real[-2:],
        "foreign-key": foreign,
        "unknown-row": LinkTokens([secret]).issue("agree", 999999, "0" * 32),
    }
    shapes.update({f"real-{purpose}": token for purpose, token in real.items()})
    return shapes


def hostile_files() -> dict[str, tuple[bytes, str]]:
    """Return uploads that are not what they claim: junk, a zip bomb in a .docx's clothes, a truncated PDF."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * 50_000_000)
    return {
        "junk": (b"%PDF-1.7\n" + MARK.encode() + b"\x00\xff" * 100, "record.pdf"),
        "zip-bomb": (bomb.getvalue(), "form.docx"),
        "truncated": (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "record.pdf"),
    }

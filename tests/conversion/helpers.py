"""Contracts to convert, and ways to look inside PDFs and process groups."""

from __future__ import annotations

import http.client
import io
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
from docx import Document

from app.conversion.checks import PDFIUM_LOCK

PARTY = "O'Brien <Head> & Co"
PDFA_ID = "{http://www.aiim.org/pdfa/ns/id/}"


def make_docx(
    heading: str = "Supervision agreement", party: str = PARTY, clause: str = "The supervisee agrees."
) -> bytes:
    """A small contract: a heading, a table naming the party, a clause."""
    document = Document()
    document.add_heading(heading, level=1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Party"
    table.cell(0, 1).text = party
    table.cell(1, 0).text = "Role"
    table.cell(1, 1).text = "Supervisee"
    document.add_paragraph(clause)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, whitespace collapsed."""
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            parts = []
            for page in document:
                textpage = page.get_textpage()
                parts.append(textpage.get_text_range())
                textpage.close()
                page.close()
        finally:
            document.close()
    return re.sub(r"\s+", " ", " ".join(parts))


def pdfa_declaration(pdf: bytes) -> tuple[str | None, str | None]:
    """The (part, conformance) a PDF's XMP metadata declares, e.g. ("2", "B")."""
    metadata = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    root = ET.fromstring(metadata)
    found: dict[str, str] = {}
    for element in root.iter():
        for name in ("part", "conformance"):
            if element.tag == PDFA_ID + name and element.text:
                found[name] = element.text.strip()
            if PDFA_ID + name in element.attrib:
                found[name] = element.attrib[PDFA_ID + name]
    return found.get("part"), found.get("conformance")


def group_processes(pgid: int) -> list[tuple[int, str, str]]:
    """(pid, name, state) of every process, zombies included, in a process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            found.append((int(entry.name), name, fields[0]))
    return found


def processes_mentioning(text: str) -> list[int]:
    """Running processes whose command line contains text (a pool's folder, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def soffice_pid(pgid: int) -> int:
    """The soffice.bin process of a worker."""
    return next(pid for pid, name, _ in group_processes(pgid) if name == "soffice.bin")


def wait_until(check: Callable[[], object], timeout: float = 15) -> object:
    """Poll until check() is truthy (init reaps killed orphans a moment later)."""
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def call_asking_for_gzip(url: str, method: str, *params: Any) -> tuple[str | None, Any]:
    """Call an XML-RPC method as a client that accepts gzip; return the answer's Content-Encoding and result."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=120)
    try:
        connection.request("POST", parts.path or "/", xmlrpc.client.dumps(params, method).encode(),
                           {"Content-Type": "text/xml", "Accept-Encoding": "gzip"})
        response = connection.getresponse()
        body = response.read()
        encoding = response.getheader("Content-Encoding")
    finally:
        connection.close()
    if encoding == "gzip":
        body = xmlrpc.client.gzip_decode(body)
    (result,), _ = xmlrpc.client.loads(body)
    return encoding, result

"""A sealed record's evidence page gives times in UK time with the offset and UTC, and names each browser in words."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from app.documents.models import Document
from app.extensions import db

from ..rendering.structure import headings, structure, tables
from .test_contract_spine import agree, create, state
from .test_sealed_record import sealed_contract

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def test_the_evidence_page_shows_uk_time_with_its_offset_and_each_browser_in_words(
    app, runner, client, mailbox, trusts, wait, tmp_path
):
    from .test_contract_spine import events

    document_id = create(runner)
    for address, name, agent in (("alex.morgan@example.org", "Alex Morgan", CHROME),
                                 ("sam@example.org", "Sam O'Brien <Head> & Co", SAFARI)):
        client.environ_base["HTTP_USER_AGENT"] = agent
        assert agree(client, mailbox.link(mailbox.to(address, "Please read")[0]), name).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    out = tmp_path / "sealed.pdf"
    assert runner.invoke(args=["documents", "download", str(document_id), str(out)]).exit_code == 0
    with app.app_context():
        version = db.session.get(Document, document_id).version
        agreed_pages = len(PdfReader(BytesIO(version.pdf_file.read())).pages)
        sealed_at = version.sealed_at
    text = subprocess.run(["pdftotext", "-f", str(agreed_pages + 1), str(out), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)

    uk = sealed_at.astimezone(ZoneInfo("Europe/London"))
    offset = uk.strftime("%z")
    assert f"{uk:%H:%M:%S} {uk.tzname()} ({offset[:3]}:{offset[3:]}); " in flat  # GMT (+00:00), or BST (+01:00)
    assert f"{sealed_at:%H:%M:%S} UTC" in flat
    assert "Chrome 131 on Windows 10" in flat and "Mobile Safari 17 on iOS 17" in flat
    assert "AppleWebKit" not in flat
    # The raw user agent is the audit log's.
    agents = {event.user_agent for event in events(app, document_id, "agreed")}
    assert agents == {CHROME, SAFARI}


def test_the_sealed_records_tags_hold_the_forms_and_the_evidence_pages_headings_and_header_cells(
    app, runner, client, mailbox, trusts, wait, tmp_path
):
    _, sealed = sealed_contract(app, runner, client, mailbox, wait, tmp_path)

    tree = structure(sealed)
    titles = [(h.tag, h.all_text().strip()) for h in headings(tree)]
    assert ("H1", "Safeguarding Supervision Contract") in titles  # the form's own, from LibreOffice
    assert ("H1", "Evidence of agreement") in titles  # the evidence page's, after it
    assert {"Document", "Parties", "Integrity"} <= {text for tag, text in titles if tag == "H2"}
    found = tables(tree)
    assert len(found) >= 5  # the form's table, then the evidence page's four (or more, split over pages)
    for table in found:
        assert table.header_cells() and any(cell.all_text().strip() for cell in table.header_cells())
    evidence_cells = [c.all_text() for t in found for c in t.header_cells()]
    assert "Detail" in evidence_cells and "Browser and system" in evidence_cells
    # Every page with marked content is reachable from the structure tree (its /StructParents is in the parent tree).
    reader = PdfReader(BytesIO(sealed))
    tree_root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    keys = set(tree_root["/ParentTree"].get_object().get("/Nums", [])[::2])
    for page in reader.pages[-2:]:
        if "/StructParents" in page:
            assert page["/StructParents"] in keys

"""A sealed record's evidence page gives times in UK time with the offset and UTC, and names each browser in words."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from app.documents.models import Document
from app.extensions import db

from .test_contract_spine import agree, create, state

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

"""The subject access zip's contents, and the audit report's counts against answers given here."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import csrf, pdf_text, state
from ..staff.test_access import sign_in
from .helpers import TRUST, answer_audit, sealed_contract, send_audit, users

pytestmark = pytest.mark.skipif(bool(BROKER), reason="the records are made in-process for these checks")
SAM = ("Sam Patel", "sam@example.org")
ADMIN = ("admin@hom.example.org", "Morgan Admin", "admin", None)


def test_the_subject_access_zip_holds_their_documents_events_and_answers(app, runner, mailbox, trusts, wait, tmp_path):
    document_id = sealed_contract(app, runner, mailbox, wait, SAM)
    target = tmp_path / "sam.zip"
    result = runner.invoke(args=["records", "export", "--person", SAM[1], "--trust", TRUST, str(target)])
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(target)
    names = set(archive.namelist())
    reference = f"CS-{document_id:06d}"
    assert f"documents/{reference}-v1-sealed.pdf" in names
    assert archive.read(f"documents/{reference}-v1-sealed.pdf")[:4] == b"%PDF"
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert {row["file"] for row in index} <= names and "index.html" in names
    assert SAM[1] in archive.read("index.html").decode()
    events = list(csv.DictReader(io.StringIO(archive.read("audit-events.csv").decode())))
    assert {"sent", "agreed"} <= {e["type"] for e in events} and all(SAM[1] in e["actor"] + e["details"] for e in events)
    agreements = list(csv.DictReader(io.StringIO(archive.read("answers/agreements.csv").decode())))
    assert [(a["document"], a["decision"], a["typed_name"]) for a in agreements] == [(reference, "agreed", SAM[0])]
    note = archive.read("REDACT-BEFORE-SENDING.txt").decode()
    assert f"{reference}: also names Alex Morgan (supervisor)" in note
    with app.app_context():
        logged = db.session.scalar(select(AuditEvent).where(AuditEvent.type == "subject_access_exported"))
        assert logged is not None and logged.details["documents"] == [document_id]


def test_the_audit_report_counts_the_answers_given_by_school_and_trust_wide(app, runner, client, mailbox, trusts, wait):
    users(runner, ADMIN)
    people = [(("Ann Ash", "ann@example.org"), "Oakfield Primary School", "Yes", "5"),
              (("Ben Birch", "ben@example.org"), "Oakfield Primary School", "No", "3"),
              (("Cal Cedar", "cal@example.org"), "Elm Academy", "Yes", "5")]
    for person, school, first, rating in people:
        audit_id = send_audit(runner, person, school)
        answers = [(first, "Protected time helped" if person[0] == "Ann Ash" else "")] + [("Yes", "")] * 12
        answers += [(rating, ""), (f"More time, says {person[0]}", "")]
        answer_audit(app, mailbox, person[1], answers, person[0])
        assert wait(lambda audit_id=audit_id: state(app, audit_id) == "awaiting_agreement")
    send_audit(runner, ("Dee Dogwood", "dee@example.org"), "Elm Academy")

    sign_in(client, mailbox, ADMIN[0])
    from datetime import date  # noqa: PLC0415  (this year's report)
    year = date.today().year
    page = client.get(f"/staff/records/audit-report?year={year}")
    assert page.status_code == 200
    text = page.text
    assert f"Safeguarding Supervision Evaluation Form {year}: 3 answered" in text  # the trust's name for its audit
    assert 'aria-labelledby="q1-title q1-desc"' in text and "<desc id=\"q1-desc\">Yes: 2, No: 1</desc>" in text
    assert "<desc id=\"q14-desc\">3: 1, 5: 2</desc>" in text
    assert "More time, says Ben Birch" in text and "Protected time helped" in text and "Dee Dogwood" in text
    q1 = text.split('id="q1-heading"')[1].split("</table>")[0]
    rows = [r for r in q1.split("<tr") if "scope=\"row\"" in r]
    cells = [[c.split("</td>")[0] for c in r.split('numeric">')[1:]] for r in rows]
    assert cells == [["1", "0"], ["1", "1"], ["2", "1"]]  # Elm, Oakfield, trust-wide: Yes, No
    # Each school has its own chart too, beside the same counts.
    assert "Question 1, Elm Academy" in text and "Question 1, Oakfield Primary School" in text
    assert 'id="q1-s0-desc">Yes: 1, No: 0</desc>' in text and 'id="q1-s1-desc">Yes: 1, No: 1</desc>' in text

    pdf = client.get(f"/staff/records/audit-report/{year}.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    words = pdf_text(pdf.data)
    assert "3 answered; 1 not answered yet" in words and "Dee Dogwood" in words and "More time, says Cal Cedar" in words
    assert csrf(client.get("/staff/records/export").text)

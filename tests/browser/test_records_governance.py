"""In the browser: a retention review drawn up by one admin, approved by a second, and the audit report."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.trusts.models import Trust

from .conftest import TRUST


def test_review_then_a_second_admin_approves_and_the_audit_report_reads(
    app, page, new_page, mailbox, admin, runner, sign_in, screenshot
):
    second = ("Sasha Second", "sasha.second@example.org")
    assert runner.invoke(args=["users", "create", second[1], "--name", second[0], "--role", "admin", "--trust", TRUST]).exit_code == 0
    created = runner.invoke(args=["contract", "create", "--trust", TRUST, "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Patel <sam@example.org>", "--set", "school=Oakfield Primary School"])
    document_id = int(created.output.strip().splitlines()[-1])
    assert runner.invoke(args=["documents", "cancel", str(document_id), "--reason", "Made in error"]).exit_code == 0
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == TRUST))
        trust.profile = {**trust.profile, "retention": {**trust.profile["retention"], "contract": {"after": "sealed", "years": 1}}}
        db.session.commit()

    sign_in(page, admin[1])
    page.get_by_role("link", name="Records").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention and destruction")
    page.get_by_label("Passed retention by").fill(date(2100, 1, 1).isoformat())
    page.get_by_role("button", name="Review and draw up a batch").click()
    expect(page).to_have_title("Batch DB-00001 drawn up: awaiting approval – Countersign")
    expect(page.get_by_role("cell", name=f"CS-{document_id:06d} contract")).to_be_visible()

    approver = new_page(viewport={"width": 320, "height": 800})
    sign_in(approver, second[1])
    approver.goto("/staff/records/batches/1")
    approver.get_by_role("button", name="Approve and destroy").click()
    expect(approver).to_have_title("Error: Batch DB-00001: awaiting approval – Countersign")
    expect(approver.get_by_role("alert")).to_contain_text("Confirm that these records are to be destroyed")
    approver.get_by_label("I confirm these 1 records are past retention and are to be destroyed").check()
    screenshot(approver, "retention-batch-phone.png")
    approver.get_by_role("button", name="Approve and destroy").click()
    expect(approver).to_have_title("Batch DB-00001 destroyed – Countersign")
    expect(approver.get_by_role("alert")).to_contain_text("1 records destroyed")
    assert approver.evaluate("document.documentElement.scrollWidth") <= 320

    approver.get_by_role("link", name="Destruction log").click()
    expect(approver.get_by_role("cell", name=f"CS-{document_id:06d} contract")).to_be_visible()

    page.goto("/staff/records/audit-report")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Safeguarding Supervision Evaluation Form {date.today().year}")
    expect(page.get_by_role("img", name="Question 1, trust-wide")).to_be_visible()
    expect(page.get_by_role("table", name="Answers to question 1 by school")).to_be_visible()
    screenshot(page, "audit-report.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report as a PDF").click()
    assert download.value.suggested_filename == f"{TRUST}-audit-{date.today().year}.pdf"

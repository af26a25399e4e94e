"""A brand-new trust onboarded through the web alone: its own Word forms checked, previewed and installed,
its profile and wording edited, its school and staff added, a contract agreed from the parties' emails
and sealed in the trust's own words, a record with actions under its sections, and a form version restored.

Only the bootstrap uses the command line: installing the trust from a minimal profile and making its first
admin. The forms are written here with python-docx in the trust's own wording, not any bundled trust's.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from ..trusts.test_documented_forms import build

ROOT = Path(__file__).resolve().parents[2]
TRUST = "Northbrook Learning Partnership"
SLUG = "northbrook"
ADMIN = ("Morgan Hale", "morgan.hale@northbrook.example")
SUPERVISOR = ("Ellis Carter", "ellis.carter@northbrook.example")
SUPERVISEE = ("Robin Okafor", "robin.okafor@northbrook.example")
SCHOOL = "Northbrook Church of England Primary"
COMPACT = "Supervision Compact"
STATEMENT = "We have read and accept the terms above"
PROFILE = f'''slug = "{SLUG}"
name = "{TRUST}"

[defaults]
frequency = "every four weeks in term time"
session_length = "one hour"
venue = "a quiet room away from the classroom"
review_period_months = 12
link_expiry_days = 14
'''
COMPACT_LINES = [
    "# {{ trust.name }}: Supervision Compact",
    "This compact is made between {{ supervisor.name }}, who supervises, and {{ supervisee.name }}, at {{ school }}.",
    "Clause 1. We shall meet {{ terms.frequency }} for {{ terms.session_length }}, in {{ terms.venue }}.",
    "Clause 2. Each of us comes prepared with the cases we wish to think about together.",
    "Clause 3. What is said stays between us, unless a child is at risk of harm.",
    "| Supervisor | {{ signed.supervisor.place }}{{ supervisor.name }} |",
    "| Supervisee | {{ signed.supervisee.place }}{{ supervisee.name }} |",
    "Compact reference {{ document.reference }}",
]
BROKEN = "Clause 4. {{ unknown_var }}"
RECORD_LINES = [
    "# {{ trust.name }}: notes of supervision",
    "Session on {{ session_date }}.",
    "{%p for section in sections %}",
    "## {{ section.title }}",
    "{{ section.text }}",
    "{%p for action in section.actions %}",
    "Action: {{ action.what }} (by {{ action.who }})",
    "{%p endfor %}",
    "{%p endfor %}",
    "| Supervisor | {{ signed.supervisor.place }}{{ supervisor.name }} |",
    "| {%tr for person in supervisees %} | |",
    "| Supervisee | {{ signed.supervisees[loop.index0].place }}{{ person.name }} |",
    "| {%tr endfor %} | |",
]


def word_form(lines: list[str]) -> bytes:
    """A Word form: a paragraph per line, `#`/`##` headings, `|` lines the rows of one table (as the form guide's examples)."""
    return build("\n".join(lines))


def heading(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def code_tree_forms() -> str:
    """What git says has changed under document_templates/ in the code tree."""
    return subprocess.run(["git", "status", "--porcelain", "--", "document_templates/"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def pdf_text(path: Path) -> str:
    """The PDF's text, its whitespace run together, as pdftotext reads it."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def download(page: Any, button: str, tmp_path: Path) -> Path:
    with page.expect_download() as started:
        page.get_by_role("button", name=button).click()
    path = tmp_path / started.value.suggested_filename
    started.value.save_as(path)
    return path


def upload_form(page: Any, kind_link: str, name: str, data: bytes) -> None:
    """From the Forms page, open a kind's form and upload a Word file for the check."""
    page.goto("/staff/forms")
    page.get_by_role("link", name=kind_link, exact=True).click()
    page.get_by_label("Word form (.docx)").set_input_files(
        files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "buffer": data}])
    page.get_by_role("button", name="Check the form").click()


def agree_from_email(new_page: Any, mailbox: Any, person: tuple[str, str], document: str = COMPACT,
                     statement: str = STATEMENT) -> None:
    """The person opens the newest link in their email, ticks the statement, types their name and agrees."""
    name, email = person
    page = new_page()
    page.goto(mailbox.link(mailbox.to(email, "Please read and agree")[-1]))
    expect(heading(page)).to_contain_text(document)
    page.get_by_label(statement).check()
    page.get_by_label("Type your full name").fill(name)
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(heading(page)).to_have_text(re.compile("You have agreed"))


def test_a_new_trust_is_onboarded_through_the_web(
    app, runner, page, new_page, mailbox, sign_in, screenshot, wait, tmp_path
):
    tree_before = code_tree_forms()
    # The bootstrap: the trust from a minimal profile, and its first admin.
    profile = tmp_path / "northbrook.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    installed = runner.invoke(args=["trusts", "install", str(profile)])
    assert installed.exit_code == 0, installed.output
    made = runner.invoke(args=["users", "create", ADMIN[1], "--name", ADMIN[0], "--role", "admin", "--trust", SLUG])
    assert made.exit_code == 0, made.output

    sign_in(page, ADMIN[1])
    page.get_by_role("link", name="Trust settings").click()
    page.get_by_role("link", name="Forms", exact=True).click()
    expect(heading(page)).to_have_text("Forms")

    # A contract form with an unknown tag: the check names it and where it is; nothing is kept.
    upload_form(page, "Supervision contract", "supervision-compact.docx", word_form([*COMPACT_LINES, BROKEN]))
    expect(page).to_have_title(re.compile("^Error: supervision-compact.docx has problems"))
    findings = page.get_by_label("What the check found")
    expect(findings.get_by_role("term")).to_have_text(re.compile(r"^paragraph \d+ \('Clause 4\. \{\{ unknown_var \}\}'\)$"))
    expect(findings.get_by_role("definition")).to_have_text(re.compile("^Error unknown variable 'unknown_var'"))
    expect(page.get_by_role("button", name="Install it")).to_have_count(0)
    screenshot(page, "onboarding-form-finding.png")

    # Fixed: it passes, is shown filled in with example details as page images, and is installed.
    upload_form(page, "Supervision contract", "supervision-compact.docx", word_form(COMPACT_LINES))
    expect(heading(page)).to_have_text("Check supervision-compact.docx before you install it")
    expect(page.get_by_role("img", name=re.compile(r"^Page 1 of \d+ of supervision-compact.docx"))).to_be_visible()
    screenshot(page, "onboarding-form-preview.png")
    page.get_by_role("button", name="Install it").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 1 of the Supervision contract form is installed")
    expect(page.get_by_label(re.compile("^Installed versions")).get_by_role("term")).to_have_text("Version 1 In use")

    # The record form prints each action under the section it belongs to.
    upload_form(page, "Supervision record", "northbrook-notes.docx", word_form(RECORD_LINES))
    page.get_by_role("button", name="Install it").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 1 of the Supervision record form is installed")

    # The profile: a default changed, a bad number refused with nothing saved, a record section with actions.
    page.goto("/staff/settings")
    page.get_by_role("link", name="Change the trust's profile").click()
    expect(heading(page)).to_have_text("Trust profile")
    page.get_by_role("group", name="Venue").get_by_label("Wording").fill("the Northbrook reflection room")
    page.get_by_label("Months from agreeing a contract to its review date").fill("0")
    page.get_by_role("button", name="Add another section").click()
    section = page.get_by_role("group", name="Section 1")
    section.get_by_label("Title").fill("Wellbeing")
    section.get_by_label("Prompt").fill("How the supervisee is, in themselves.")
    expect(section.get_by_label("Agreed actions may belong to this section")).to_be_checked()
    page.get_by_role("button", name="Save the profile").click()
    expect(page).to_have_title(f"Error: Trust profile: {TRUST} – Countersign")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link")).to_have_text(["Review period: required whole number from 1 to 60"])
    expect(page.get_by_role("group", name=re.compile("^Section 1")).get_by_label("Title")).to_have_value("Wellbeing")
    screenshot(page, "onboarding-profile-errors.png")
    page.get_by_label("Months from agreeing a contract to its review date").fill("24")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_role("alert")).to_contain_text("The profile is saved.")
    expect(page.get_by_role("group", name="Venue").get_by_label("Wording")).to_have_value("the Northbrook reflection room")
    screenshot(page, "onboarding-profile.png")

    # The contract's wording: what the trust calls it, and what each party agrees to.
    page.get_by_role("link", name="Change Supervision contract").click()
    page.get_by_label("Name of the document").fill(COMPACT)
    page.get_by_label("What each party agrees to").fill(STATEMENT)
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_role("alert")).to_contain_text("The wording is saved.")
    expect(page.get_by_role("link", name=f"Change {COMPACT}")).to_be_visible()

    # A school, and two members of staff at it.
    page.goto("/staff/settings")
    page.get_by_role("link", name="Schools and their own defaults").click()
    page.get_by_label("School's name").fill(SCHOOL)
    page.get_by_role("button", name="Add school").click()
    expect(page).to_have_title(f"{SCHOOL} has been added – Countersign")
    for name, email in (SUPERVISOR, SUPERVISEE):
        page.goto("/staff/people")
        page.get_by_role("button", name="Invite someone").click()
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Staff", exact=True).check()
        page.get_by_label(SCHOOL).check()
        page.get_by_role("button", name="Invite").click()
        expect(page).to_have_title(f"{name} has been added and emailed a link to sign in – Countersign")

    # The contract, in the trust's own name, its parties picked from the staff list.
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_role("link", name=COMPACT, exact=True).click()
    expect(heading(page)).to_have_text(f"New {COMPACT}")
    expect(page.get_by_label("Venue", exact=True)).to_have_value("the Northbrook reflection room")
    page.get_by_label("Supervisor from your trust's staff").select_option(label=f"{SUPERVISOR[0]} ({SUPERVISOR[1]})")
    page.get_by_label("Supervisee from your trust's staff").select_option(label=f"{SUPERVISEE[0]} ({SUPERVISEE[1]})")
    page.get_by_label("School or setting").select_option(SCHOOL)
    page.get_by_role("button", name="Preview").click()
    expect(heading(page)).to_have_text(f"Check the {COMPACT} before you send it")
    expect(page.get_by_role("img", name=re.compile(r"^Page 1 of \d+ of the preview$"))).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("has been created and sent.")).to_be_visible()
    contract_url = page.url

    # Both parties agree from their emails, to the trust's own statement.
    agree_from_email(new_page, mailbox, SUPERVISEE)
    agree_from_email(new_page, mailbox, SUPERVISOR)

    def sealed(url: str) -> bool:
        page.goto(url)
        return page.get_by_role("button", name=re.compile("^Download sealed PDF")).count() > 0

    assert wait(lambda: sealed(contract_url), timeout=120, interval=0.5), "the compact was never sealed"
    evidence = pdf_text(download(page, re.compile("^Download sealed PDF"), tmp_path))
    assert COMPACT in evidence and "Clause 3. What is said stays between us" in evidence
    assert STATEMENT in evidence, "the sealed PDF does not record the statement the parties agreed to"

    # A record, with an action under the section the profile lets actions belong to.
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_role("link", name="Supervision record", exact=True).click()
    page.get_by_label("Supervisor from your trust's staff").select_option(label=f"{SUPERVISOR[0]} ({SUPERVISOR[1]})")
    page.get_by_role("group", name="Supervisees from your trust's staff (tick each)").get_by_label(
        f"{SUPERVISEE[0]} ({SUPERVISEE[1]})").check()
    page.get_by_label("School or setting").select_option(SCHOOL)
    page.get_by_label("Date of the session").fill("2026-11-25")
    page.get_by_label("Wellbeing").fill("Talked about the weight of the autumn's cases.")
    action = page.get_by_role("group", name="Action 1")
    action.get_by_label("What").fill("Book a half day of respite")
    action.get_by_label("By whom").fill(SUPERVISEE[0])
    action.get_by_label("Under which section").select_option("Wellbeing")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("img", name=re.compile(r"^Page 1 of \d+ of the preview$"))).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("has been created and sent.")).to_be_visible()
    record_url = page.url
    record = pdf_text(download(page, re.compile("^Download PDF as sent"), tmp_path))
    assert re.search(r"Wellbeing .*Talked about the weight.* Action: Book a half day of respite", record), record
    # Both agree the record from their emails too, to the record's own statement; it is sealed with its action.
    for person in (SUPERVISEE, SUPERVISOR):
        agree_from_email(new_page, mailbox, person, "Supervision record", "I agree this is an accurate record of the session")
    assert wait(lambda: sealed(record_url), timeout=120, interval=0.5), "the record was never sealed"
    sealed_record = pdf_text(download(page, re.compile("^Download sealed PDF"), tmp_path))
    assert re.search(r"Wellbeing .*Talked about the weight.* Action: Book a half day of respite", sealed_record)

    # A second version of the compact, then the first restored: the page shows version 1 in use.
    # The Forms page calls the contract by the trust's name for it now.
    upload_form(page, COMPACT, "supervision-compact-2.docx",
                word_form([*COMPACT_LINES, "Clause 4. We review this compact together each year."]))
    page.get_by_role("button", name="Install it").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Version 2 of the {COMPACT} form is installed")
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Version 1 of the {COMPACT} form is in use again")
    expect(page.get_by_text("In use now: Version 1: supervision-compact.docx")).to_be_visible()
    versions = page.get_by_label(f"Installed versions of the {COMPACT} form, newest first")
    expect(versions.get_by_role("term")).to_have_text(["Version 2", "Version 1 In use"])
    expect(versions.get_by_role("button", name="Restore version 2")).to_be_visible()
    screenshot(page, "onboarding-form-versions.png")

    # The forms went to the trust's store: nothing in the code tree's document_templates/ changed.
    assert app.config["TEMPLATES_DIR"] == str(ROOT / "document_templates")
    assert code_tree_forms() == tree_before
    assert not (ROOT / "document_templates" / "forms" / SLUG).exists()

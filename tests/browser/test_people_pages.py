"""In the browser: an admin adds the trust's schools and staff, a document's parties are picked from them, and
deactivating someone signs them out."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

LEAD = ("Dana Lead", "dana.lead@example.org")
SUPERVISEE = ("Sam Patel", "sam.patel@example.org")


def heading(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def test_an_admin_adds_schools_and_staff_and_picks_parties_from_them(
    app, page, new_page, mailbox, admin, sign_in, screenshot
):
    sign_in(page, admin[1])
    page.get_by_role("link", name="Trust settings").click()
    page.get_by_role("link", name="Schools and their own defaults").click()
    expect(heading(page)).to_have_text("Schools")
    page.get_by_label("School's name").fill("Oakfield Primary School")
    page.get_by_role("button", name="Add school").click()
    expect(page).to_have_title("Oakfield Primary School has been added – Countersign")
    # A second spelling of the same school is refused, naming the school it would be taken for.
    page.get_by_label("School's name").fill("oakfield primary")
    page.get_by_role("button", name="Add school").click()
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link")).to_have_text(re.compile("already has Oakfield Primary School"))
    expect(summary.get_by_role("link")).to_have_attribute("href", "#name")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)  # the heading row and Oakfield
    screenshot(page, "schools-similar-name.png")

    page.get_by_role("link", name="Oakfield Primary School", exact=True).click()
    page.get_by_label("Venue").fill("The Oakfield library")
    page.get_by_role("button", name="Save school").click()
    expect(page).to_have_title("The school has been saved – Countersign")
    expect(page.get_by_label("Venue")).to_have_value("The Oakfield library")

    for (name, email), role in ((LEAD, "Safeguarding lead"), (SUPERVISEE, "Staff")):
        page.goto("/staff/people")
        page.get_by_role("button", name="Invite someone").click()
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        page.get_by_label(role, exact=True).check()
        page.get_by_label("Oakfield Primary School").check()
        if role == "Staff":
            screenshot(page, "staff-invite.png")
        page.get_by_role("button", name="Invite").click()
        expect(page).to_have_title(f"{name} has been added and emailed a link to sign in – Countersign")
        mailbox.to(email, "You have been added to Countersign")
    staff = page.get_by_role("table", name=re.compile("Staff of"))
    expect(staff.get_by_role("row", name=re.compile(LEAD[0]))).to_contain_text("Safeguarding lead")
    expect(staff.get_by_role("row", name=re.compile(LEAD[0]))).to_contain_text("Oakfield Primary School")
    screenshot(page, "staff-list.png")

    # On a phone, the create page narrows the staff list by a search, without any script.
    phone = new_page(viewport={"width": 320, "height": 800}, java_script_enabled=False)
    sign_in(phone, LEAD[1])
    phone.goto("/staff/create/contract")
    phone.get_by_label("Search staff for the supervisee").fill("sam")
    phone.get_by_role("button", name="Search").nth(1).click()
    supervisee = phone.get_by_label("Supervisee from your trust's staff")
    expect(supervisee.locator("option")).to_have_text(["Choose the supervisee", f"{SUPERVISEE[0]} ({SUPERVISEE[1]})"])
    supervisee.select_option(label=f"{SUPERVISEE[0]} ({SUPERVISEE[1]})")
    phone.get_by_label("External supervisor's full name").fill("Jo External")
    phone.get_by_label("External supervisor's email address").fill("jo@localhost")
    phone.get_by_role("button", name="Preview").click()
    expect(phone.get_by_role("alert").get_by_role("link", name=re.compile("not an email address"))).to_have_attribute(
        "href", "#external_email")
    expect(phone.get_by_label("Supervisee from your trust's staff")).to_have_value(re.compile(r"\d+"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(phone, "create-parties-phone.png")

    # Deactivating the lead ends the session they have open.
    page.get_by_role("link", name=LEAD[0]).click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page).to_have_title(f"{LEAD[0]} has been deactivated and signed out everywhere – Countersign")
    phone.goto("/staff/")
    expect(heading(phone)).to_have_text("Sign in")

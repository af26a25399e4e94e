"""The signing page a party opens from their email works on a phone and from the keyboard."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

SUPERVISOR = ("Alex Morgan", "alex.morgan@example.org")
SUPERVISEE = ("Sam Patel", "sam.patel@example.org")


def signing_link(runner: Any, mailbox: Any) -> str:
    """Send a contract from the trust's defaults; return the supervisee's emailed link."""
    result = runner.invoke(args=[
        "contract", "create", "--trust", "heart-of-mercia",
        "--supervisor", f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>",
        "--supervisee", f"{SUPERVISEE[0]} <{SUPERVISEE[1]}>",
    ])
    assert result.exit_code == 0, result.output
    return mailbox.link(mailbox.to(SUPERVISEE[1], "Please read and agree")[0])


def scroll_width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_signing_page_fits_a_320_pixel_phone_and_can_be_agreed_there(
    new_page, runner, mailbox, trusts, screenshot
):
    phone = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    phone.goto(signing_link(runner, mailbox))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Safeguarding Supervision Contract")  # Heart of Mercia's own name for it
    first_page = phone.get_by_role("img", name="Page 1 of", exact=False).first
    first_page.scroll_into_view_if_needed()
    expect(first_page).to_be_visible()
    assert first_page.bounding_box()["width"] <= 320
    assert scroll_width(phone) <= 320, "the page scrolls sideways on a 320px screen"
    screenshot(phone, "signing-phone.png")

    phone.get_by_label("I have read and agree to this supervision contract").tap()
    expect(phone.get_by_label("I have read and agree to this supervision contract")).to_be_checked()
    phone.get_by_label("Type your full name").fill(SUPERVISEE[0])
    phone.get_by_role("button", name="Agree", exact=True).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You have agreed this supervision contract")
    assert scroll_width(phone) <= 320


def test_the_problem_summary_on_a_phone_names_what_is_missing(new_page, runner, mailbox, trusts):
    phone = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    phone.goto(signing_link(runner, mailbox))
    phone.get_by_role("button", name="Agree", exact=True).tap()
    summary = phone.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    assert scroll_width(phone) <= 320
    first = summary.get_by_role("link").first
    target = first.get_attribute("href")
    first.tap()
    expect(phone.locator(target)).to_be_focused()


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, runner, mailbox, trusts):
    page.goto(signing_link(runner, mailbox))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "the next Tab after skipping should stay inside the main content"


CLAUSE = "Every effort will be made for supervision to take place in an uninterrupted environment"


def test_the_contract_reads_as_text_at_320_pixels_and_the_used_link_reopens_it(new_page, runner, mailbox, trusts):
    # 320 CSS pixels is also what a 1280 pixel screen gives at 400% zoom (WCAG 1.4.10).
    phone = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    link = signing_link(runner, mailbox)
    phone.goto(link)
    text = phone.locator("#document-text-body")
    expect(text).to_contain_text(CLAUSE)
    expect(phone.get_by_text("this is the document you are agreeing")).to_be_visible()
    region = phone.get_by_role("region", name="Table in the document")
    region.scroll_into_view_if_needed()
    assert region.bounding_box()["width"] <= 320
    assert scroll_width(phone) <= 320, "the page scrolls sideways on a 320px screen"

    phone.get_by_label("I have read and agree to this supervision contract").tap()
    phone.get_by_label("Type your full name").fill(SUPERVISEE[0])
    phone.get_by_role("button", name="Agree", exact=True).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You have agreed this supervision contract")

    phone.goto(link)
    assert phone.title().startswith("Agreed — Safeguarding Supervision Contract")
    expect(phone.get_by_text("You agreed version 1 on", exact=False)).to_be_visible()
    expect(phone.locator("#document-text-body")).to_contain_text(CLAUSE)
    assert scroll_width(phone) <= 320


def test_version_2_shows_a_phone_what_changed_since_the_version_the_party_read(new_page, runner, mailbox, trusts, wait, app):
    phone = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    phone.goto(signing_link(runner, mailbox))  # the supervisee reads version 1
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Safeguarding Supervision Contract")
    revised = runner.invoke(args=["documents", "revise", "1", "--set", "venue=The school library",
                                  "--note", "Venue moved to the library"])
    assert revised.exit_code == 0, revised.output
    links = mailbox.to(SUPERVISEE[1], "Please read and agree", count=2)
    phone.goto(mailbox.link(links[-1]))
    expect(phone.get_by_role("heading", name="What changed since version 1")).to_be_visible()
    expect(phone.get_by_text("Why it was revised: Venue moved to the library")).to_be_visible()
    change = phone.locator("#what-changed + p + dl")
    expect(change).to_contain_text("Venue")  # the field's label, not its internal name
    expect(change).to_contain_text("Now: The school library")
    assert scroll_width(phone) <= 320

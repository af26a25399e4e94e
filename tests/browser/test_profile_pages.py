"""In the browser, on a phone: a trust admin changes the profile and a kind's wording, without any script needed."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.trusts.models import Trust

from .conftest import TRUST


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_an_admin_changes_the_profile_and_wording_on_a_320_pixel_phone(app, new_page, admin, sign_in, screenshot):
    page = new_page(viewport={"width": 320, "height": 800}, java_script_enabled=False)
    sign_in(page, admin[1])
    page.goto("/staff/settings")
    page.get_by_role("link", name="Change the trust's profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust profile")
    assert width(page) <= 320, "the profile page scrolls sideways on a 320px screen"

    # "Add another section" posts the page back with an empty row: no script is needed.
    page.get_by_role("button", name="Add another section").click()
    page.locator("#section-7-title").fill("Wellbeing")
    page.locator("#section-7-prompt").fill("How the supervisee is, in themselves.")
    page.get_by_label("Days a personal link works").fill("0")
    page.get_by_role("button", name="Save the profile").click()
    expect(page).to_have_title("Error: Trust profile: The Heart of Mercia Academy Trust – Countersign")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link")).to_have_text(["Days a personal link works: required whole number from 1 to 90"])
    expect(page.locator("#section-7-title")).to_have_value("Wellbeing")  # kept to correct, not saved
    screenshot(page, "profile-error-phone.png")
    page.get_by_label("Days a personal link works").fill("21")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_role("alert")).to_contain_text("The profile is saved.")

    page.get_by_role("link", name="Change Safeguarding Supervision Contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wording: Safeguarding Supervision Contract")
    page.get_by_label("What each party agrees to").fill("We have read and accept the terms above")
    assert width(page) <= 320
    screenshot(page, "profile-wording-phone.png")
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_role("alert")).to_contain_text("The wording is saved.")

    with app.app_context():
        profile = db.session.scalar(select(Trust).where(Trust.slug == TRUST)).profile
    assert profile["defaults"]["link_expiry_days"] == 21
    assert profile["record"]["sections"][-1]["title"] == "Wellbeing"
    assert profile["wording"]["contract"]["statement"] == "We have read and accept the terms above"

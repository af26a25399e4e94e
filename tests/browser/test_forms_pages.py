"""In the browser, on a 320 px phone: a trust admin finds a broken form's fault, previews a fixed one, installs it, restores."""

from __future__ import annotations

from playwright.sync_api import expect

from ..flows.test_templates_cli import SOUND_CONTRACT, form


def test_an_admin_checks_previews_installs_and_restores_a_form_on_a_phone(
    app, new_page, mailbox, admin, sign_in, screenshot, tmp_path
):
    page = new_page(viewport={"width": 320, "height": 800})
    sign_in(page, admin[1])
    page.goto("/staff/settings")
    page.get_by_role("link", name="Forms", exact=True).click()
    expect(page).to_have_title("Forms – Countersign")
    expect(page.get_by_role("table", name="The form each kind uses")).to_contain_text("Uses the generic form")
    screenshot(page, "forms-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_role("link", name="Supervision contract", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision contract form")
    page.get_by_label("Word form (.docx)").set_input_files(
        str(form(tmp_path, "Hello {{ supervisor.name }", *SOUND_CONTRACT[1:], name="broken.docx")))
    page.get_by_role("button", name="Check the form").click()
    expect(page).to_have_title("Error: broken.docx has problems – Countersign")
    expect(page.get_by_label("What the check found")).to_contain_text("paragraph 1")
    screenshot(page, "form-check-findings-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_role("link", name="Supervision contract form", exact=True).click()
    page.get_by_label("Word form (.docx)").set_input_files(
        str(form(tmp_path, "Our agreement", *SOUND_CONTRACT, name="agreement.docx")))
    page.get_by_role("button", name="Check the form").click()
    expect(page).to_have_title("Check agreement.docx before you install it – Countersign")
    expect(page.get_by_role("img", name="Page 1 of 1 of agreement.docx filled in with example details")).to_be_visible()
    screenshot(page, "form-preview-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("button", name="Install it").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 1 of the supervision contract form is installed")

    page.get_by_label("Word form (.docx)").set_input_files(
        str(form(tmp_path, "Our second agreement", *SOUND_CONTRACT, name="second.docx")))
    page.get_by_role("button", name="Check the form").click()
    page.get_by_role("button", name="Install it").click()
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 1 of the supervision contract form is in use again")
    screenshot(page, "form-versions-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

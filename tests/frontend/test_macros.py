"""The macros staff pages are built from render accessible GOV.UK markup."""

from __future__ import annotations

from typing import Any

from flask import render_template_string, url_for

from .support import Page, check_page, with_staff_endpoints


def render(app: Any, source: str, **context: Any) -> str:
    with app.test_request_context("/"):
        return render_template_string('{% import "macros.html" as ui %}' + source, **context)


def test_a_field_with_an_error_is_wired_to_its_hint_and_message(app):
    html = render(
        app,
        "{{ ui.input('email', 'Email address', value=v, error='Enter an email address', hint='At your school', type='email', width=20, autocomplete='email', spellcheck='false') }}",
        v="<b>",
    )
    page = Page(html)
    field = page.all("input")[0]
    assert field == {
        "class": "govuk-input govuk-input--width-20 govuk-input--error",
        "id": "email",
        "name": "email",
        "type": "email",
        "value": "<b>",
        "autocomplete": "email",
        "aria-describedby": "email-hint email-error",
        "spellcheck": "false",
    }
    assert "&lt;b&gt;" in html
    assert "govuk-form-group--error" in page.classes("div")
    assert (
        '<p id="email-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> Enter an email address</p>'
        in html
    )
    assert '<label class="govuk-label" for="email">Email address</label>' in html

    plain = Page(render(app, "{{ ui.textarea('notes', 'Notes') }}"))
    assert "aria-describedby" not in plain.all("textarea")[0]
    assert "govuk-form-group--error" not in plain.classes()


def test_the_error_summary_links_to_each_field(app):
    html = render(app, "{{ ui.error_summary({'email': 'Enter an email address', 'kind': 'Choose a kind'}) }}")
    page = Page(html)
    assert page.all("div")[0]["id"] == "error-summary" and page.all("div")[0]["tabindex"] == "-1"
    assert {"role": "alert"} in page.all("div")
    assert [a["href"] for a in page.all("a")] == ["#email", "#kind"]
    assert "There is a problem" in html
    assert render(app, "{{ ui.error_summary({}) }}").strip() == ""


def test_radios_select_checkbox_and_date(app):
    html = render(
        app,
        "{{ ui.radios('kind', 'Which kind?', [('one-to-one', 'One-to-one'), ('group', 'Group', 'Two or more')], 'group', error='Choose a kind', inline=True) }}"
        "{{ ui.select('trust', 'Trust', [('hm', 'Heart of Mercia'), ('rt', 'River Tees')], 'rt') }}"
        "{{ ui.checkbox('admin', 'Trust administrator', True, hint='Can change settings') }}"
        "{{ ui.date_input('session_date', 'Date of the session', '2026-09-01') }}",
    )
    page = Page(html)
    radios = [a for a in page.all("input") if a.get("type") == "radio"]
    assert [r["id"] for r in radios] == ["kind", "kind-2"]
    assert "checked" in radios[1] and "checked" not in radios[0]
    assert radios[1]["aria-describedby"] == "kind-2-item-hint"
    fieldset = page.all("fieldset")[0]
    assert fieldset["aria-describedby"] == "kind-error"
    assert "govuk-radios--inline" in page.classes("div")
    assert [("selected" in o) for o in page.all("option")] == [False, True]
    box = next(a for a in page.all("input") if a.get("type") == "checkbox")
    assert box["value"] == "yes" and "checked" in box and box["aria-describedby"] == "admin-hint"
    date = next(a for a in page.all("input") if a.get("name") == "session_date")
    assert (
        date["type"] == "date"
        and date["value"] == "2026-09-01"
        and date["aria-describedby"] == "session_date-hint"
    )
    assert "For example, 2026-09-01" in html
    labelled = {a["for"] for a in page.all("label")}
    assert {"kind", "kind-2", "trust", "admin", "session_date"} <= labelled


def test_tags_tables_lists_banners_and_buttons(app):
    html = render(
        app,
        "{{ ui.summary_list([('Name', 'Sam'), none, ('State', ui.state_tag('changes_requested'), '/edit', 'Change')]) }}"
        "{{ ui.table('Documents', ['Reference', 'Pages'], [['HM-1', 3]], numeric=(1,)) }}"
        "{{ ui.table('Empty', ['Reference'], []) }}"
        "{{ ui.notification('Success', 'Saved', success=True) }}"
        "{{ ui.button('Cancel the document', warning=True) }}{{ ui.button('Back', secondary=True, type='button') }}"
        "{{ ui.csrf() }}",
    )
    page = Page(html)
    assert '<strong class="govuk-tag govuk-tag--orange">Changes requested</strong>' in html
    assert html.count('<div class="govuk-summary-list__row') == 2
    assert "govuk-summary-list__row--no-actions" in html
    assert 'Change<span class="govuk-visually-hidden"> state</span>' in html
    assert '<caption class="govuk-table__caption govuk-table__caption--m" id="documents-caption">Documents</caption>' in html
    # On a narrow screen the table scrolls inside its own focusable region, named by its caption.
    region = next(a for a in page.all("div") if a.get("aria-labelledby") == "documents-caption")
    assert region["class"] == "table-scroll" and region["role"] == "region" and region["tabindex"] == "0"
    assert 'scope="col"' in html and "govuk-table__cell--numeric" in html and "Nothing to show yet." in html
    banner = next(a for a in page.all("div") if "govuk-notification-banner" in a.get("class", ""))
    assert banner["role"] == "alert" and "govuk-notification-banner--success" in banner["class"]
    buttons = page.all("button")
    assert buttons[0]["class"] == "govuk-button govuk-button--warning" and buttons[0]["type"] == "submit"
    assert buttons[1]["class"] == "govuk-button govuk-button--secondary" and buttons[1]["type"] == "button"
    assert next(a for a in page.all("input") if a.get("name") == "csrf_token")["type"] == "hidden"
    for text in ("Sealed", "Awaiting agreement", "Cancelled"):
        assert text in render(app, "{{ ui.state_tag(s) }}", s=text.lower().replace(" ", "_"))


class SignedIn:
    is_authenticated = True

    def __init__(self, is_admin: bool) -> None:
        self.is_admin = is_admin


def test_the_layout_shows_staff_navigation_and_flashed_messages_only_when_signed_in(app):
    with_staff_endpoints(app)
    source = '{% extends "base.html" %}{% block title %}Dashboard{% endblock %}{% block content %}<h1 class="govuk-heading-l">Dashboard</h1>{% endblock %}'
    with app.test_request_context("/"):
        url = {e: url_for(f"staff.{e}") for e in ("dashboard", "documents", "create", "settings", "sign_out")}
    with app.test_request_context(url["dashboard"]):
        from flask import flash

        flash("Sent to Sam Patel", "success")
        flash("Trust settings need a seal certificate")
        html = render_template_string(source, current_user=SignedIn(is_admin=False))
    page = check_page(html)
    nav = [a.get("href") for a in page.all("a") if "govuk-service-navigation__link" in a.get("class", "")]
    assert nav == [
        url["dashboard"],
        url["dashboard"],
        url["documents"],
        url["create"],
    ]  # the service name first
    assert url["settings"] not in nav
    current = [a for a in page.all("a") if "aria-current" in a]
    assert current == [
        {"class": "govuk-service-navigation__link", "href": url["dashboard"], "aria-current": "page"}
    ]
    sign_out = page.all("form")[0]
    assert sign_out["method"] == "post" and sign_out["action"] == url["sign_out"]
    assert "Sign out" in html and 'name="csrf_token"' in html
    banners = [a for a in page.all("div") if "govuk-notification-banner" in a.get("class", "").split()]
    assert [b["role"] for b in banners] == ["alert", "region"]
    assert "Sent to Sam Patel" in html and "Trust settings need a seal certificate" in html

    with app.test_request_context(url["documents"] + "/3"):
        admin = render_template_string(
            '{% extends "base.html" %}{% set active_nav = "staff.documents" %}{% block content %}<h1>x</h1>{% endblock %}',
            current_user=SignedIn(is_admin=True),
        )
    page = Page(admin)
    assert url["settings"] in [a.get("href") for a in page.all("a")]
    assert [(a["href"], a["aria-current"]) for a in page.all("a") if "aria-current" in a] == [
        (url["documents"], "true")
    ]

    with app.test_request_context("/"):
        signed_out = render_template_string(source)
    assert "Sign out" not in signed_out and url["documents"] not in signed_out

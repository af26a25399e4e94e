"""Checks every rendered page must pass: GOV.UK assets linked, no inline script or style, labels wired."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

STYLESHEETS = ["/static/govuk/govuk-frontend.min.css", "/static/countersign.css"]
MODULE = "/static/init.js"


class Page(HTMLParser):
    """The parts of a page the accessibility and CSP rules are about."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[dict[str, str]] = []
        self.script_bodies: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
            self.script_bodies.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_bodies[-1] += data

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag]

    @property
    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.elements if "id" in a]

    def classes(self, tag: str | None = None) -> set[str]:
        return {c for t, a in self.elements if tag in (None, t) for c in a.get("class", "").split()}


def check_page(html: str) -> Page:
    """Assert the page follows our frontend rules; return it parsed for further checks."""
    page = Page(html)
    # GOV.UK Frontend and our additions, started by an external module.
    stylesheets = [a["href"] for a in page.all("link") if a.get("rel") == "stylesheet"]
    assert stylesheets == STYLESHEETS
    assert {"type": "module", "src": MODULE} in page.scripts
    assert "govuk-template" in page.all("html")[0]["class"].split()
    assert "govuk-template__body" in page.all("body")[0]["class"].split()
    # The CSP allows no inline script or style.
    for attributes, body in zip(page.scripts, page.script_bodies, strict=True):
        assert attributes.get("src"), "inline <script>"
        assert not body.strip(), "a <script src> with a body"
    assert not page.all("style"), "a <style> element"
    for tag, attributes in page.elements:
        assert "style" not in attributes, f"style= on <{tag}>"
        assert not any(k.startswith("on") for k in attributes), f"an inline event handler on <{tag}>"
    # No crown, no logo, no Transport.
    assert not page.all("svg")
    assert not {c for c in page.classes() if "logo" in c or "crown" in c}
    assert "govuk-header" not in page.classes()
    # Landmarks and the skip link.
    assert page.all("main") and page.all("main")[0]["id"] == "main-content"
    assert any(
        a.get("href") == "#main-content" and "govuk-skip-link" in a.get("class", "") for a in page.all("a")
    )
    assert len(page.all("h1")) == 1
    # Every id once; every form control labelled; every description and summary link lands.
    ids = page.ids
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    labelled = {a["for"] for a in page.all("label") if "for" in a}
    for tag in ("input", "textarea", "select"):
        for attributes in page.all(tag):
            if attributes.get("type") in {"hidden", "submit"}:
                continue
            assert attributes.get("id") in labelled, f"<{tag} name={attributes.get('name')}> has no label"
    for _, attributes in page.elements:
        for ref in attributes.get("aria-describedby", "").split():
            assert ref in ids, f"aria-describedby names a missing id {ref}"
        if "aria-labelledby" in attributes:
            assert attributes["aria-labelledby"] in ids
    for attributes in page.all("img"):
        assert attributes.get("alt"), "an image without alt text"
    return page


def check_errors(html: str, fields: list[str]) -> Page:
    """Assert the page shows a GOV.UK error summary linking to each field, and each field's error."""
    page = check_page(html)
    assert "There is a problem" in html
    assert "govuk-error-summary" in page.classes("div")
    summary_links = [
        a["href"] for a in page.all("a") if a.get("href", "").startswith("#") and a["href"] != "#main-content"
    ]
    for field in fields:
        assert f"#{field}" in summary_links
        assert field in page.ids
        assert f"{field}-error" in page.ids
        described = [a for _, a in page.elements if f"{field}-error" in a.get("aria-describedby", "").split()]
        assert described, f"nothing is described by {field}-error"
    assert '<span class="govuk-visually-hidden">Error:</span>' in html
    assert "govuk-form-group--error" in page.classes("div")
    title = html.split("<title>", 1)[1]
    assert title.startswith("Error: ")
    return page


def with_staff_endpoints(app: Any) -> None:
    """Give the app stand-ins for the staff pages the navigation links to, unless they exist."""
    if "staff" in app.blueprints:
        return
    from flask import Blueprint

    bp = Blueprint("staff", __name__, url_prefix="/staff")
    for endpoint in ("dashboard", "documents", "create", "settings"):
        bp.add_url_rule(f"/{endpoint}", endpoint, lambda: "")
    bp.add_url_rule("/sign-out", "sign_out", lambda: "", methods=["POST"])
    app.register_blueprint(bp)

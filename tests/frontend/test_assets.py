"""GOV.UK Frontend is vendored, served by the app, and asks for nothing we do not ship."""

from __future__ import annotations

import re
from pathlib import Path

from .support import Page

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "app" / "static"
GOVUK = STATIC / "govuk"


def test_the_pinned_govuk_frontend_is_vendored_without_fonts_or_images():
    pin = re.search(
        r"GOVUK_FRONTEND_VERSION:-(5\.\d+\.\d+)", (ROOT / "scripts" / "vendor_govuk.sh").read_text()
    )
    assert pin, "the script pins a 5.x version"
    assert (GOVUK / "VERSION").read_text().strip() == f"govuk-frontend {pin.group(1)}"
    assert sorted(p.name for p in GOVUK.iterdir()) == [
        "LICENCE.txt",
        "VERSION",
        "govuk-frontend.min.css",
        "govuk-frontend.min.js",
    ]
    assert f'--govuk-frontend-version:"{pin.group(1)}"' in (GOVUK / "govuk-frontend.min.css").read_text()
    assert "initAll" in (GOVUK / "govuk-frontend.min.js").read_text()
    assert (
        not list(STATIC.rglob("*.woff*"))
        and not list(STATIC.rglob("*crest*"))
        and not list(STATIC.rglob("*crown*"))
    )


def test_no_stylesheet_refers_to_a_font_or_image_we_do_not_ship():
    for css in (GOVUK / "govuk-frontend.min.css", STATIC / "countersign.css"):
        text = css.read_text()
        assert "@font-face" not in text, css
        assert "sourceMappingURL" not in text, css
        assert "govuk-crest" not in text and "crown.svg" not in text, css
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert not url.startswith("/") and (css.parent / url).is_file(), f"{css.name} refers to {url}"
    assert "sourceMappingURL" not in (GOVUK / "govuk-frontend.min.js").read_text()


def test_our_stylesheet_sets_the_system_font_stack_on_every_govuk_class():
    css = (STATIC / "countersign.css").read_text()
    assert '--countersign-font: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif' in css
    assert '.govuk-template [class*="govuk-"]' in css


def test_every_asset_the_layout_links_is_served(client):
    page = Page(client.get("/").text)
    urls = [a["href"] for a in page.all("link") if a.get("rel") in {"stylesheet", "icon"}]
    urls += [a["src"] for a in page.scripts]
    assert len(urls) == 4
    with client.get("/static/init.js") as init:
        imported = re.findall(r'from "\./([^"]+)"', init.text)
    assert imported == ["govuk/govuk-frontend.min.js"]
    urls.append("/static/" + imported[0])
    types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.mimetype == types[Path(url).suffix], url

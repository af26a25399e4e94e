"""Browser fixtures: the test app served on a free local port, and Debian's Chromium driven by Playwright.

Every email still goes to the session's SMTP server; BASE_URL points at the live server so the
links in those emails open in the browser. COUNTERSIGN_SCREENSHOTS=DIR makes the tests save
full-page PNGs there (scripts/screenshots.sh).
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium reaches out on start, and a closed
# network then refuses the page's own connections.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = os.environ.get("COUNTERSIGN_SCREENSHOTS")
TRUST = "heart-of-mercia"
ADMIN = ("Jo Admin", "jo.admin@example.org")
SIGN_IN_LINK = re.compile(r"https?://\S+/staff/sign-in/\S+")


def _unavailable() -> str | None:
    """Say why browser tests cannot run here, or None when they can."""
    if os.environ.get("COUNTERSIGN_CELERY_BROKER_URL"):
        return (
            "browser tests run with in-process jobs only: with COUNTERSIGN_CELERY_BROKER_URL set, the "
            "worker process would build emailed links from its own BASE_URL, not the live server's"
        )
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests before any fixture (or Celery worker) starts when they cannot run."""
    reason = _unavailable()
    if reason is None:
        return
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def live_server(app: Any, tmp_path: Path) -> Iterator[str]:
    """Serve the test app on 127.0.0.1:<free port>; emailed links point here.

    Each test starts as a fresh install: its own output folder (stored files, caches, seal key),
    so what a first visitor meets does not depend on which tests ran before.
    """
    app.config["OUTPUT_DIR"] = str(tmp_path / "output")
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()
    thread.join()


def _closing(app: Any) -> Any:
    """Read each response whole and close it before the server writes it.

    werkzeug's development server skips closing a response when the browser resets the
    connection mid-way (it fails while draining the socket first), leaving a static file open;
    a browser closing its page does exactly that. Buffering here makes every file close.
    """

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wsgi


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module.

    Not for the session: while Playwright's sync API is open its event loop counts as running in
    this thread, so asyncio.run (pyHanko's validation, the test TSA) fails in any test after it.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (its own cookies: one person each)."""
    contexts = []

    def open_page(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-GB")  # date pickers show dd/mm/yyyy, as staff in England expect
        options.setdefault("timezone_id", "Europe/London")
        context = browser.new_context(base_url=live_server, accept_downloads=True, **options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


@pytest.fixture
def admin(runner: Any, trusts: None) -> tuple[str, str]:
    """An administrator of the Heart of Mercia trust: (name, email)."""
    name, email = ADMIN
    args = ["users", "create", email, "--name", name, "--role", "admin", "--trust", TRUST]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return ADMIN


@pytest.fixture
def sign_in(mailbox: Any) -> Callable[[Any, str], None]:
    """Sign a person in on page through the emailed link; leaves the page on the dashboard."""
    from playwright.sync_api import expect

    def go(page: Any, email: str) -> None:
        page.goto("/staff/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        message = mailbox.to(email, "Sign in to Countersign")[-1]
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        link = SIGN_IN_LINK.search(body.get_content())
        assert link, "no sign-in link in the email"
        page.goto(link.group(0))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Countersign")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("What needs your attention")

    return go


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """Save a full-page PNG of page as NAME when COUNTERSIGN_SCREENSHOTS names a folder."""

    def save(page: Any, name: str) -> None:
        if not SCREENSHOTS:
            return
        folder = Path(SCREENSHOTS)
        folder = folder if folder.is_absolute() else ROOT / folder
        folder.mkdir(parents=True, exist_ok=True)
        load_images(page)
        page.screenshot(path=str(folder / name), full_page=True, animations="disabled")

    return save


def load_images(page: Any) -> None:
    """Bring every (lazy) image into view and wait until each has loaded."""
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    # Polled from here: wait_for_function would poll by eval() inside the page, which our CSP forbids.
    deadline = time.monotonic() + 30
    while not page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"):
        assert time.monotonic() < deadline, "an image on the page did not load"
        page.wait_for_timeout(100)
    page.evaluate("window.scrollTo(0, 0)")

"""Every page a person can reach, at 1280 px and at 320 px: no sideways scrolling, no WCAG 2.2 AA
violation that axe-core finds, and a title of its own that says what the page is or what happened.

The walk is the list PAGES below: one Stop per page, in order, each reached in the browser of the
person who would see it. Adding a page is one line: a path (formatted with the scene's ids and
links, e.g. "/staff/documents/{awaiting}") or a function of the Walk that gets there (clicks,
form posts). A Stop that changes something (agreeing, drawing up a batch) comes before the pages
that show its result. axe-core is vendored in tests/browser/vendor/ by scripts/vendor_axe.sh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import select, update

from app.db import utcnow
from app.documents.models import Document, Link, Party
from app.extensions import db
from app.staff.models import User
from app.trusts.models import School, Trust

from .conftest import SIGN_IN_LINK, TRUST
from .test_onboarding import BROKEN, COMPACT_LINES, word_form

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 320, "height": 640}
ASK = "Please read and agree"
SUPERVISOR = ("Alex Morgan", "alex.morgan@example.org")
SECOND = ("Sasha Second", "sasha.second@example.org")
STAFF = ("Pat Staff", "pat.staff@example.org")
SUPERVISEES = {  # one supervisee per contract, so each one's emailed link is theirs alone
    "awaiting": ("Sam Patel", "sam.patel@example.org"),
    "changes": ("Ria Shah", "ria.shah@example.org"),
    "sealed": ("Priya Nair", "priya.nair@example.org"),
    "cancelled": ("Tom Reed", "tom.reed@example.org"),
    "expired": ("Kim Lowe", "kim.lowe@example.org"),
    "revised": ("Lee Grant", "lee.grant@example.org"),
    "audit": ("Noor Ali", "noor.ali@example.org"),
    "staff_party": STAFF,  # a member of staff who is a party reads and agrees from the dashboard
}


@dataclass
class Walk:
    """What a Stop can use to reach its page: the people's browsers, the scene, the app and its mail."""

    app: Any
    runner: Any
    mailbox: Any
    new_page: Callable[..., Any]
    sign_in: Callable[[Any, str], None]
    tmp_path: Path
    scene: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, Any] = field(default_factory=dict)
    page: Any = None

    def browser_of(self, who: str) -> Any:
        """The browser of public, admin (signs in through the walk's own sign-in stops), second or staff."""
        if who not in self.pages:
            self.pages[who] = self.new_page(viewport=WIDE)
            people = {"second": SECOND, "staff": STAFF}
            if who in people:
                self.sign_in(self.pages[who], people[who][1])
        return self.pages[who]

    def click(self, name: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name, exact=True).click()


@dataclass(frozen=True)
class Stop:
    """One page of the walk: its name, whose browser, and how to get there (a path, or steps)."""

    name: str
    who: str
    reach: str | Callable[[Walk], None]
    screenshot: str | None = None  # saved as NAME-1280.png and NAME-320.png in docs/screenshots/
    title: str = ""  # words the title must hold: the outcome the page is there to show


def steps(*actions: Callable[[Walk], None]) -> Callable[[Walk], None]:
    def run(walk: Walk) -> None:
        for action in actions:
            action(walk)

    return run


def go(path: str) -> Callable[[Walk], None]:
    return lambda walk: walk.page.goto(path.format(**walk.scene))


def fill(label: str, text: str) -> Callable[[Walk], None]:
    return lambda walk: walk.page.get_by_label(label, exact=True).fill(text)


def tick(label: str) -> Callable[[Walk], None]:
    return lambda walk: walk.page.get_by_label(label).check()


def choose(label: str, option: str) -> Callable[[Walk], None]:
    return lambda walk: walk.page.get_by_label(label, exact=True).select_option(label=option)


def press(name: str) -> Callable[[Walk], None]:
    return lambda walk: walk.click(name)


def upload(name: str) -> Callable[[Walk], None]:
    return lambda walk: walk.page.get_by_label("PDF file").set_input_files(str(walk.scene[name]))


def upload_form(filename: str, *lines: str) -> Callable[[Walk], None]:
    """Choose a contract form of our own (test_onboarding.py's compact, with any lines added) to upload."""

    def choose_file(walk: Walk) -> None:
        path = walk.tmp_path / filename
        path.write_bytes(word_form([*COMPACT_LINES, *lines]))
        walk.page.get_by_label("Word form (.docx)").set_input_files(str(path))

    return choose_file


def open_sign_in_link(walk: Walk) -> None:
    message = walk.mailbox.to(walk.scene["admin"], "Sign in to Countersign")[-1]
    link = SIGN_IN_LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert link, "no sign-in link in the email"
    walk.scene["sign_in_link"] = link.group(0)
    walk.page.goto(walk.scene["sign_in_link"])


def answer_every_question(walk: Walk) -> None:
    """Answer the audit's questions: the first option of each choice, a number or a sentence."""
    walk.page.evaluate("""() => {
        for (const radio of document.querySelectorAll('input[type=radio]')) {
            if (!document.querySelector(`input[name="${radio.name}"]:checked`)) radio.checked = true;
        }
        for (const input of document.querySelectorAll('input[inputmode=numeric]')) input.value = '6';
        for (const text of document.querySelectorAll('textarea[name^=answer-]')) text.value = 'Every half term.';
    }""")


def drop_form_token(walk: Walk) -> None:
    """Take the CSRF token out of the page's forms, as a form left open past its session would be."""
    walk.page.evaluate("() => document.querySelectorAll('input[name=csrf_token]').forEach(i => i.remove())")


def destroy_batch(walk: Walk) -> None:
    walk.page.goto("/staff/records/batches/1")
    tick("I confirm these")(walk)
    walk.click("Approve and destroy")


PAGES: list[Stop] = [
    Stop("home", "public", "/"),
    Stop("404", "public", "/no-such-page"),
    Stop("check a record", "public", "/verify"),
    Stop("check a record: no file chosen", "public", steps(go("/verify"), press("Check"))),
    Stop("check a record: intact", "public", steps(go("/verify"), upload("sealed_pdf"), press("Check")), "verify-intact",
         "Seal intact — "),
    Stop("check a record: changed", "public", steps(go("/verify"), upload("tampered_pdf"), press("Check")),
         title="Seal broken — "),
    Stop("check a record: not sealed", "public", steps(go("/verify"), upload("plain_pdf"), press("Check")),
         title="Not a sealed record — "),
    # A party's personal links.
    Stop("sign", "public", "{awaiting_link}", "signing", "Read and agree — "),
    Stop("sign: nothing filled in", "public", steps(go("{awaiting_link}"), press("Agree"))),
    Stop("agreed", "public", steps(go("{awaiting_link}"), tick("I have read and agree to this supervision contract"),
                                   fill("Type your full name", SUPERVISEES["awaiting"][0]), press("Agree")), "agreed", "You agreed — "),
    Stop("link already used", "public", "{awaiting_link}"),
    Stop("changes requested", "public", steps(go("{changes_link}"), fill("What needs to change?", "Meet in the library."),
                                              press("Ask for changes")), title="Request for changes sent — "),
    Stop("other party after a change request", "public", "{changes_supervisor_link}"),
    Stop("link expired", "public", "{expired_link}"),
    Stop("link to a cancelled document", "public", "{cancelled_link}"),
    Stop("link to a revised document", "public", "{revised_link}"),
    Stop("sealed record download", "public", "{download_link}"),
    Stop("questionnaire", "public", "{audit_link}"),
    Stop("questionnaire: nothing answered", "public", steps(go("{audit_link}"), press("Send my answers"))),
    Stop("questionnaire answered", "public", steps(go("{audit_link}"), answer_every_question, press("Send my answers")),
         title="Answers sent — "),
    # Staff: the admin signs in through the walk itself.
    Stop("sign in", "admin", "/staff/sign-in", "sign-in"),
    Stop("sign in: no address", "admin", steps(go("/staff/sign-in"), press("Email me a sign-in link"))),
    Stop("sign in: check your email", "admin", steps(go("/staff/sign-in"), fill("Email address", "jo.admin@example.org"),
                                                     press("Email me a sign-in link")), title="Check your email"),
    Stop("sign in: confirm", "admin", open_sign_in_link, title="Finish signing in"),
    Stop("dashboard", "admin", steps(press("Sign in")), "dashboard"),
    Stop("sign-in link used", "admin", "{sign_in_link}"),
    Stop("documents", "admin", "/staff/documents", "documents"),
    Stop("document awaiting agreement", "admin", "/staff/documents/{awaiting}", "document", " — documents"),
    Stop("document with changes requested", "admin", "/staff/documents/{changes}"),
    Stop("document sealed", "admin", "/staff/documents/{sealed}"),
    Stop("resend a link", "admin", "/staff/documents/{awaiting}/resend/{awaiting_supervisor}"),
    Stop("cancel a document", "admin", "/staff/documents/{awaiting}/cancel"),
    Stop("revise", "admin", "/staff/documents/{changes}/revise"),
    Stop("reissue a contract", "admin", "/staff/documents/{sealed}/reissue"),
    Stop("create", "admin", "/staff/create"),
    Stop("new contract", "admin", "/staff/create/contract"),
    Stop("new contract: nothing filled in", "admin", steps(go("/staff/create/contract"), press("Preview"))),
    Stop("preview", "admin", steps(go("/staff/create/contract"), fill("External supervisor's full name", SUPERVISOR[0]),
                                   fill("External supervisor's email address", SUPERVISOR[1]),
                                   choose("Supervisee from your trust's staff", f"{STAFF[0]} ({STAFF[1]})"),
                                   choose("School or setting", "Oakfield Primary School"), press("Preview")), "preview"),
    Stop("reviews", "admin", "/staff/reviews"),
    Stop("reissue progress", "admin", steps(go("/staff/reviews"), press("Reissue all 1 for the new year"))),
    Stop("trust settings", "admin", "/staff/settings", "settings"),
    Stop("forms", "admin", "/staff/forms"),
    Stop("a form: the check's findings", "admin", steps(go("/staff/forms/contract"), upload_form("broken.docx", BROKEN),
                                                        press("Check the form")), title="Error: broken.docx has problems"),
    Stop("a form: its preview", "admin", steps(go("/staff/forms/contract"), upload_form("own.docx"), press("Check the form")),
         title="Check own.docx before you install it"),
    Stop("a form's versions", "admin", steps(press("Install it"))),
    Stop("import a configuration", "admin", "/staff/configuration/import"),
    Stop("trust profile", "admin", "/staff/profile"),
    Stop("trust profile: a bad number", "admin", steps(go("/staff/profile"), fill("Days a personal link works", "0"),
                                                       press("Save the profile")), title="Error: "),
    Stop("a kind's wording", "admin", "/staff/profile/wording/contract"),
    Stop("api keys", "admin", "/staff/api-keys"),
    Stop("webhooks", "admin", "/staff/webhooks"),
    Stop("webhook endpoint", "admin", "/staff/webhooks/{webhook}"),
    Stop("sign-in provider", "admin", "/staff/sso"),
    Stop("staff list", "admin", "/staff/people"),
    Stop("invite a member of staff", "admin", "/staff/people/invite"),
    Stop("a member of staff", "admin", "/staff/people/{staff_user}"),
    Stop("schools", "admin", "/staff/schools"),
    Stop("a school", "admin", "/staff/schools/{school}"),
    Stop("read and agree from the dashboard", "staff", "/staff/documents/{staff_party}/agree", title="Read and agree — "),
    Stop("403", "staff", "/staff/settings"),
    Stop("text refused", "admin", steps(go("/staff/records/holds"), fill("Why the hold is placed", "A claim\x01"),
                                        press("Place hold")), title="Error: "),
    Stop("form expired", "public", steps(go("/verify"), drop_form_token, press("Check")), title="This form has expired"),
    # Records governance: last, because destroying a batch removes the records above.
    Stop("retention", "admin", "/staff/records/"),
    Stop("legal holds", "admin", "/staff/records/holds"),
    Stop("leaving dates", "admin", "/staff/records/staff"),
    Stop("subject access export", "admin", "/staff/records/export"),
    Stop("audit report", "admin", "/staff/records/audit-report"),
    Stop("batch drawn up", "admin", steps(go("/staff/records/"), fill("Passed retention by", "2100-01-01"),
                                          press("Review and draw up a batch")), "batch"),
    Stop("batch: not confirmed", "second", steps(go("/staff/records/batches/1"), press("Approve and destroy"))),
    Stop("batch destroyed", "second", destroy_batch),
    Stop("destruction log", "admin", "/staff/records/log"),
    Stop("document destroyed", "admin", "/staff/documents/{sealed}"),
    Stop("link to a destroyed record", "public", "{download_link}"),
]


def test_every_page_fits_320_px_passes_axe_and_has_a_title_of_its_own(
    app, runner, mailbox, new_page, admin, sign_in, screenshot, wait, tmp_path
):
    walk = Walk(app=app, runner=runner, mailbox=mailbox, new_page=new_page, sign_in=sign_in, tmp_path=tmp_path)
    with ThreadPoolExecutor(1) as pool:  # jobs run inline, and sealing calls asyncio.run: not in Playwright's loop
        walk.scene = pool.submit(build_scene, walk, wait).result()
    walk.scene["admin"] = admin[1]
    problems: list[str] = []
    titles: dict[str, list[str]] = {}
    for stop in PAGES:
        walk.page = walk.browser_of(stop.who)
        walk.page.set_viewport_size(WIDE)
        if isinstance(stop.reach, str):
            walk.page.goto(stop.reach.format(**walk.scene))
        else:
            stop.reach(walk)
        walk.page.wait_for_load_state()
        title = walk.page.title()
        titles.setdefault(title, []).append(stop.name)
        if stop.title not in title:
            problems.append(f"{stop.name}: the title {title!r} does not say {stop.title!r}")
        problems += [f"{stop.name} at 1280 px: {v}" for v in axe_violations(walk.page)]
        if stop.screenshot:
            screenshot(walk.page, f"{stop.screenshot}-1280.png")
        walk.page.set_viewport_size(NARROW)
        width = walk.page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            problems.append(f"{stop.name} at 320 px: scrolls sideways, {width} px wide ({walk.page.url}); "
                            f"widest: {widest(walk.page)}")
        problems += [f"{stop.name} at 320 px: {v}" for v in axe_violations(walk.page)]
        if stop.screenshot:
            screenshot(walk.page, f"{stop.screenshot}-320.png")
    problems += [f"title {title!r} is shared by {', '.join(names)}" for title, names in titles.items() if len(names) > 1]
    assert not problems, f"{len(problems)} problems on {len(PAGES)} pages:\n" + "\n".join(problems)


def test_the_signing_page_can_be_agreed_with_the_keyboard_alone(app, runner, mailbox, page, trusts):
    name, email = SUPERVISEES["awaiting"]
    send_contract(runner, name, email)
    page.goto(mailbox.link(mailbox.to(email, ASK)[0]))
    for _ in range(60):  # Tab from the top: skip link, header, the download link, the document, the box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "confirm":
            break
    else:
        raise AssertionError("Tab never reached the agreement box")
    page.keyboard.press("Space")
    expect(page.get_by_label("I have read and agree to this supervision contract")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Type your full name")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Agree", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have agreed this supervision contract")


def test_the_accessibility_check_finds_what_it_is_for(browser):
    """The walk's axe run is not vacuous: an image without alt text and an unlabelled field are reported."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>'
                         '<img src="data:,"><input type="text"></main></body></html>')
        found = "\n".join(axe_violations(page))
    finally:
        context.close()
    assert "image-alt" in found and "label" in found, found


def axe_violations(page: Any) -> list[str]:
    """Run the vendored axe-core on the page for WCAG 2.2 AA; each violation with where it is, readably."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated through the debugger: the page's CSP allows no injected script
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' '))}));
        }""",
        WCAG_TAGS,
    )
    return [f"[{v['impact']}] {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"][:5]) for v in found]


def widest(page: Any) -> str:
    """Name the elements that stick out past the right edge of the screen, innermost first."""
    return page.evaluate("""() => {
        const edge = document.documentElement.clientWidth;
        const out = [...document.querySelectorAll('main *, header *, footer *')]
            .filter(e => e.getBoundingClientRect().right > edge + 1)
            .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > edge + 1));
        return out.slice(0, 4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
            + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)').join(', ');
    }""")


def send_contract(runner: Any, name: str, email: str, *extra: str) -> int:
    result = runner.invoke(args=[
        "contract", "create", "--trust", TRUST, "--author", "Jo Admin <jo.admin@example.org>",
        "--supervisor", f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>", "--supervisee", f"{name} <{email}>",
        "--set", "school=Oakfield Primary School", *extra,
    ])
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def link_of(mailbox: Any, email: str, document_id: int, subject: str = ASK) -> str:
    """The newest link emailed to email about this document."""
    reference = f"CS-{document_id:06d}"
    messages = [m for m in mailbox.to(email, subject) if reference in m.get_body(("plain",)).get_content()]
    assert messages, f"no {subject!r} email to {email} about {reference}"
    return mailbox.link(messages[-1])


def agree_outside_the_browser(app: Any, url: str, name: str) -> None:
    client = app.test_client()
    path = urlsplit(url).path
    page = client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token, page.text
    answered = client.post(path + "/agree", data={"csrf_token": token.group(1), "confirm": "yes", "full_name": name})
    assert answered.status_code == 303, answered.text


def build_scene(walk: Walk, wait: Any) -> dict[str, Any]:
    """Documents in every state a page shows, made through the commands and links people use."""
    app, runner, mailbox = walk.app, walk.runner, walk.mailbox
    for email, name, role in ((SECOND[1], SECOND[0], "admin"), (STAFF[1], STAFF[0], "staff")):
        made = runner.invoke(args=["users", "create", email, "--name", name, "--role", role, "--trust", TRUST,
                                   "--school", "Oakfield Primary School"])
        assert made.exit_code == 0, made.output
    ids = {kind: send_contract(runner, *person) for kind, person in SUPERVISEES.items() if kind != "audit"}
    scene: dict[str, Any] = dict(ids)
    for kind in ("awaiting", "changes", "cancelled", "expired", "revised"):
        scene[f"{kind}_link"] = link_of(mailbox, SUPERVISEES[kind][1], ids[kind])
    scene["changes_supervisor_link"] = link_of(mailbox, SUPERVISOR[1], ids["changes"])

    # Sealed: both agree; it is due for review in ten days; its PDF, changed and unchanged, to check.
    agree_outside_the_browser(app, link_of(mailbox, SUPERVISOR[1], ids["sealed"]), SUPERVISOR[0])
    agree_outside_the_browser(app, link_of(mailbox, SUPERVISEES["sealed"][1], ids["sealed"]), SUPERVISEES["sealed"][0])
    with app.app_context():
        assert wait(lambda: db.session.get(Document, ids["sealed"]).state == "sealed", timeout=120)
        db.session.expire_all()
        sealed = db.session.get(Document, ids["sealed"])
        sealed.version.fields = {**sealed.version.fields, "review_date": (date.today() + timedelta(days=10)).isoformat()}
        sealed.take_fields(sealed.version)
        supervisor = db.session.scalar(select(Party.id).where(Party.document_id == ids["awaiting"], Party.role == "supervisor"))
        scene["awaiting_supervisor"] = supervisor
        scene["staff_user"] = db.session.scalar(select(User.id).where(User.email == STAFF[1]))
        scene["school"] = db.session.scalar(select(School.id).where(School.name == "Oakfield Primary School"))
        db.session.commit()
    scene["download_link"] = link_of(mailbox, SUPERVISEES["sealed"][1], ids["sealed"], "Sealed:")
    scene["sealed_pdf"] = walk.tmp_path / "sealed.pdf"
    assert runner.invoke(args=["documents", "download", str(ids["sealed"]), str(scene["sealed_pdf"])]).exit_code == 0
    scene["tampered_pdf"] = walk.tmp_path / "changed.pdf"
    scene["tampered_pdf"].write_bytes(scene["sealed_pdf"].read_bytes() + b"\n% added after sealing\n")
    scene["plain_pdf"] = walk.tmp_path / "plain.pdf"
    scene["plain_pdf"].write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

    # Cancelled, revised (the first link then outdated), an expired link, a retention rule that batches.
    assert runner.invoke(args=["documents", "cancel", str(ids["cancelled"]), "--reason", "Made in error"]).exit_code == 0
    revised = runner.invoke(args=["documents", "revise", str(ids["revised"]), "--set", "venue=The library",
                                  "--note", "Venue moved"])
    assert revised.exit_code == 0, revised.output
    with app.app_context():
        party_ids = select(Party.id).where(Party.document_id == ids["expired"])
        db.session.execute(update(Link).where(Link.party_id.in_(party_ids)).values(expires_at=utcnow() - timedelta(seconds=1)))
        trust = db.session.scalar(select(Trust).where(Trust.slug == TRUST))
        trust.profile = {**trust.profile, "retention": {**trust.profile["retention"], "contract": {"after": "sealed", "years": 1}}}
        db.session.commit()

    audit = runner.invoke(args=["questionnaire", "send", "--trust", TRUST, "--supervisor", f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>",
                                "--supervisee", "{} <{}>".format(*SUPERVISEES["audit"]), "--set", "school=Oakfield Primary School"])
    assert audit.exit_code == 0, audit.output
    scene["audit_link"] = mailbox.link(mailbox.to(SUPERVISEES["audit"][1])[-1])
    added = runner.invoke(args=["webhooks", "add", "--trust", TRUST, "https://mis.example.org/countersign/webhook"])
    assert added.exit_code == 0, added.output
    scene["webhook"] = 1
    keyed = runner.invoke(args=["api-keys", "create", "--trust", TRUST, "--name", "MIS sync", "--scope", "read"])
    assert keyed.exit_code == 0, keyed.output
    return scene

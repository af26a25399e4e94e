"""The parties' side: the document as text on the signing page, a link that still reads once answered,
who asked for changes (and why, when shared), and what changed at the next version."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update

from app.documents.models import DocumentVersion
from app.extensions import db
from app.rendering.html import sanitised

from ..frontend.support import check_page
from ..staff.test_read_only_requests import every_row
from .test_contract_spine import create, csrf, events, path_of, pdf_text, state

# A clause of the Heart of Mercia contract (seed 000, appendix A), as the bundled form prints it.
CLAUSE = "Every effort will be made for supervision to take place in an uninterrupted environment"
SAM = "sam@example.org"
ALEX = "alex.morgan@example.org"


def text_of(html: str) -> str:
    """Return the document-as-text part of a page."""
    match = re.search(r'<div class="countersign-text" id="document-text-body">(.*?)</div>\s*<h2', html, re.S)
    assert match, "the page has no text of the document"
    return match.group(1)


def links_of(mailbox: Any, version: int = 1) -> tuple[str, str]:
    """Return Sam's and Alex's links to a version, once both emails have come (a worker may send them in either order)."""
    return (path_of(mailbox.link(mailbox.to(SAM, "Please read", count=version)[-1])),
            path_of(mailbox.link(mailbox.to(ALEX, "Please read", count=version)[-1])))


def agree_at(client: Any, path: str, name: str) -> Any:
    page = client.get(path)
    return client.post(path + "/agree", data={"csrf_token": csrf(page.text), "confirm": "yes", "full_name": name})


def ask_for_changes(client: Any, path: str, reason: str, *, share: bool) -> Any:
    page = client.get(path)
    data = {"csrf_token": csrf(page.text), "reason": reason} | ({"share_reason": "yes"} if share else {})
    return client.post(path + "/changes", data=data)


def test_the_signing_page_reads_the_contract_as_text_from_the_same_render_as_the_pdf(app, runner, client, mailbox,
                                                                                    trusts):
    create(runner)
    sam, _alex = links_of(mailbox)
    page = client.get(sam)
    assert page.status_code == 200
    check_page(page.text)
    assert "<title>Read and agree — " in page.text
    assert "<strong>Version 1</strong> — this is the document you are agreeing" in page.text
    text = text_of(page.text)
    assert CLAUSE in text
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="' in text
    assert not re.search(r"cs[0-9a-f]{12}p[0-9]+e", text), "a signature place marker shows in the text"
    # The PDF offered beside it, the exact layout, is the same version and says the same.
    pdf = client.get(sam + "/document.pdf")
    assert pdf.status_code == 200 and CLAUSE in " ".join(pdf_text(pdf.data).split())
    assert client.get(sam + "/pages/1.png").status_code == 200


def test_a_field_value_cannot_put_script_or_handlers_into_the_text(app, runner, client, mailbox, trusts):
    create(runner, "--set", 'venue=<script>alert(1)</script> Room 4 <img src=x onerror="alert(2)"> <b onclick=x>up</b>')
    sam, _alex = links_of(mailbox)
    page = client.get(sam)
    parsed = check_page(page.text)  # no inline script, no on… attribute anywhere on the page
    text = text_of(page.text)
    assert "<script" not in text and "<img" not in text and "<b " not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Room 4" in text  # shown as what was typed, not run
    assert all(s.get("src") for s in parsed.scripts)


def test_the_sanitiser_keeps_only_the_allowed_tags_and_no_attributes():
    dirty = ('<h1 onclick="x()">Title</h1><p style="color:red" onmouseover="y()">Hi <a href="javascript:z()">there</a>'
             '<script>alert(1)</script><img src=x onerror=alert(2)><iframe src="//evil"></iframe></p>'
             '<table><tr><th colspan="2" onclick="q">H</th></tr><tr><td rowspan="1">c</td></tr></table>')
    clean = sanitised(dirty)
    assert clean == ('<h1>Title</h1><p>Hi there</p>'
                     '<table><tbody><tr><th colspan="2">H</th></tr><tr><td rowspan="1">c</td></tr></tbody></table>')


def test_a_used_link_reopens_read_only_with_when_and_where_the_others_stand(app, runner, client, mailbox, trusts, wait):
    document_id = create(runner)
    sam, alex = links_of(mailbox)
    assert agree_at(client, sam, "Sam O'Brien <Head> & Co").status_code == 303
    before = every_row(app)
    reopened = client.get(sam)
    assert reopened.status_code == 200
    page = check_page(reopened.text)
    assert "<title>Agreed — " in reopened.text
    assert re.search(r"You agreed version 1 on \d{1,2} \w+ 20\d\d at \d\d:\d\d (GMT|BST)", reopened.text)
    assert "Where everyone else stands" in reopened.text
    assert "Alex Morgan (supervisor)" in reopened.text and "not opened" in reopened.text
    assert CLAUSE in text_of(reopened.text)
    assert not [f for f in page.all("form") if f.get("action", "").endswith(("/agree", "/changes"))]
    assert client.get(sam + "/document.pdf").status_code == 200
    assert client.get(sam + "/pages/1.png").status_code == 200
    assert client.head(sam).status_code == 200
    assert every_row(app) == before  # reading it again wrote nothing, not even a rejection

    assert agree_at(client, alex, "Alex Morgan").status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")  # the last agreement seals it (in a worker, or at once)
    sealed = client.get(sam)
    assert sealed.status_code == 200 and "Download the sealed PDF" in sealed.text
    assert re.search(r"Alex Morgan \(supervisor\)</dt>\s*<dd[^>]*>Agreed ", sealed.text)


def test_a_second_agreement_through_the_same_link_is_refused_and_changes_nothing(app, runner, client, mailbox, trusts):
    document_id = create(runner)
    sam, _alex = links_of(mailbox)
    page = client.get(sam)
    assert agree_at(client, sam, "Sam O'Brien <Head> & Co").status_code == 303
    before = every_row(app)
    again = client.post(sam + "/agree", data={"csrf_token": csrf(page.text), "confirm": "yes",
                                              "full_name": "Sam O'Brien <Head> & Co"})
    assert again.status_code == 409 and "already been used" in again.text
    assert f'href="{sam}"' in again.text  # and offers the read-only page instead of a dead end
    after = every_row(app)
    assert after["answer"] == before["answer"] and after["link"] == before["link"]
    assert len(events(app, document_id, "agreed")) == 1


@pytest.mark.parametrize("share", [True, False])
def test_every_party_is_told_who_asked_for_changes_and_why_only_if_shared(app, runner, client, mailbox, trusts, share):
    document_id = create(runner)
    sam, alex = links_of(mailbox)
    reason = "We meet in the library, not the SEM Office."
    assert ask_for_changes(client, sam, reason, share=share).status_code == 303
    assert events(app, document_id, "changes_requested")[-1].details["reason_shared"] is share

    before = every_row(app)
    other = client.get(alex)
    assert other.status_code == 200
    check_page(other.text)
    assert "<title>Changes requested — " in other.text
    assert "Sam O&#39;Brien &lt;Head&gt; &amp; Co (supervisee) asked for changes on" in other.text
    assert (reason in other.text) is share
    assert ("chose not to share their reason" in other.text) is not share
    assert CLAUSE in text_of(other.text)
    assert every_row(app) == before

    own = client.get(sam)
    assert own.status_code == 200 and "You asked for changes on" in own.text and reason in own.text


def test_the_change_request_email_links_the_author_to_the_revise_page(app, runner, client, mailbox, trusts):
    document_id = create(runner)
    sam, _alex = links_of(mailbox)
    assert ask_for_changes(client, sam, "The venue is wrong.", share=False).status_code == 303
    body = mailbox.to(ALEX, "Changes requested")[0].get_body().get_content()
    assert f"http://countersign.test/staff/documents/{document_id}/revise" in body.split()


def _revise(runner: Any, document_id: int, *settings: str) -> None:
    args = ["documents", "revise", str(document_id)]
    for setting in settings:
        args += ["--set", setting]
    result = runner.invoke(args=[*args, "--note", "As asked"])
    assert result.exit_code == 0, result.output


def test_each_later_version_shows_what_changed_since_the_version_that_party_last_saw(app, runner, client, mailbox,
                                                                                     trusts):
    document_id = create(runner)
    sam, alex = links_of(mailbox)
    page = client.get(sam)
    assert client.post(sam + "/viewed", headers={"X-CSRFToken": csrf(page.text)}).status_code == 204
    assert ask_for_changes(client, sam, "We meet in the library.", share=True).status_code == 303
    _revise(runner, document_id, "venue=the school library")
    sam2, alex2 = links_of(mailbox, version=2)

    email = mailbox.to(SAM, "Please read", count=2)[-1].get_body().get_content()
    assert "What changed since version 1:" in email
    assert re.search(r"Venue\s+was: SEM Office or other appropriate venue.*\s+now: the school library", email)
    v2 = client.get(sam2)
    assert "<strong>Version 2</strong> — this is the document you are agreeing" in v2.text
    assert "What changed since version 1" in v2.text and "Why it was revised: As asked" in v2.text
    assert "Now: the school library" in v2.text and "the school library" in text_of(v2.text)

    # Alex opens version 2; Sam does not. Version 3 shows each of them what changed since what they saw.
    alex_page = client.get(alex2)
    assert client.post(alex2 + "/viewed", headers={"X-CSRFToken": csrf(alex_page.text)}).status_code == 204
    _revise(runner, document_id, "session_length=an hour")
    sam3, alex3 = links_of(mailbox, version=3)
    for_sam, for_alex = client.get(sam3).text, client.get(alex3).text
    assert "What changed since version 1" in for_sam and "Now: the school library" in for_sam
    assert "What changed since version 2" in for_alex and "Now: the school library" not in for_alex
    assert "Now: an hour" in for_sam and "Now: an hour" in for_alex
    assert state(app, document_id) == "awaiting_agreement"


def test_the_home_page_links_to_staff_sign_in(client):
    home = client.get("/")
    check_page(home.text)
    assert 'href="/staff/sign-in"' in home.text


def test_a_version_prepared_before_texts_were_kept_is_read_from_its_word_file_without_writing(app, runner, client,
                                                                                              mailbox, trusts):
    create(runner)
    sam, _alex = links_of(mailbox)
    with app.app_context():
        db.session.execute(update(DocumentVersion).values(text_file_id=None))
        db.session.commit()
    before = every_row(app)
    for _ in range(2):  # converted once, then from the process's cache
        page = client.get(sam)
        assert page.status_code == 200 and CLAUSE in text_of(page.text)
    assert every_row(app) == before

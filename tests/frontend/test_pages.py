"""Every page is a GOV.UK page: the vendored assets, no inline script or style, errors done the GOV.UK way."""

from __future__ import annotations

from ..flows.test_contract_spine import agree, create, csrf, path_of, state
from .support import check_errors, check_page


def test_public_pages_use_the_govuk_layout(client):
    home = client.get("/")
    assert home.status_code == 200
    check_page(home.text)
    assert "Countersign" in home.text

    form = client.get("/verify")
    page = check_page(form.text)
    assert {
        "type": "file",
        "id": "pdf",
        "name": "pdf",
        "class": "govuk-file-upload",
        "accept": "application/pdf,.pdf",
    } in page.all("input")

    missing = client.post("/verify", data={"csrf_token": csrf(form.text)})
    assert missing.status_code == 400
    check_errors(missing.text, ["pdf"])
    assert "Choose a PDF file to check" in missing.text

    junk = client.post(
        "/verify",
        data={"csrf_token": csrf(form.text), "pdf": (__import__("io").BytesIO(b"not a pdf"), "x.pdf")},
    )
    page = check_page(junk.text)
    assert "This file has no seal" in junk.text
    assert "Not confirmed" in junk.text  # the verdict is in words, not only a red border
    assert "countersign-verdict--bad" in page.classes("section")

    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404
    check_page(not_found.text)
    assert "Page not found" in not_found.text

    expired = client.post("/verify", data={})
    assert expired.status_code == 400 and "This form has expired" in expired.text
    check_page(expired.text)


def test_signing_pages_from_the_link_to_the_download(app, runner, client, mailbox, trusts, wait):
    document_id = create(runner)
    sam = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    alex = mailbox.link(mailbox.to("alex.morgan@example.org", "Please read")[0])

    sign = client.get(path_of(sam))
    page = check_page(sign.text)
    assert {"src": "/static/sign.js"} in page.scripts
    assert "countersign-pages" in page.classes("div") and "document" in page.ids
    assert {
        "class": "govuk-checkboxes__input",
        "id": "confirm",
        "name": "confirm",
        "type": "checkbox",
        "value": "yes",
    } in page.all("input")
    full_name = next(a for a in page.all("input") if a.get("name") == "full_name")
    assert full_name["aria-describedby"] == "full_name-hint" and full_name["autocomplete"] == "name"

    wrong = client.post(
        path_of(sam) + "/agree", data={"csrf_token": csrf(sign.text), "full_name": "Someone Else"}
    )
    assert wrong.status_code == 400
    page = check_errors(wrong.text, ["confirm", "full_name"])
    assert "Tick the box" in wrong.text
    assert next(a for a in page.all("input") if a.get("name") == "full_name")["value"] == "Someone Else"

    no_reason = client.post(path_of(sam) + "/changes", data={"csrf_token": csrf(sign.text), "reason": " "})
    assert no_reason.status_code == 400
    check_errors(no_reason.text, ["reason"])

    done = agree(client, sam, "Sam O'Brien <Head> & Co")
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"])
    check_page(thanks.text)
    assert "You have agreed this supervision contract" in thanks.text and "govuk-panel" in thanks.text

    reopened = client.get(path_of(sam))  # the link now opens what was agreed, read-only
    assert reopened.status_code == 200
    page = check_page(reopened.text)
    assert "<title>Agreed — " in reopened.text and "You agreed version 1" in reopened.text
    assert not [f for f in page.all("form") if f.get("action", "").endswith("/agree")]

    assert agree(client, alex, "Alex Morgan").status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    download = client.get(path_of(mailbox.link(mailbox.to("sam@example.org", "Sealed:")[0])))
    assert download.status_code == 200
    check_page(download.text)
    assert "Download the sealed PDF" in download.text


def test_asking_for_changes_pages(app, runner, client, mailbox, trusts):
    create(runner)
    sam = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    alex = mailbox.link(mailbox.to("alex.morgan@example.org", "Please read")[0])
    sign = client.get(path_of(sam))
    asked = client.post(
        path_of(sam) + "/changes", data={"csrf_token": csrf(sign.text), "reason": "The venue is wrong."}
    )
    assert asked.status_code == 303
    sent = client.get(asked.headers["Location"])
    check_page(sent.text)
    assert "Your request for changes has been sent" in sent.text

    waiting = client.get(path_of(alex))  # the other party reads who asked, not a dead end
    assert waiting.status_code == 200
    check_page(waiting.text)
    assert "<title>Changes requested — " in waiting.text and "Sam O&#39;Brien" in waiting.text


def test_audit_answer_pages(app, runner, client, mailbox, trusts):
    result = runner.invoke(
        args=["questionnaire", "send", "--trust", "heart-of-mercia", "--supervisee", "Sam Patel <sam@example.org>"]
    )
    assert result.exit_code == 0, result.output
    url = mailbox.link(mailbox.to("sam@example.org", "Please answer")[0])
    form = client.get(path_of(url))
    page = check_page(form.text)
    assert {"src": "/static/sign.js"} in page.scripts
    names = {a.get("name") for a in page.all("input") + page.all("textarea")}
    assert {"answer-1", "respondent_name"} <= names

    incomplete = client.post(path_of(url), data={"csrf_token": csrf(form.text)})
    assert incomplete.status_code == 400
    questions = [n for n in sorted(names) if n and n.startswith("answer-")]
    check_errors(incomplete.text, questions)

    answers = {"csrf_token": csrf(form.text)}
    for attributes in page.all("input") + page.all("textarea"):
        name = attributes.get("name", "")
        if name.startswith("answer-"):
            answers[name] = (
                "Yes"
                if attributes.get("type") == "radio"
                else ("6" if attributes.get("inputmode") == "numeric" else "An answer")
            )
    answered = client.post(path_of(url), data=answers)
    assert answered.status_code == 200, answered.text
    check_page(answered.text)
    assert "Your answers have been sent" in answered.text

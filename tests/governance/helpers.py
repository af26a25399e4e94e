"""Making real sealed records and answered audits for the governance tests."""

from __future__ import annotations

from typing import Any

from ..flows.test_contract_spine import agree, csrf, path_of, state

SUPERVISOR = ("Alex Morgan", "alex.morgan@example.org")
TRUST = "heart-of-mercia"


def sealed_contract(app: Any, runner: Any, mailbox: Any, wait: Any, supervisee: tuple[str, str],
                    school: str = "Oakfield Primary School") -> int:
    """Create a contract, have both parties agree it through their emailed links, and wait for the seal."""
    result = runner.invoke(args=["contract", "create", "--trust", TRUST, "--supervisor", f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>",
                                 "--supervisee", f"{supervisee[0]} <{supervisee[1]}>", "--set", f"school={school}"])
    assert result.exit_code == 0, result.output
    document_id = int(result.output.strip().splitlines()[-1])
    for name, email in (SUPERVISOR, supervisee):
        message = [m for m in mailbox.to(email, "Please read and agree", count=1) if f"CS-{document_id:06d}" in str(m)][-1]
        client = app.test_client()
        assert agree(client, mailbox.link(message), name).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed", timeout=120)
    return document_id


def send_audit(runner: Any, supervisee: tuple[str, str], school: str) -> int:
    result = runner.invoke(args=["questionnaire", "send", "--trust", TRUST, "--supervisor", f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>",
                                 "--supervisee", f"{supervisee[0]} <{supervisee[1]}>", "--set", f"school={school}"])
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def answer_audit(app: Any, mailbox: Any, email: str, answers: list[tuple[str, str]], name: str) -> None:
    """Answer the audit through the emailed link, as the supervisee does."""
    url = mailbox.link(mailbox.to(email, "", count=1)[-1])
    client = app.test_client()
    page = client.get(path_of(url))
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf(page.text), "respondent_name": name}
    for number, (answer, comments) in enumerate(answers, start=1):
        data[f"answer-{number}"], data[f"comments-{number}"] = answer, comments
    response = client.post(path_of(url), data=data)
    assert response.status_code == 200, response.text


def users(runner: Any, *people: tuple[str, str, str, str | None]) -> None:
    for email, name, role, school in people:
        args = ["users", "create", email, "--name", name, "--role", role, "--trust", TRUST]
        result = runner.invoke(args=args + (["--school", school] if school else []))
        assert result.exit_code == 0, result.output

"""Pages hold load: each sends a fixed number of SQL statements, however many documents there are."""

from __future__ import annotations

import pytest

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import SUPERVISEE, SUPERVISOR, agree, create, path_of
from .statements import counted

pytestmark = pytest.mark.skipif(bool(BROKER), reason="documents are prepared in-process here")


def test_the_signing_page_takes_at_most_two_statements(app, runner, client, mailbox, trusts):
    create(runner)
    path = path_of(mailbox.link(mailbox.to("sam@example.org", "Please read")[0]))
    app.config["SIGNING_PAGE_CACHE_SIZE"] = 0  # count the page rendered, not its kept copy (one statement)
    client.get(path)  # page images and counts are cached on first view; count a later one
    with counted(app) as sent:
        page = client.get(path)
    assert page.status_code == 200
    assert len(sent) <= 2, "\n\n".join(sent)


PAGES = ("/staff/", "/staff/documents", "/staff/reviews", "/staff/reviews/progress")


def _statements(app, client, seeded: int) -> dict[str, int]:
    from .seed import seed

    seed(app, seeded)
    counts = {}
    for page in PAGES:
        client.get(page)
        with counted(app) as sent:
            response = client.get(page)
        assert response.status_code == 200, page
        counts[page] = len(sent)
    return counts


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_staff_pages_take_the_same_statements_at_10_and_200_documents(app, runner, client, mailbox, trusts, role):
    from ..staff.test_access import PEOPLE, sign_in

    email, name, kind, trust, school = PEOPLE[role]
    runner.invoke(args=["users", "create", email, "--name", name, "--role", kind, "--trust", trust,
                        *(["--school", school] if school else [])])
    sign_in(client, mailbox, email)
    app.config["DASHBOARD_CACHE_SECONDS"] = 0  # count the lists' own statements, not a kept copy
    small = _statements(app, client, 10)  # 10 pairs: 40 documents
    client.post("/staff/reviews/reissue-all")  # refused without CSRF: the progress page stays empty either way
    large = _statements(app, client, 190)  # 200 pairs: 800 documents
    assert small == large, (small, large)
    assert all(n <= 16 for n in large.values()), large  # a count beside each capped list on the dashboard


def test_the_dashboard_shows_the_first_of_each_list_and_says_how_many_there_are(app, runner, client, mailbox, trusts):
    from app.staff.dashboard import SHOWN

    from ..staff.test_access import PEOPLE, sign_in
    from .seed import seed

    email, name, kind, trust, school = PEOPLE["admin"]
    runner.invoke(args=["users", "create", email, "--name", name, "--role", kind, "--trust", trust])
    sign_in(client, mailbox, email)
    seed(app, SHOWN + 5)
    page = client.get("/staff/").text
    assert f"Showing {SHOWN} of {(SHOWN + 5) * 2}." in page  # both parties of each waiting contract
    assert f"Showing {SHOWN} of {SHOWN + 5}." in page  # changes requested, due for review
    assert page.count('href="/staff/documents/') < 6 * SHOWN + 10


def test_a_kept_dashboard_costs_two_statements_and_anything_recorded_renews_it(app, runner, client, mailbox, trusts):
    """Each process keeps a person's rendered lists until the audit log moves on: a repeat load
    reads who is signed in and the newest event's number, nothing else; an agreement (recorded)
    shows at once, and so does anything else recorded, whoever recorded it."""
    from ..staff.test_access import PEOPLE, sign_in

    email, name, kind, trust, _school = PEOPLE["admin"]
    runner.invoke(args=["users", "create", email, "--name", name, "--role", kind, "--trust", trust])
    sign_in(client, mailbox, email)
    create(runner)
    assert "Sent and not yet agreed" in client.get("/staff/").text
    with counted(app) as sent:
        kept = client.get("/staff/")
    assert kept.status_code == 200 and "Sent and not yet agreed" in kept.text
    assert len(sent) <= 2, "\n\n".join(sent)

    for address, person in (("sam@example.org", SUPERVISEE), ("alex.morgan@example.org", SUPERVISOR)):
        url = mailbox.link(mailbox.to(address, "Please read")[0])  # both agree through their links
        assert agree(app.test_client(), url, person.rsplit(" <", 1)[0]).status_code == 303
    after = client.get("/staff/").text
    assert "Sent and not yet agreed" not in after
    assert "Nothing needs your attention." in after

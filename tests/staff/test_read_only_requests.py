"""GET and HEAD never change anything: not with a form body, not without a CSRF token, not past a rate limit."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import event, select, text

from app.audit import EventType, audit_only_write, record
from app.db import WriteDuringRead, transaction
from app.extensions import db
from app.staff.models import User
from app.trusts.models import Trust

from ..flows.conftest_helpers import BROKER, settle
from ..flows.test_contract_spine import csrf
from .test_access import sign_in

LEAD = "lead@oakfield.example.org"


def every_row(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every table once no job is running, to compare before and after.

    With a worker, an email still being delivered would change its outbound_email row and add an
    audit event between two snapshots; waiting for it first keeps the comparison exact.
    """
    if BROKER:
        settle(app)
    with app.app_context():
        rows = {t.name: sorted(map(tuple, db.session.execute(select(t))), key=repr) for t in db.metadata.sorted_tables}
        db.session.rollback()
        return rows


@pytest.fixture
def lead(app, runner, trusts, client, mailbox):
    runner.invoke(args=["users", "create", LEAD, "--name", "Lee Lead", "--role", "lead",
                        "--trust", "heart-of-mercia", "--school", "Oakfield Primary School"])
    sign_in(client, mailbox, LEAD)


@pytest.fixture
def changes_requested(app, runner, client, mailbox, lead) -> int:
    """A contract whose supervisee asked for changes, so it can be revised."""
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia", "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Patel <sam@example.org>", "--set", "school=Oakfield Primary School"])
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0]).split("countersign.test", 1)[1]
    signer = app.test_client()
    signer.post(url + "/changes", data={"csrf_token": csrf(signer.get(url).text), "reason": "We meet in the library."})
    return int(created.output.split()[-1])


def test_no_view_both_reads_and_writes(app):
    """Every route is either a read (GET, and so HEAD) or a write (POST): never one function for both."""
    both = [rule.rule for rule in app.url_map.iter_rules() if {"GET", "POST"} <= (rule.methods or set())]
    assert both == []


def test_head_with_a_form_body_and_no_csrf_token_changes_nothing(app, client, mailbox, changes_requested):
    document_id = changes_requested
    form = {"action": "send", "supervisor": "Alex Morgan <alex@example.org>", "supervisees": "Sam Patel <sam@example.org>",
            "school": "Oakfield Primary School", "note": "Revised by HEAD", "term-venue": "The hall",
            "email": LEAD}
    before, sent = every_row(app), len(mailbox.messages)
    for path in ("/staff/sign-in", "/staff/create/contract", f"/staff/documents/{document_id}/revise"):
        response = client.head(path, data=form)
        assert response.status_code == 200, path
    upload = client.head("/verify", data={"pdf": (BytesIO(b"%PDF-1.7 not really"), "r.pdf")})
    assert upload.status_code == 200
    assert every_row(app) == before
    assert len(mailbox.messages) == sent
    # The same body POSTed without a token is refused (CSRF) and changes nothing either.
    assert client.post("/staff/create/contract", data=form).status_code == 400
    assert every_row(app) == before


def test_head_past_the_sign_in_rate_limit_sends_nothing(app, runner, trusts, mailbox):
    runner.invoke(args=["users", "create", LEAD, "--name", "Lee Lead", "--role", "lead",
                        "--trust", "heart-of-mercia", "--school", "Oakfield Primary School"])
    visitor = app.test_client()
    for _ in range(10):  # HEAD is a read: it is neither counted nor acted on
        assert visitor.head("/staff/sign-in", data={"email": LEAD}).status_code == 200
    token = csrf(visitor.get("/staff/sign-in").text)
    statuses = [visitor.post("/staff/sign-in", data={"csrf_token": token, "email": "x@example.org"}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    before = every_row(app)
    for _ in range(3):
        assert visitor.head("/staff/sign-in", data={"csrf_token": token, "email": LEAD}).status_code == 200
    assert every_row(app) == before
    assert mailbox.messages == []


def test_a_get_that_writes_fails_loudly(app, trusts):
    @app.get("/test-only/writes")
    def writes() -> str:
        user = db.session.scalar(select(User))
        db.session.add(User(email="new@example.org", name="New", role="staff", trust_id=1) if user is None else user)
        db.session.commit()
        return "written"

    @app.get("/test-only/audits")
    def audits() -> str:
        with audit_only_write():
            record(EventType.LINK_REJECTED, details={"reason": "test"})
            db.session.commit()
        return "audited"

    @app.get("/test-only/audits-and-writes")
    def audits_and_writes() -> str:
        with audit_only_write():
            record(EventType.LINK_REJECTED, details={"reason": "test"})
            db.session.add(User(email="sneaky@example.org", name="Sneaky", role="admin", trust_id=1))
            db.session.commit()
        return "both"

    client = app.test_client()
    before = every_row(app)
    for path in ("/test-only/writes", "/test-only/audits-and-writes"):
        with pytest.raises(WriteDuringRead):
            client.get(path)
        with pytest.raises(WriteDuringRead):
            client.head(path)
        assert every_row(app) == before
    assert client.get("/test-only/audits").text == "audited"  # a refused link's audit row is allowed
    after = every_row(app)
    assert len(after["audit_event"]) == len(before["audit_event"]) + 1
    assert {k: v for k, v in after.items() if not k.startswith("audit_")} == \
        {k: v for k, v in before.items() if not k.startswith("audit_")}


def test_a_read_ends_with_commit_so_its_statements_stay_prepared(app, trusts):
    """A GET's transaction ends with COMMIT (psycopg forgets prepared statements on ROLLBACK; on PostgreSQL
    the reads run in autocommit, so it sends nothing); one that changed an object in memory, or failed,
    still rolls back and changes nothing."""
    @app.get("/test-only/reads")
    def reads() -> str:
        return db.session.scalar(select(User.email).where(User.email == "nobody@example.org").limit(1)) or "none"

    @app.get("/test-only/changes-in-memory")
    def changes_in_memory() -> str:
        trust = db.session.scalar(select(Trust))
        assert trust is not None
        trust.name = "Changed but never saved"
        return "changed"

    ends: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda _conn: ends.append("commit"))
    event.listen(engine, "rollback", lambda _conn: ends.append("rollback"))
    client = app.test_client()
    before = every_row(app)
    ends.clear()
    for _ in range(6):
        assert client.get("/test-only/reads").text == "none"
    assert ends == ["commit"] * 6
    if engine.dialect.name == "postgresql":  # the same pooled connection now holds the statement prepared
        with app.app_context():
            prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
            db.session.rollback()
        assert any("staff_user.email" in statement for statement in prepared), prepared
    ends.clear()
    assert client.get("/test-only/changes-in-memory").text == "changed"
    assert ends == ["rollback"]
    assert every_row(app) == before


def test_a_read_on_postgresql_sends_no_begin_each_statement_sees_its_own_snapshot(app, trusts):
    """On PostgreSQL a GET's statements run in autocommit: no BEGIN or COMMIT round trips, and under
    READ COMMITTED each statement sees the data as it is when it runs, as it would inside a transaction."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps its BEGIN IMMEDIATE transactions")

    @app.get("/test-only/two-statements")
    def two_statements() -> str:
        first = db.session.scalar(text("SELECT transaction_timestamp()"))
        second = db.session.scalar(text("SELECT transaction_timestamp() FROM pg_sleep(0.01)"))
        return "one transaction" if first == second else "one transaction each"

    sent: list[str] = []
    with app.app_context():
        connection = db.session.connection().connection.dbapi_connection
        db.session.rollback()
    # Pooled, the request's connection is this one: count what psycopg itself sends besides statements.
    original = type(connection)._exec_command

    def exec_command(self, command, *args, **kwargs):
        sent.append(bytes(command).decode())
        return original(self, command, *args, **kwargs)

    type(connection)._exec_command = exec_command
    try:
        assert app.test_client().get("/test-only/two-statements").text == "one transaction each"
    finally:
        type(connection)._exec_command = original
    assert sent == []


def test_what_a_read_may_write_is_still_one_transaction(app, trusts):
    """The audit rows a GET may write (a refused link's) are written in one transaction after what it read:
    a failure half-way leaves nothing behind, and the head of the chain is locked until it commits."""
    @app.get("/test-only/audit-then-fail")
    def audit_then_fail() -> str:
        assert db.session.scalar(select(Trust.name).limit(1)) is not None  # a read first, then the write
        with audit_only_write(), transaction():
            record(EventType.LINK_REJECTED, details={"reason": "test"})
            if db.engine.dialect.name == "postgresql":
                started = db.session.scalar(text("SELECT transaction_timestamp() FROM pg_sleep(0.01)"))
                assert started == db.session.scalar(text("SELECT transaction_timestamp()"))
            raise RuntimeError("half-way")

    @app.get("/test-only/audit")
    def audit() -> str:
        assert db.session.scalar(select(Trust.name).limit(1)) is not None
        with audit_only_write(), transaction():
            record(EventType.LINK_REJECTED, details={"reason": "test"})
        return db.session.scalar(select(Trust.name).limit(1)) or ""  # and reads again afterwards

    client = app.test_client()
    before = every_row(app)
    with pytest.raises(RuntimeError, match="half-way"):
        client.get("/test-only/audit-then-fail")
    assert every_row(app) == before
    assert client.get("/test-only/audit").status_code == 200
    assert len(every_row(app)["audit_event"]) == len(before["audit_event"]) + 1

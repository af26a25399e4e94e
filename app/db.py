"""Transactions owned by operations, work deferred until after commit, and column types."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, got_request_exception, has_request_context, request
from sqlalchemy import DateTime, Executable, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.types import TypeDecorator

from .extensions import db

log = logging.getLogger(__name__)

_AFTER_COMMIT = "countersign.after_commit"
_AUTOCOMMIT_READ = "countersign.autocommit_read"  # on a connection's info: its current transaction is a read in autocommit
_LAST_USED = "countersign.last_used"  # on a pooled connection's record: when it was made or last given back
_DISCONNECTED = "countersign.disconnected"  # in a GET's WSGI environ: its connection turned out dead
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The statements that change something, and the table each names (quoted or not, any schema).
_WRITE = re.compile(
    r"""^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|REPLACE\s+INTO|MERGE\s+INTO|UPSERT|"""
    r"""CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE)\b\s*(?:TABLE\s+)?(?:ONLY\s+)?(?:["`]?\w+["`]?\.)?["`]?(\w*)""",
    re.IGNORECASE,
)
_WRITING_CTE = re.compile(r"^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
_writable_during_read: ContextVar[frozenset[str]] = ContextVar("countersign_writable_during_read", default=frozenset())


class WriteDuringRead(RuntimeError):
    """A GET or HEAD request tried to change the database: those requests only ever read."""


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, return aware UTC, on every database (SQLite drops offsets)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def after_commit(action: Callable[[], None]) -> None:
    """Run action once the current transaction has committed (never if it rolls back)."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(action)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the work done inside, then run what was deferred with after_commit."""
    session = db.session
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(_AFTER_COMMIT, None)
        raise
    for action in session.info.pop(_AFTER_COMMIT, []):
        action()


@contextmanager
def snapshot() -> Iterator[None]:
    """Read inside one consistent view of the database, then end the transaction without writing.

    Under PostgreSQL's READ COMMITTED each statement sees whatever committed before it, so a check
    that reads in several statements (rows, then the head that names the last of them) could see
    an append land between two of them and report a break that is not there. REPEATABLE READ gives
    the whole block one snapshot. SQLite's transactions (BEGIN IMMEDIATE here) are one already.
    """
    session = db.session()
    if session.in_transaction():
        raise RuntimeError("snapshot() must begin its own transaction")
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        yield
    finally:
        session.rollback()


@contextmanager
def writes_during_read(*tables: str) -> Iterator[None]:
    """Let a GET or HEAD request write these tables (and only these) inside the block, in a real transaction."""
    _end_autocommit_read()
    token = _writable_during_read.set(_writable_during_read.get() | {t.lower() for t in tables})
    try:
        yield
    finally:
        _writable_during_read.reset(token)


@contextmanager
def renewing(statement: Callable[[], Executable], every: float) -> Iterator[None]:
    """Run statement() in its own short transaction every `every` seconds while the block runs.

    A job holds a short claim and extends it here while it works, so a worker killed mid-job
    lets its claim lapse within seconds. The thread never touches the scoped session (it
    belongs to the job's thread): it borrows its own engine connection for each renewal.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def heartbeat() -> None:
        with app.app_context():
            while not stop.wait(every):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(statement())
                except Exception:  # a database hiccup: the claim may lapse, the next beat tries again
                    log.exception("could not renew a claim")

    thread = threading.Thread(target=heartbeat, name="claim-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def init_app(app: Flask) -> None:
    """Refuse writes during GET and HEAD requests; end their reads with COMMIT; read in autocommit on PostgreSQL;
    make SQLite serialise writers."""
    app.teardown_request(_end_read)
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        _refuse_writes_during_reads(engine)
        if engine.dialect.name == "sqlite":
            _sqlite_immediate(engine)
        elif engine.dialect.name == "postgresql":
            _postgresql_reads_in_autocommit(engine)
            _ping_after_idle(engine, float(app.config["DATABASE_PING_IDLE_SECONDS"]))
    _read_again_after_disconnect(app)


def _reading() -> bool:
    """Return whether this is a GET or HEAD request outside a writes_during_read block: it may only read."""
    return has_request_context() and request.method in READ_METHODS and not _writable_during_read.get()


def _end_read(exc: BaseException | None) -> None:
    """End a GET or HEAD request's open transaction with COMMIT rather than the session's ROLLBACK.

    Nothing is written during these requests (see _refuse_writes_during_reads), so the two mean
    the same, but psycopg forgets every prepared statement on ROLLBACK: committing lets a page's
    statements stay prepared on their pooled connection, so PostgreSQL stops planning them on every
    request (1 ms of planning for the signing page's one statement, 0.2 ms to run it). A request
    that failed, or left changed objects in the session, rolls back as before. (On PostgreSQL a read
    runs in autocommit, see _postgresql_reads_in_autocommit: this COMMIT then sends nothing.)
    """
    if exc is not None or not has_request_context() or request.method not in READ_METHODS:
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    try:
        session.commit()
    except Exception:  # the connection went away, say: the session's close still rolls back
        log.warning("could not end a read-only transaction", exc_info=True)


def _end_autocommit_read() -> None:
    """End a read running in autocommit, so that the writes that follow begin one real transaction."""
    if not has_request_context() or _writable_during_read.get():
        return  # no read in autocommit here, or already inside a block: its transaction must go on
    session = db.session()
    if session.in_transaction() and session.connection().info.get(_AUTOCOMMIT_READ):
        session.commit()  # nothing is written in autocommit (see _check): this sends nothing


def _postgresql_reads_in_autocommit(engine: Engine) -> None:
    # A GET or HEAD only reads. Under READ COMMITTED each statement of a transaction takes its own
    # snapshot anyway, so the same statements in autocommit see the same data, without the BEGIN and
    # COMMIT round trips (two of a signing page's four). Every transaction decides as it begins:
    # the writes a read may make (writes_during_read) and everything else begin a real transaction.
    # Prepared statements survive: psycopg drops them only on a ROLLBACK it sends.
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        reading = _reading() and conn.dialect.default_isolation_level == "READ COMMITTED"
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection.autocommit != reading:
            dbapi_connection.autocommit = reading
        conn.info[_AUTOCOMMIT_READ] = reading


def _ping_after_idle(engine: Engine, idle: float) -> None:
    """Check a pooled connection as it is taken if it sat unused for longer than idle seconds; replace it if dead.

    SQLAlchemy's pool_pre_ping checks every time, which under load is a round trip per request on a
    connection given back a moment before (about a fifth of the signing page's cost through gunicorn).
    A connection that dies while idle (PostgreSQL restarted, an idle timeout, a proxy) is still
    caught and replaced before a request uses it. Raising DisconnectionError in the pool's checkout
    event makes the pool discard the connection and take or make another (the pool's own retry).
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) <= idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection: take another
            raise DisconnectionError("the pooled connection did not answer") from exc


def _read_again_after_disconnect(app: Flask) -> None:
    """Run a GET or HEAD once more, on a fresh connection, when the connection it was given turned out dead.

    A connection used within the idle allowance is not checked first (see _ping_after_idle): if
    PostgreSQL restarted meanwhile, the first statement fails and SQLAlchemy discards every
    connection of the pool. A read changed nothing, so it is simply run again; a POST answers with
    the error page (nothing was changed) and is not repeated.
    """

    def noted(_sender: Any, exception: BaseException, **_extra: Any) -> None:
        if isinstance(exception, DBAPIError) and exception.connection_invalidated and request.method in READ_METHODS:
            request.environ[_DISCONNECTED] = True

    got_request_exception.connect(noted, app, weak=False)
    inner = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in READ_METHODS:
            return inner(environ, start_response)
        held: list[tuple[Any, ...]] = []

        def hold(*args: Any) -> Callable[[bytes], None]:
            held.append(args)
            return _unwritable

        try:
            body = inner(environ, hold)
        except DBAPIError:  # raised on, rather than answered, when exceptions propagate (testing)
            if not environ.pop(_DISCONNECTED, False):
                raise
        else:
            if not environ.pop(_DISCONNECTED, False):
                start_response(*held[-1])
                return body
            getattr(body, "close", lambda: None)()
        log.warning("a read's database connection had died; read again on a new connection")
        return inner(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]


def _unwritable(_data: bytes) -> None:
    raise RuntimeError("the response is written by returning it, not by write()")


def _refuse_writes_during_reads(engine: Engine) -> None:
    # Checked on the SQL itself, so ORM flushes, bulk updates and raw SQL are all caught, in
    # production too: a GET that wrote would be a bug (mail filters open every link they see).
    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if not has_request_context() or request.method not in READ_METHODS:
            return
        match = _WRITE.match(statement)
        if match is None and not _WRITING_CTE.match(statement):
            return
        table = match.group(1).lower() if match else ""
        if table and table in _writable_during_read.get():
            return
        # Named by endpoint, never by path: a path may carry a personal link's token.
        raise WriteDuringRead(f"{request.method} {request.endpoint} tried to write ({statement.split(None, 1)[0]} {table})")


def _sqlite_immediate(engine: Engine) -> None:
    # pysqlite's own BEGIN is deferred: two transactions may read, then one fails to
    # upgrade its lock. BEGIN IMMEDIATE takes the write lock up front and waits for it.
    # https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

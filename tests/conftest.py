"""Fixtures: a fresh database per test, a real SMTP server, a real timestamp authority, and —
when COUNTERSIGN_CELERY_BROKER_URL is set — a real Celery worker on that broker."""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

from .flows.conftest_helpers import TimestampServer, eventually, settle, start_celery, wait_until_ready
from .oidc.provider_process import OpenIDProvider
from .pki import LocalPki, serving

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")
DATABASE = os.environ.get("COUNTERSIGN_DATABASE_URL")


# --- SMTP ----------------------------------------------------------------------------------------


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(message)  # type: ignore[arg-type]
            self._cond.notify_all()
        return "250 OK"

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def wait_for(self, predicate: Callable[[list[EmailMessage]], bool], timeout: float = 90) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.messages):
                left = deadline - time.monotonic()
                if left <= 0:
                    subjects = [(m["To"], m["Subject"]) for m in self.messages]
                    raise AssertionError(f"expected mail did not arrive; got {subjects}")
                self._cond.wait(left)
            return list(self.messages)

    def to(self, address: str, subject_contains: str = "", count: int = 1, timeout: float = 90) -> list[EmailMessage]:
        """Wait until count messages to address (with subject text) have arrived; return them."""

        def matching(messages: list[EmailMessage]) -> list[EmailMessage]:
            return [m for m in messages if address in str(m["To"]) and subject_contains in str(m["Subject"])]

        self.wait_for(lambda ms: len(matching(ms)) >= count, timeout)
        return matching(self.messages)

    def link_to(self, address: str, subject_contains: str = "Sign in", count: int = 1) -> str:
        """Wait for the count-th message to address with that subject and return its link."""
        message = self.to(address, subject_contains, count=count)[count - 1]
        return self.link(message)

    @staticmethod
    def link(message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        match = re.search(r"https?://\S+/(?:s|d|a|staff/sign-in)/\S+", body.get_content())
        assert match, "no personal link in the message"
        return match.group(0)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check it is up
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Mailbox:
    smtp_server[1].clear()
    return smtp_server[1]


# --- timestamp authority ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tsa_credentials() -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    """A throwaway timestamp authority certificate (extendedKeyUsage timeStamping, critical).

    RSA, because pyHanko's DummyTimeStamper signs with RSA only.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Timestamp Authority")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(der_key),
    )


@pytest.fixture
def timestamper(tsa_credentials: tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]) -> DummyTimeStamper:
    """An RFC 3161 timestamp authority running in-process."""
    cert, key = tsa_credentials
    return DummyTimeStamper(tsa_cert=cert, tsa_key=key)


@pytest.fixture(scope="session")
def http_tsa_url(tsa_credentials: tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]) -> Iterator[str]:
    """Serve RFC 3161 over HTTP with pyHanko's DummyTimeStamper, as a real authority would."""
    server = TimestampServer(DummyTimeStamper(tsa_cert=tsa_credentials[0], tsa_key=tsa_credentials[1]))
    with server.running():
        yield server.url


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPki]:
    """Serve certomancer's OCSP responder, CRLs and TSAs on 127.0.0.1 from the first test that asks, for the session."""
    with serving(tmp_path_factory.mktemp("pki")) as local:
        yield local
# --- OpenID provider -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIDProvider]:
    """A real OpenID provider (node oidc-provider) on 127.0.0.1, started once for the session."""
    with OpenIDProvider(tmp_path_factory.mktemp("oidc")).running() as provider:
        yield provider


# --- application ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Controller, Mailbox], http_tsa_url: str,
             tsa_credentials: tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]) -> dict[str, Any]:
    """Settings shared by the test app and, when distributed, the worker process."""
    roots = tmp_path_factory.mktemp("tsa") / "tsa-root.der"
    roots.write_bytes(tsa_credentials[0].dump())  # the test authority is its own root
    return {
        "OUTPUT_DIR": str(tmp_path_factory.mktemp("output")),
        "TSA_TRUST_ROOTS": [str(roots)],
        "SECRET_KEY": "test-secret-key-0123456789",
        "ENCRYPTION_KEY": "test-encryption-key-0123456789",
        "BASE_URL": "http://countersign.test",
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server[0].port,
        "MAIL_RETRY_BASE_SECONDS": 1,
        "TSA_URLS": [http_tsa_url],
        "CONVERSION_POOL_SIZE": 1,
        # Jobs finish before the request or command that queued them returns, so a test can look
        # at their outcome at once; tests of the job pool itself turn this off.
        "JOBS_INLINE": True,
        "JOBS_SCHEDULE": False,  # a test that serves jobs after the response keeps no schedule unless it asks
        "OIDC_ALLOW_HTTP_ISSUERS": True,  # the test provider serves http on 127.0.0.1
    }


@pytest.fixture(scope="session", autouse=True)
def clean_postgres() -> Iterator[None]:
    """Start and leave PostgreSQL's schema empty, so `flask db upgrade` always starts clean."""
    if not DATABASE:
        yield
        return
    import sqlalchemy

    def reset() -> None:
        engine = sqlalchemy.create_engine(DATABASE)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()

    reset()
    yield
    reset()


@pytest.fixture(scope="session")
def worker(settings: dict[str, Any]) -> Iterator[subprocess.Popen[bytes] | None]:
    """Start a real Celery worker on the configured broker (distributed mode only)."""
    if not BROKER:
        yield None
        return
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    log_path = Path(settings["OUTPUT_DIR"]) / "worker.log"
    proc = start_celery(settings, "worker", "--concurrency=2", log_path=log_path)
    wait_until_ready(proc, log_path)
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def app(settings: dict[str, Any], worker: Any, tmp_path: Path) -> Iterator[Any]:
    from app import create_app
    from app.extensions import db

    config = dict(settings)
    config["TESTING"] = True
    if not DATABASE:
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'countersign.sqlite3'}"
    application = create_app(config)
    with application.app_context():
        if DATABASE:
            db.drop_all()
        db.create_all()
        db.session.commit()
    yield application
    try:
        if BROKER:
            settle(application)
    finally:  # close every connection even when a job did not finish, or it leaks into a later test
        with application.app_context():
            db.session.remove()
            db.engine.dispose()



@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def trusts(runner: Any) -> None:
    """Install the bundled trust profiles."""
    result = runner.invoke(args=["trusts", "load"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def wait() -> Callable[..., Any]:
    return eventually

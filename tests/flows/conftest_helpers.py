"""Values and waits the tests share (a plain module, so any test package can import it)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import tsp
from pyhanko.sign.timestamps import DummyTimeStamper

BROKER = os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")
ROOT = Path(__file__).resolve().parent.parent.parent


def start_celery(
    settings: dict[str, Any], *arguments: str, log_path: Path, own_group: bool = False
) -> subprocess.Popen[bytes]:
    """Start `celery -A app.worker ARGUMENTS` with the settings as COUNTERSIGN_* variables.

    own_group puts the process and its pool children in a process group of their own, so a
    test can kill the whole worker at once as a crash would.
    """
    env = dict(os.environ)
    env.update({f"COUNTERSIGN_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in settings.items()})
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.worker", *arguments, "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )


def wait_until_ready(process: subprocess.Popen[bytes], log_path: Path, word: bytes = b"ready", timeout: float = 60) -> None:
    """Wait until the Celery process has logged word (a worker logs "ready" when it takes tasks)."""
    deadline = time.monotonic() + timeout
    while word not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"celery did not start:\n{log_path.read_text()}")
        time.sleep(0.2)


class TimestampServer:
    """An RFC 3161 authority over HTTP (pyHanko's DummyTimeStamper), optionally slow to answer."""

    def __init__(self, stamper: DummyTimeStamper) -> None:
        self.delay = 0.0
        self.requests = 0
        self.requested = threading.Event()
        self._hurry = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests += 1
                server.requested.set()
                server._hurry.wait(server.delay)
                body = asyncio.run(stamper.async_request_tsa_response(request)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

            def log_error(self, *args: Any) -> None:
                pass  # a client killed mid-request is expected in the crash tests

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/tsa"

    def answer_promptly(self) -> None:
        """Stop delaying answers, including those already waiting."""
        self.delay = 0.0
        self._hurry.set()

    @contextmanager
    def running(self) -> Iterator[TimestampServer]:
        thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._http.shutdown()
            self._http.server_close()
            thread.join()


def eventually(check: Callable[[], Any], timeout: float = 120, interval: float = 0.25) -> Any:
    """Return check()'s first truthy value, waiting for a worker when jobs are distributed."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def settle(app: Any, timeout: float = 120) -> None:
    """Wait until no email is waiting to go, no document is being prepared or sealed, and the worker runs no job.

    With a worker, a job still running when the next test drops and recreates the tables would
    write into that test's rows (ids start again at 1), so every test ends when its work has.
    """
    from sqlalchemy import select

    from app.documents.models import Document
    from app.extensions import db
    from app.mail.models import OutboundEmail

    def settled() -> bool:
        with app.app_context():
            busy = db.session.scalar(
                select(OutboundEmail.id).where(OutboundEmail.status.in_([OutboundEmail.QUEUED, OutboundEmail.SENDING]))
            ) or db.session.scalar(select(Document.id).where(Document.state.in_(["preparing", "agreed"])))
            db.session.rollback()
        # A job also ends after what it did shows (an email marked sent, then its event recorded): dropping
        # the tables under it deadlocks, so the worker must be running none.
        return busy is None and (not BROKER or worker_idle())  # without a broker, jobs ran in-process

    def worker_idle() -> bool:
        running = app.extensions["celery"].control.inspect(timeout=2, limit=1).active()
        return running is not None and not any(running.values())

    assert eventually(settled, timeout), "a job was still running when the test ended"

"""`make serve`'s Procfile runs the production topology and seals a contract through the worker and the service.

Only with a broker and PostgreSQL configured (the .ci/run setup). It runs honcho on the Procfile
against a database of its own (the configured one's name + `_serve`) and the next Redis database
number, so the suite's own worker never takes its jobs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest
import sqlalchemy

BROKER = os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")
DATABASE = os.environ.get("COUNTERSIGN_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (BROKER and DATABASE and DATABASE.startswith("postgresql")),
    reason="make serve needs a broker and PostgreSQL: set COUNTERSIGN_CELERY_BROKER_URL and COUNTERSIGN_DATABASE_URL",
)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@pytest.fixture
def serve_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    assert BROKER and DATABASE
    import redis  # noqa: PLC0415  (the distributed setup's client, only where a broker is configured)

    name = urlsplit(DATABASE).path.lstrip("/") + "_serve"
    admin = sqlalchemy.create_engine(_with_path(DATABASE, "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    broker = _with_path(BROKER, f"/{(int(urlsplit(BROKER).path.lstrip('/') or 0) + 1) % 16}")
    redis.Redis.from_url(broker).flushdb()
    web = _port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COUNTERSIGN_")},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "FLASK_APP": "app",
        "COUNTERSIGN_OUTPUT_DIR": str(tmp_path / "output"),
        "COUNTERSIGN_DATABASE_URL": _with_path(DATABASE, f"/{name}"),
        "COUNTERSIGN_CELERY_BROKER_URL": broker,
        "COUNTERSIGN_MAIL_BACKEND": "outbox",
        "COUNTERSIGN_WEB_BIND": f"127.0.0.1:{web}",
        "COUNTERSIGN_BASE_URL": f"http://127.0.0.1:{web}",
        "COUNTERSIGN_CONVERSION_URL": f"http://127.0.0.1:{_port()}",
        "COUNTERSIGN_WEB_WORKERS": "2",
    }
    yield env
    redis.Redis.from_url(broker).flushdb()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _soffice_below(pid: int) -> set[int]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return set()
    return {c.pid for c in children if "soffice" in c.name()}


def test_the_procfile_serves_and_seals_a_contract_through_the_worker_and_the_service(serve_env, tmp_path):
    flask = [sys.executable, "-m", "flask"]
    assert subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=serve_env, capture_output=True).returncode == 0
    log = open(tmp_path / "serve.log", "wb")
    honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "--procfile", "Procfile"], cwd=ROOT,
                              env=serve_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while b"celery@" not in (tmp_path / "serve.log").read_bytes() or b"ready." not in (
            tmp_path / "serve.log"
        ).read_bytes() or b"Listening at" not in (tmp_path / "serve.log").read_bytes():
            assert honcho.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)

        check = subprocess.run([sys.executable, "scripts/serve_check.py"], cwd=ROOT, env=serve_env,
                               capture_output=True, text=True, timeout=600)
        assert check.returncode == 0, check.stdout + check.stderr + (tmp_path / "serve.log").read_text()
        assert "sealed" in check.stdout and "download links sent to" in check.stdout

        # LibreOffice runs under the conversion service only: no web or worker process started one.
        processes = {p.pid: " ".join(p.cmdline()) for p in psutil.Process(honcho.pid).children(recursive=True)}
        service = [pid for pid, command in processes.items()
                   if "conversion serve" in command and not command.startswith("/bin/sh")]
        others = [pid for pid, command in processes.items()
                  if ("bin/gunicorn" in command or "bin/celery" in command) and not command.startswith("/bin/sh")]
        assert service and others
        assert any(_soffice_below(pid) for pid in service)
        assert not any(_soffice_below(pid) for pid in others)
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=60)
        log.close()
    # Stopping honcho stops everything it started, LibreOffice included.
    time.sleep(1)
    leftover = [p for p in psutil.process_iter(["cmdline"])
                if serve_env["COUNTERSIGN_OUTPUT_DIR"] in " ".join(p.info["cmdline"] or [])
                and p.status() != psutil.STATUS_ZOMBIE]
    assert leftover == []

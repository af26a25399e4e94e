"""What the benchmarks share: a fresh PostgreSQL schema, the conversion service, process memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import sqlalchemy

from app.conversion import ConversionUnavailable, RemoteConverter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/countersign_bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reset_schema(url: str) -> None:
    """Create or empty the benchmark's database (it must be one of its own: everything in it is dropped)."""
    parsed = sqlalchemy.engine.make_url(url)
    admin = sqlalchemy.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).scalar()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def analyse(engine: sqlalchemy.Engine) -> None:
    """Give PostgreSQL the statistics on tables just filled that a database living with its rows has.

    Autovacuum analyses tables as they grow; without this it plans for empty tables, or analyses them
    in the middle of what is being timed (seconds of CPU).
    """
    own = sqlalchemy.create_engine(engine.url, isolation_level="AUTOCOMMIT")  # VACUUM runs in no transaction
    try:
        with own.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        own.dispose()


def environment(output: Path, database: str, **extra: str) -> dict[str, str]:
    """The COUNTERSIGN_* environment every process of a benchmark runs with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERSIGN_")}
    env.update({
        "FLASK_APP": "app",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "COUNTERSIGN_OUTPUT_DIR": str(output),
        "COUNTERSIGN_DATABASE_URL": database,
        "COUNTERSIGN_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
        "COUNTERSIGN_MAIL_BACKEND": "outbox",
        **extra,
    })
    return env


def start_service(env: dict[str, str], processes: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `flask conversion serve` and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "conversion", "serve", "--port", str(port), "--processes", str(processes)],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            RemoteConverter(url).info()
            return process, url
        except ConversionUnavailable:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the conversion service did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


@dataclass(frozen=True)
class Resident:
    """Resident memory of a process tree, split into Python (and other) processes and LibreOffice."""

    processes: int
    python: int  # bytes
    soffice: int  # soffice.bin processes
    libreoffice: int  # bytes

    @property
    def total(self) -> int:
        return self.python + self.libreoffice


def resident(root: int) -> Resident | None:
    """Resident memory of a process and its descendants, LibreOffice apart; None when it is gone."""
    try:
        top = psutil.Process(root)
        processes = [top, *top.children(recursive=True)]
    except psutil.NoSuchProcess:
        return None
    python = libreoffice = 0
    count = soffice = 0
    for process in processes:
        try:
            rss = process.memory_info().rss
            name = process.name()
        except psutil.NoSuchProcess:
            continue
        if "soffice" in name or "oosplash" in name:
            libreoffice += rss
            soffice += "soffice.bin" in name
        else:
            python += rss
            count += 1
    return Resident(count, python, soffice, libreoffice)


def rss_report(label: str, root: int, measured: Resident | None = None) -> str:
    """One line: a process tree's resident memory (measured now unless given), LibreOffice apart."""
    found = measured or resident(root)
    if found is None:
        return f"{label}: gone"
    return (f"{label}: {found.processes} processes {found.python / 2**20:.0f} MiB; LibreOffice {found.soffice} "
            f"processes {found.libreoffice / 2**20:.0f} MiB")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

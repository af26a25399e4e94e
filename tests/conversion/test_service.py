"""The host's conversion service: every process converts through it and starts no LibreOffice of its own."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.conversion import ConversionError, ConversionUnavailable, RemoteConverter, get_converter
from app.documents.models import Document
from app.extensions import db

from .helpers import PARTY, call_asking_for_gzip, make_docx, pdf_text

ROOT = Path(__file__).resolve().parents[2]
# The service is started with its own CONVERSION_NICE, not the default, to show the setting is what it obeys.
SERVICE_NICE = 7


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _soffice(process: psutil.Process) -> set[int]:
    """The LibreOffice processes below a process."""
    found = set()
    for child in process.children(recursive=True):
        try:
            if "soffice" in child.name() or any("soffice" in part for part in child.cmdline()[:1]):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`flask conversion serve` with two LibreOffice processes, as make serve runs it."""
    output = tmp_path_factory.mktemp("service")
    port = _free_port()
    env = {**os.environ, "COUNTERSIGN_OUTPUT_DIR": str(output), "FLASK_APP": "app",
           "COUNTERSIGN_CONVERSION_NICE": str(SERVICE_NICE)}
    env.pop("COUNTERSIGN_CONVERSION_URL", None)
    log = open(output / "service.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "conversion", "serve", "--port", str(port), "--processes", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            RemoteConverter(url).info()
            break
        except ConversionUnavailable:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((output / "service.log").read_text()) from None
            time.sleep(0.2)
    yield url, process
    libreoffice = _soffice(psutil.Process(process.pid))
    process.terminate()
    assert process.wait(timeout=60) is not None
    log.close()
    # Stopping the service stops its LibreOffice processes too.
    assert not [p for p in libreoffice if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]


@pytest.fixture
def served_app(settings: dict[str, Any], service: tuple[str, Any], tmp_path: Path) -> Iterator[Any]:
    application = create_app({**settings, "TESTING": True, "CONVERSION_URL": service[0],
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'countersign.sqlite3'}"})
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


# With a broker the preparation runs in the suite's worker, which was started with its own settings
# (and its own pool): what these two check is this app's converter, so they run with in-process jobs.
IN_PROCESS_ONLY = pytest.mark.skipif(bool(os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")),
                                     reason="jobs must run in this process, with this app's converter")


@IN_PROCESS_ONLY
def test_with_a_service_configured_the_app_converts_through_it_and_starts_no_libreoffice(
    served_app: Any, service: tuple[str, subprocess.Popen[bytes]], mailbox: Any
) -> None:
    url, process = service
    assert isinstance(get_converter(served_app), RemoteConverter)
    service_side = psutil.Process(process.pid)

    def ours() -> set[int]:
        """LibreOffice below this test process, other than the service's (the service is its child here)."""
        return _soffice(psutil.Process()) - _soffice(service_side)

    ours_before = ours()
    runner = served_app.test_cli_runner()
    assert runner.invoke(args=["trusts", "load"]).exit_code == 0
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia",
                                  "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Okafor <sam@example.org>"])
    assert created.exit_code == 0, created.output
    document_id = int(created.output.strip().splitlines()[-1])

    with served_app.app_context():
        document = db.session.get(Document, document_id)
        assert document is not None and document.state == "awaiting_agreement"
        assert document.version.pdf_file is not None
        assert "Sam Okafor" in pdf_text(document.version.pdf_file.read())
    # The work was done by the service's LibreOffice processes, none by this process.
    assert ours() <= ours_before
    assert _soffice(service_side)
    assert len(RemoteConverter(url).info()["pids"]) >= 1
    assert RemoteConverter(url).concurrency == 2


def test_the_service_and_its_libreoffice_run_at_a_lower_priority_than_the_web_processes(
    service: tuple[str, subprocess.Popen[bytes]]
) -> None:
    url, process = service
    RemoteConverter(url).convert_docx_to_pdf(make_docx("Priority"))  # every LibreOffice it starts is running
    served = psutil.Process(process.pid)
    below = [psutil.Process(pid) for pid in _soffice(served)]
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + SERVICE_NICE)
    assert below and {p.nice() for p in [served, *below]} == {expected}


def test_conversions_from_several_threads_share_the_service(service: tuple[str, Any]) -> None:
    converter = RemoteConverter(service[0])
    parties = ["Alice O'Brien", "Bob <Head> & Co", "Chidi Okeke"]
    results: dict[str, str] = {}

    def convert(party: str) -> None:
        results[party] = pdf_text(converter.convert_docx_to_pdf(make_docx(party=party)))

    threads = [threading.Thread(target=convert, args=(p,)) for p in parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(party in results[party] for party in parties)


def test_the_service_answers_uncompressed_even_to_a_client_that_asks_for_gzip(service: tuple[str, Any]) -> None:
    # Its clients are on the same host: compressing every PDF would only cost both sides CPU.
    encoding, pdf = call_asking_for_gzip(service[0] + "/RPC2", "convert", xmlrpc.client.Binary(make_docx()))

    assert encoding is None
    assert PARTY in pdf_text(pdf.data)


def test_a_corrupt_docx_is_a_conversion_error_from_the_service(service: tuple[str, Any]) -> None:
    docx = make_docx()
    corrupt = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as original, zipfile.ZipFile(corrupt, "w") as broken:
        for name in original.namelist():
            broken.writestr(name, b"<w:document><unclosed" if name == "word/document.xml" else original.read(name))
    converter = RemoteConverter(service[0])
    with pytest.raises(ConversionError, match="Could not load document") as failure:
        converter.convert_docx_to_pdf(corrupt.getvalue())
    assert not isinstance(failure.value, ConversionUnavailable)
    with pytest.raises(ConversionError, match="not a .docx file"):
        converter.convert_docx_to_pdf(b"not a document")
    assert PARTY in pdf_text(converter.convert_docx_to_pdf(docx))  # the service carries on


def test_a_service_that_is_down_is_unavailable_and_names_the_command() -> None:
    converter = RemoteConverter(f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(ConversionUnavailable, match=r"is not reachable .*flask conversion serve"):
        converter.convert_docx_to_pdf(make_docx())


def test_a_service_that_does_not_answer_in_time_fails_the_conversion() -> None:
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        converter = RemoteConverter(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5, start_allowance=0)
        started = time.monotonic()
        with pytest.raises(ConversionError, match=r"did not answer within 1 s") as failure:
            converter.convert_docx_to_pdf(make_docx())
    assert not isinstance(failure.value, ConversionUnavailable)
    assert time.monotonic() - started < 10


@IN_PROCESS_ONLY
def test_a_document_prepared_while_the_service_is_down_waits_with_the_reason_logged(
    settings: dict[str, Any], tmp_path: Path, mailbox: Any
) -> None:
    application = create_app({**settings, "TESTING": True, "CONVERSION_URL": f"http://127.0.0.1:{_free_port()}",
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'down.sqlite3'}"})
    with application.app_context():
        db.create_all()
    runner = application.test_cli_runner()
    assert runner.invoke(args=["trusts", "load"]).exit_code == 0
    created = runner.invoke(args=["contract", "create", "--trust", "heart-of-mercia",
                                  "--supervisor", "Alex Morgan <alex@example.org>",
                                  "--supervisee", "Sam Okafor <sam@example.org>"])
    assert created.exit_code == 0, created.output
    assert "could not be prepared yet" in created.output
    with application.app_context():
        failure = db.session.scalar(select(AuditEvent).where(AuditEvent.type == "preparation_failed"))
        assert failure is not None
        assert "ConversionUnavailable" in failure.details["error"]
        assert "is not reachable" in failure.details["error"]
        db.session.remove()
        db.engine.dispose()

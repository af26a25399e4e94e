"""Contracts become PDF/A-2b on a warm LibreOffice; bad input and a missing LibreOffice fail clearly."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from app.conversion import ConversionError, ConversionUnavailable, ConverterPool, get_converter, init_app
from app.conversion import worker as worker_module

from .helpers import PARTY, call_asking_for_gzip, make_docx, pdf_text, pdfa_declaration


def test_a_contract_becomes_a_pdf_a_2b_with_its_text(shared_pool: ConverterPool, docx: bytes) -> None:
    pdf = shared_pool.convert_docx_to_pdf(docx)

    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf)
    assert "Supervision agreement" in text
    assert PARTY in text
    assert "The supervisee agrees." in text
    assert pdfa_declaration(pdf) == ("2", "B")


def test_a_libreoffice_process_answers_uncompressed_even_to_a_client_that_asks_for_gzip(
    shared_pool: ConverterPool, docx: bytes
) -> None:
    shared_pool.convert_docx_to_pdf(docx)
    (worker,) = shared_pool._generation.workers

    encoding, _info = call_asking_for_gzip(f"http://127.0.0.1:{worker.port}", "info")

    assert encoding is None  # on loopback gzip costs CPU and saves nothing


def test_a_libreoffice_without_a_filter_a_conversion_needs_fails_saying_which(
    make_pool: Callable[..., ConverterPool], docx: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "DOCX_FILTER", "No Such Word Filter")
    pool = make_pool(1)

    with pytest.raises(ConversionError, match="no 'No Such Word Filter' filter"):
        pool.convert_docx_to_pdf(docx)
    assert pool.worker_pids() == {}  # it was not left running


def test_the_process_stays_warm_between_conversions(shared_pool: ConverterPool, docx: bytes) -> None:
    shared_pool.convert_docx_to_pdf(docx)
    pids = shared_pool.worker_pids()

    started = time.monotonic()
    shared_pool.convert_docx_to_pdf(docx)

    assert shared_pool.worker_pids() == pids
    assert time.monotonic() - started < 5  # unoserver alone takes over 5 s to start


def test_bytes_that_are_not_a_docx_are_refused_without_libreoffice(shared_pool: ConverterPool) -> None:
    with pytest.raises(ConversionError, match="not a .docx file"):
        shared_pool.convert_docx_to_pdf(b"O'Brien <Head> & Co, plain text")
    with pytest.raises(ConversionError, match="not a .docx file"):
        shared_pool.convert_docx_to_pdf(make_docx()[:2000])
    with pytest.raises(ConversionError, match="empty"):
        shared_pool.convert_docx_to_pdf(b"")


def test_a_corrupt_docx_fails_once_without_restarting_the_process(
    shared_pool: ConverterPool, docx: bytes
) -> None:
    corrupt = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as original, zipfile.ZipFile(corrupt, "w") as broken:
        for name in original.namelist():
            broken.writestr(
                name, b"<w:document><unclosed" if name == "word/document.xml" else original.read(name)
            )
    shared_pool.convert_docx_to_pdf(docx)
    pids = shared_pool.worker_pids()

    started = time.monotonic()
    with pytest.raises(ConversionError, match="Could not load document") as failure:
        shared_pool.convert_docx_to_pdf(corrupt.getvalue())

    assert not isinstance(failure.value, ConversionUnavailable)
    assert time.monotonic() - started < 5
    assert shared_pool.worker_pids() == pids
    assert PARTY in pdf_text(shared_pool.convert_docx_to_pdf(docx))


def test_two_threads_convert_at_once_on_two_processes(make_pool: Callable[..., ConverterPool]) -> None:
    pool = make_pool(2)
    parties = ["Alice O'Brien", "Bob <Head> & Co"]
    results: dict[str, bytes] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(parties))

    def convert(party: str) -> None:
        try:
            barrier.wait()
            results[party] = pool.convert_docx_to_pdf(make_docx(party=party))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=convert, args=(party,)) for party in parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    for party in parties:
        assert party in pdf_text(results[party])
    assert len(set(pool.worker_pids().values())) == 2


def test_a_pool_starts_nothing_until_the_first_conversion(tmp_path: Path) -> None:
    pool = ConverterPool(2, work_dir=tmp_path / "libreoffice")

    assert pool.worker_pids() == {}
    assert not (tmp_path / "libreoffice").exists()
    pool.close()


def test_size_defaults_to_one_process_per_core(tmp_path: Path) -> None:
    import os

    assert ConverterPool(work_dir=tmp_path).size == os.cpu_count()
    assert ConverterPool(0, work_dir=tmp_path).size == os.cpu_count()


@pytest.mark.parametrize(
    ("settings", "culprit"),
    [
        ({"soffice": "/nonexistent/soffice"}, "/nonexistent/soffice"),
        ({"uno_python": "/nonexistent/python3"}, "/nonexistent/python3 cannot import uno"),
    ],
)
def test_without_libreoffice_a_conversion_names_the_debian_packages(
    tmp_path: Path, docx: bytes, settings: dict[str, str], culprit: str
) -> None:
    pool = ConverterPool(1, work_dir=tmp_path / "libreoffice", **settings)  # constructing is fine

    with pytest.raises(ConversionUnavailable) as failure:
        pool.convert_docx_to_pdf(docx)

    message = str(failure.value)
    assert message.startswith("LibreOffice is not installed: install the Debian packages")
    assert "libreoffice-writer-nogui python3-uno" in message
    assert culprit in message
    assert pool.worker_pids() == {}
    pool.close()


def test_init_app_attaches_a_lazy_pool_from_the_settings(tmp_path: Path) -> None:
    app = Flask(__name__)
    app.config.update(
        OUTPUT_DIR=str(tmp_path),
        CONVERSION_POOL_SIZE=3,
        CONVERSION_TIMEOUT=12,
        CONVERSION_MAX_PER_PROCESS=7,
        CONVERSION_MAX_MEMORY_MB=300,
    )

    init_app(app)

    pool = get_converter(app)
    assert (pool.size, pool.timeout, pool.max_conversions, pool.max_memory_mb) == (3, 12, 7, 300)
    assert pool.work_dir == tmp_path / "libreoffice"
    assert pool.worker_pids() == {}
    assert not pool.work_dir.exists()

    other = Flask(__name__)
    other.config.update(app.config)
    init_app(other)
    assert get_converter(other) is pool  # apps with the same settings share the processes

"""Crashed, hung and worn processes are replaced; closing leaves no process behind."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.conversion import ConversionError, ConverterPool

from .helpers import PARTY, group_processes, pdf_text, processes_mentioning, soffice_pid, wait_until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_process_group_is_replaced_before_the_next_conversion(
    make_pool: Callable[..., ConverterPool], docx: bytes, no_leftovers: Callable[[list[int]], None]
) -> None:
    pool = make_pool(1)
    pool.convert_docx_to_pdf(docx)
    (killed,) = pool.worker_pids().values()

    os.killpg(killed, signal.SIGKILL)
    pdf = pool.convert_docx_to_pdf(docx)

    assert PARTY in pdf_text(pdf)
    assert pool.worker_pids()[0] != killed
    no_leftovers([killed])


def test_a_crashed_libreoffice_under_a_live_unoserver_is_replaced(
    make_pool: Callable[..., ConverterPool], docx: bytes, no_leftovers: Callable[[list[int]], None]
) -> None:
    pool = make_pool(1)
    pool.convert_docx_to_pdf(docx)
    (group,) = pool.worker_pids().values()

    os.kill(soffice_pid(group), signal.SIGKILL)  # unoserver itself notices a moment later
    pdf = pool.convert_docx_to_pdf(docx)

    assert PARTY in pdf_text(pdf)
    assert pool.worker_pids()[0] != group
    no_leftovers([group])


def test_a_hung_process_times_out_and_the_conversion_succeeds_on_a_fresh_one(
    make_pool: Callable[..., ConverterPool],
    docx: bytes,
    no_leftovers: Callable[[list[int]], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = make_pool(1, timeout=8)
    pool.convert_docx_to_pdf(docx)
    (hung,) = pool.worker_pids().values()

    os.killpg(hung, signal.SIGSTOP)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="app.conversion"):
        pdf = pool.convert_docx_to_pdf(docx)

    assert PARTY in pdf_text(pdf)
    assert 8 <= time.monotonic() - started < 8 + 30
    assert pool.worker_pids()[0] != hung
    no_leftovers([hung])
    messages = [record.getMessage() for record in caplog.records]
    assert any(f"worker 0 (pid {hung})" in m and "longer than 8 s" in m for m in messages), messages
    assert any(f"worker 0 started (pid {pool.worker_pids()[0]})" in m for m in messages), messages
    assert not any(PARTY in m or "supervisee" in m for m in messages)


def test_a_process_is_recycled_after_max_conversions(
    make_pool: Callable[..., ConverterPool], docx: bytes, no_leftovers: Callable[[list[int]], None]
) -> None:
    pool = make_pool(1, max_conversions=2)
    pool.convert_docx_to_pdf(docx)
    (first,) = pool.worker_pids().values()
    pool.convert_docx_to_pdf(docx)
    assert pool.worker_pids() == {0: first}

    pool.convert_docx_to_pdf(docx)

    assert pool.worker_pids()[0] != first
    no_leftovers([first])


def test_a_process_grown_past_its_memory_bound_is_recycled_before_its_next_conversion(
    make_pool: Callable[..., ConverterPool], docx: bytes, no_leftovers: Callable[[list[int]], None]
) -> None:
    roomy = make_pool(1, max_memory_mb=4096)
    roomy.convert_docx_to_pdf(docx)
    (worker,) = roomy._generation.workers
    # unoserver's Python and the LibreOffice under it: far more than the Python alone.
    assert worker.resident_bytes() > 100 * 2**20
    kept = roomy.worker_pids()
    roomy.convert_docx_to_pdf(docx)
    assert roomy.worker_pids() == kept

    # A bound just above what it took to start: its first conversion (Writer, the .docx filter, fonts) grows it past.
    tight = make_pool(1, max_memory_mb=4096)
    tight.convert_docx_to_pdf(docx)
    (worker,) = tight._generation.workers
    (first,) = tight.worker_pids().values()
    tight.max_memory_mb = int(worker.started_bytes / 2**20) + 1
    assert worker.resident_bytes() / 2**20 > tight.max_memory_mb

    assert PARTY in pdf_text(tight.convert_docx_to_pdf(docx))

    assert tight.worker_pids()[0] != first
    no_leftovers([first])


def test_a_memory_bound_below_what_libreoffice_starts_at_recycles_by_count_only(
    make_pool: Callable[..., ConverterPool], docx: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(1, max_memory_mb=10)  # no LibreOffice starts that small
    with caplog.at_level(logging.WARNING, logger="app.conversion.pool"):
        pool.convert_docx_to_pdf(docx)
    kept = pool.worker_pids()

    pool.convert_docx_to_pdf(docx)

    assert pool.worker_pids() == kept  # not restarted before every conversion
    assert any("above CONVERSION_MAX_MEMORY_MB (10)" in r.getMessage() for r in caplog.records)


def test_close_leaves_no_libreoffice_process_of_the_pool(
    make_pool: Callable[..., ConverterPool], docx: bytes
) -> None:
    pool = make_pool(2)
    with pool:
        pool.convert_docx_to_pdf(docx)
        groups = list(pool.worker_pids().values())
        assert groups
        names = {name for group in groups for _, name, _ in group_processes(group)}
        assert {"soffice.bin", "oosplash"} <= names
        folders = list(pool.work_dir.iterdir())

    # Stopped gracefully, every process was reaped by its own parent: nothing left, at once.
    assert [p for group in groups for p in group_processes(group)] == []
    assert pool.worker_pids() == {}
    assert not any(folder.exists() for folder in folders)


def test_a_closed_pool_starts_afresh_on_the_next_conversion(
    make_pool: Callable[..., ConverterPool], docx: bytes, no_leftovers: Callable[[list[int]], None]
) -> None:
    pool = make_pool(1)
    pool.convert_docx_to_pdf(docx)
    (first,) = pool.worker_pids().values()
    pool.close()

    assert PARTY in pdf_text(pool.convert_docx_to_pdf(docx))

    assert pool.worker_pids()[0] != first
    no_leftovers([first])


def test_a_process_that_does_not_answer_in_time_fails_the_conversion_and_is_killed(
    make_pool: Callable[..., ConverterPool], docx: bytes
) -> None:
    pool = make_pool(1, start_timeout=1)  # unoserver needs over 5 s before it listens

    with pytest.raises(ConversionError, match="did not answer within 1 s"):
        pool.convert_docx_to_pdf(docx)

    assert pool.worker_pids() == {}
    (folder,) = pool.work_dir.iterdir()
    assert wait_until(lambda: not processes_mentioning(str(folder))), processes_mentioning(str(folder))


OWNER = """
import sys, time
from pathlib import Path
from app.conversion import ConverterPool
from tests.conversion.helpers import make_docx

pool = ConverterPool(1, work_dir=Path(sys.argv[1]))
pool.convert_docx_to_pdf(make_docx())
print(*pool.worker_pids().values(), flush=True)
time.sleep(600)
"""


def test_libreoffice_does_not_outlive_a_killed_owner(
    tmp_path: Path, no_leftovers: Callable[[list[int]], None]
) -> None:
    """SIGKILL (or os._exit in a forked worker) skips atexit: the lifeline must still end it."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        group = int(owner.stdout.readline())
        assert "soffice.bin" in {name for _, name, _ in group_processes(group)}
    finally:
        owner.kill()
        owner.wait()
        if owner.stdout:
            owner.stdout.close()

    no_leftovers([group])

"""Contract .docx → PDF/A-2b: cold `soffice --convert-to` against the warm LibreOffice pool.

Run: .venv/bin/python bench/convert.py [--count N]

(a) cold: one `soffice --headless --convert-to pdf` per document, each with a fresh profile;
(b) warm: a pool of one process, the first conversion (which starts it) reported apart;
(c) parallel: a pool of one process per core converting N documents at once.
Prints seconds per document, throughput, warm/cold, and the pool's peak memory. No assertions.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2
from docx import Document
from docx.shared import Pt

from app.conversion import ConversionUnavailable, ConverterPool
from app.conversion.checks import PDFIUM_LOCK, pdf_problem
from app.conversion.libreoffice import find_installation

PDFA_2B = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
CLAUSE = (
    "The supervisor and the supervisee meet at least once every four weeks for no less than ninety "
    "minutes. Each session is recorded on this form, agreed by both parties, and kept for six years. "
    "Concerns about a child's safety are escalated the same day to the designated safeguarding lead, "
    "and the escalation is noted here with its time, the person informed and the action agreed. "
)


def contract() -> bytes:
    """A two-page supervision agreement: headings, a parties table, clauses, signatures."""
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading("Safeguarding supervision agreement", level=0)
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    parties = [
        ("Party", "Name", "Role"),
        ("Supervisor", "Dr A. Okafor", "Designated lead"),
        ("Supervisee", "M. O'Brien", "Family support worker"),
        ("Trust", "Northfield <Head> & Co", "Employer"),
    ]
    for row, cells in enumerate(parties):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    for section in range(1, 4):
        document.add_heading(f"{section}. Terms of section {section}", level=1)
        for _ in range(2):
            document.add_paragraph(CLAUSE * 2)
    document.add_heading("Signatures", level=1)
    for party in ("Supervisor", "Supervisee"):
        document.add_paragraph(f"{party}: ______________________    Date: ____________")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pages(pdf: bytes) -> int:
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        count = len(document)
        document.close()
    return count


def cold(docx: bytes, count: int, soffice: str) -> list[float]:
    """Convert with a cold `soffice --convert-to`, a fresh profile each time."""
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as folder:
        source = Path(folder) / "contract.docx"
        source.write_bytes(docx)
        for i in range(count):
            profile = Path(folder) / f"profile-{i}"
            out = Path(folder) / f"out-{i}"
            started = time.perf_counter()
            subprocess.run(
                [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", PDFA_2B, "--outdir", str(out), str(source)],
                check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            pdf = (out / "contract.pdf").read_bytes() if (out / "contract.pdf").exists() else b""
            times.append(time.perf_counter() - started)
            if problem := pdf_problem(pdf):
                raise SystemExit(f"cold conversion {i}: {problem}")
    return times


class MemoryWatch:
    """Sample the resident memory of a pool's processes (unoserver, oosplash, soffice.bin)."""

    def __init__(self, pool: ConverterPool) -> None:
        self.pool = pool
        self.peak_total_kib = 0
        self.high_water_kib: dict[int, int] = {}  # VmHWM by pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.sample()

    def sample(self) -> None:
        groups = set(self.pool.worker_pids().values())
        total = 0
        for pid, status in _statuses(groups):
            total += status.get("VmRSS", 0)
            self.high_water_kib[pid] = max(self.high_water_kib.get(pid, 0), status.get("VmHWM", 0))
        self.peak_total_kib = max(self.peak_total_kib, total)


def _statuses(groups: set[int]) -> list[tuple[int, dict[str, int]]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[2]) not in groups:
                continue
            lines = (entry / "status").read_text().splitlines()
        except (OSError, ValueError):
            continue
        values = {}
        for line in lines:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        found.append((int(entry.name), values))
    return found


def report(label: str, times: list[float], wall: float | None = None) -> float:
    per_doc = (wall if wall is not None else sum(times)) / len(times)
    print(
        f"{label:<34} {per_doc:7.3f} s/doc   {1 / per_doc:7.2f} docs/s"
        f"   (min {min(times):.3f}, max {max(times):.3f} s per conversion)"
    )
    return per_doc


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10, help="documents per mode (default 10)")
    count = parser.parse_args().count
    cores = os.cpu_count() or 1
    try:
        installation = find_installation()
    except ConversionUnavailable as error:
        raise SystemExit(str(error)) from None

    docx = contract()
    with tempfile.TemporaryDirectory(prefix="bench-pool-") as work:
        with ConverterPool(1, work_dir=Path(work) / "one") as pool:
            started = time.perf_counter()
            first = pool.convert_docx_to_pdf(docx)
            warm_up = time.perf_counter() - started
            print(f"contract: {len(docx) // 1024} KiB .docx, {pages(first)} pages, {cores} cores")
            print(f"{count} documents per mode")
            print()
            cold_times = cold(docx, count, installation.soffice)
            cold_per_doc = report("(a) cold soffice --convert-to", cold_times)
            print(f"(b) warm-up: first conversion, starting the process {warm_up:7.3f} s")
            with MemoryWatch(pool) as one_memory:
                warm_times = []
                for _ in range(count):
                    started = time.perf_counter()
                    pool.convert_docx_to_pdf(docx)
                    warm_times.append(time.perf_counter() - started)
            warm_per_doc = report("(b) warm pool, 1 process", warm_times)

        with ConverterPool(cores, work_dir=Path(work) / "cores") as pool:

            def timed(_: int) -> float:
                started = time.perf_counter()
                pool.convert_docx_to_pdf(docx)
                return time.perf_counter() - started

            with ThreadPoolExecutor(max_workers=cores) as executor:
                started = time.perf_counter()
                list(executor.map(timed, range(cores)))
                print(
                    f"(c) warm-up: {cores} processes started together {time.perf_counter() - started:7.3f} s"
                )
                with MemoryWatch(pool) as cores_memory:
                    started = time.perf_counter()
                    parallel_times = list(executor.map(timed, range(count)))
                    wall = time.perf_counter() - started
            report(f"(c) warm pool, {cores} processes, concurrent", parallel_times, wall)

    print()
    ratio = warm_per_doc / cold_per_doc
    print(f"warm/cold time per document: {ratio:.3f}  (warm is {1 / ratio:.1f}x faster)")
    for label, memory in (("1 process", one_memory), (f"{cores} processes", cores_memory)):
        print(
            f"peak RSS of the pool ({label}): {memory.peak_total_kib / 1024:.0f} MiB sampled together; "
            f"{sum(memory.high_water_kib.values()) / 1024:.0f} MiB summing each process's high-water mark"
        )


if __name__ == "__main__":
    main()

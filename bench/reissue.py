"""Bulk annual reissue end to end: N sealed contracts due for review, each rendered, converted and emailed.

Run: .venv/bin/python bench/reissue.py [--count 1000] [--serial 50] [--database URL] [--service]

The database must be the benchmark's own: its schema is dropped and rebuilt. One contract is made
and sealed through the real pipeline; `--count` + 2 × `--serial` copies of it are written straight into
the database as sealed contracts due for review. `--serial` of them are reissued one at a time
(the baseline, run before and again after, averaged), and `--count` with `reissue_many` exactly as
`flask reviews reissue --all-due` does in the embedded default (no broker): in processes of its own,
one per conversion process (`REISSUE_PROCESSES`), two contracts at a time in each, converting on this process's pool
of one LibreOffice per core (or with `--service` on the host's conversion service); `--threads N`
runs it in N threads of this process instead. Prints the total, seconds per contract, where each
contract's time goes (render, convert, email, the rest: database and audit; in the run's own
processes only the conversions are timed, here), the speed-up over one at a time, and memory.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil
from common import (
    DEFAULT_DATABASE,
    ROOT,
    analyse,
    environment,
    reset_schema,
    resident,
    rss_report,
    start_service,
    stop,
)
from flask_migrate import upgrade
from sqlalchemy import func, select

import app.documents.prepare as prepare_module
import app.mail.tasks as mail_tasks
from app import create_app
from app.conversion import EXTENSION, get_converter
from app.documents.answers import agree
from app.documents.create import create_document
from app.documents.links import link_url
from app.documents.models import Document, DocumentVersion, Link, Party
from app.documents.people import Person, Request
from app.documents.states import State
from app.extensions import db
from app.reviews.bulk import Outcome, default_processes, reissue_many

TRUST = "heart-of-mercia"


class Timings:
    """Seconds spent in each step, summed over the threads (so a step's share of each contract)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def wrap(self, step: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds[step] += time.perf_counter() - began

        return timed

    def reset(self) -> dict[str, float]:
        with self._lock:
            taken, self.seconds = dict(self.seconds), defaultdict(float)
        return taken


class TimedConverter:
    """The app's converter, timed, counting how many conversions run at once."""

    def __init__(self, converter: Any, timings: Timings) -> None:
        self._converter = converter
        self._convert = timings.wrap("convert", converter.convert_docx_to_pdf)
        self._lock = threading.Lock()
        self.in_flight = self.most = 0
        self._since = time.perf_counter()
        self.overlapped = 0.0  # seconds with two or more conversions running

    def convert_docx_to_pdf(self, docx: bytes) -> bytes:
        self._count(+1)
        try:
            return self._convert(docx)
        finally:
            self._count(-1)

    def _count(self, change: int) -> None:
        with self._lock:
            now = time.perf_counter()
            if self.in_flight >= 2:
                self.overlapped += now - self._since
            self._since = now
            self.in_flight += change
            self.most = max(self.most, self.in_flight)

    def reset(self) -> tuple[int, float]:
        with self._lock:
            taken, self.most, self.overlapped = (self.most, self.overlapped), 0, 0.0
        return taken

    @property
    def concurrency(self) -> int:
        return self._converter.concurrency


class Watch:
    """During a run: the largest resident memory of this process and its children, and where the CPU went.

    CPU seconds are summed per kind of process (this one, the run's own, LibreOffice, PostgreSQL's),
    from samples of every process seen, and the whole machine's busy share of its cores.
    """

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self._pid, self._every = pid, every
        self._stop = threading.Event()
        self.peak, self.memory = 0, "not sampled"
        self._cpu: dict[int, tuple[str, float, float]] = {}  # pid: (kind, first seen, last seen)
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Watch:
        self._machine = psutil.cpu_times()
        self._read_cpu()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read_cpu()
        after = psutil.cpu_times()
        self.busy_seconds = sum(after) - after.idle - (sum(self._machine) - self._machine.idle)
        self.busy = self.busy_seconds / max(1e-9, sum(after) - sum(self._machine))

    def cpu_line(self, contracts: int) -> str:
        """CPU per contract by kind of process, and how busy the machine's cores were."""
        kinds: dict[str, float] = defaultdict(float)
        for kind, first, last in self._cpu.values():
            kinds[kind] += last - first
        parts = ", ".join(f"{kind} {seconds / contracts * 1000:.0f} ms" for kind, seconds in sorted(kinds.items()))
        others = max(0.0, self.busy_seconds - sum(kinds.values()))
        return (f"  CPU per contract: {parts}; in all {sum(kinds.values()) / contracts * 1000:.0f} ms; "
                f"the machine's {os.cpu_count()} cores were {self.busy:.0%} busy "
                f"({others:.1f} s of it not counted above: other programs, or the CPU of a process after its last sample)")

    def _kind(self, process: psutil.Process) -> str:
        name = process.name()
        if process.pid == self._pid:
            return "this process"
        if name.startswith("postgres"):
            return "PostgreSQL"
        if "soffice" in name or "oosplash" in name:
            return "LibreOffice"
        return "the run's processes"

    def _read_cpu(self) -> None:
        top = psutil.Process(self._pid)
        candidates = [top, *top.children(recursive=True),
                      *(p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres"))]
        for process in candidates:
            try:
                times = process.cpu_times()
                used = times.user + times.system
                kind = self._kind(process)
            except psutil.NoSuchProcess:
                continue
            first = self._cpu.get(process.pid, (kind, used, used))[1]
            self._cpu[process.pid] = (kind, first, used)

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            self._read_cpu()
            found = resident(self._pid)
            if found is not None and found.total > self.peak:
                self.peak = found.total
                self.memory = rss_report("this process, the run's processes and LibreOffice", self._pid, found)


def seal_one(app: Any) -> int:
    """A contract made and sealed through the real pipeline (inline), to copy."""
    with app.app_context():
        document = create_document(trust_slug=TRUST, kind_name="contract",
                                   supervisor=Person("Alex Morgan", "alex@bench.example.org"),
                                   supervisees=[Person("Sam Okafor", "sam@bench.example.org")], fields={})
        for party, name in zip(document.parties, ("Alex Morgan", "Sam Okafor"), strict=True):
            link = db.session.scalar(select(Link).where(Link.party_id == party.id))
            agree(link_url(link.id).rsplit("/", 1)[1], confirmed=True, typed_name=name,
                  request=Request(ip="127.0.0.1", user_agent="bench"))
        db.session.expire_all()
        sealed = db.session.get(Document, document.id)
        assert sealed is not None and sealed.state is State.SEALED, sealed.state if sealed else None
        return sealed.id


def copies(template_id: int, count: int) -> list[int]:
    """Sealed contracts like the template, due for review within the next 60 days."""
    template = db.session.get(Document, template_id)
    assert template is not None
    version = template.version
    made = []
    for n in range(count):
        review = date.today() + timedelta(days=n % 60)
        document = Document(trust_id=template.trust_id, kind=template.kind, title=template.title, state=State.SEALED,
                            author_name=template.author_name, author_email=template.author_email,
                            pair_key=f"bench-{n}", school=template.school, review_date=review)
        document.versions = [DocumentVersion(
            number=1, fields={**version.fields, "review_date": review.isoformat()},
            docx_file_id=version.docx_file_id, pdf_file_id=version.pdf_file_id, sent_at=version.sent_at,
            final_docx_file_id=version.final_docx_file_id, sealed_file_id=version.sealed_file_id,
            sealed_at=version.sealed_at)]
        document.parties = [Party(role=p.role, name=p.name, email=f"{n}.{p.email}", position=p.position)
                            for p in template.parties]
        db.session.add(document)
        made.append(document)
    db.session.commit()
    return [d.id for d in made]


def run(ids: list[int], timings: Timings, **parallel: int | None) -> tuple[float, dict[str, float]]:
    timings.reset()
    began = time.perf_counter()
    results = reissue_many(ids, actor="benchmark", **parallel)
    took = time.perf_counter() - began
    failed = [r for r in results if r.outcome is not Outcome.REISSUED]
    if failed:
        raise SystemExit(f"{len(failed)} reissues did not succeed, e.g. {failed[0]}")
    prepared = db.session.scalar(select(func.count(Document.id)).where(
        Document.previous_document_id.in_(ids), Document.state == State.AWAITING_AGREEMENT))
    if prepared != len(ids):
        raise SystemExit(f"only {prepared} of {len(ids)} reissues were prepared and sent")
    return took, timings.reset()


def report(label: str, count: int, took: float, steps: dict[str, float], at_once: str) -> None:
    per = took / count
    if "render" not in steps:  # the run's own processes: only the conversions, on this process's pool, are seen
        print(f"{label}: {count} contracts in {took:.1f} s = {per * 1000:.0f} ms each ({at_once}); "
              f"per contract, converting {steps.get('convert', 0) / count * 1000:.0f} ms (summed over the pool)")
        return
    parts = ", ".join(f"{step} {steps.get(step, 0) / count * 1000:.0f} ms" for step in ("render", "convert", "email"))
    busy = sum(steps.get(step, 0) for step in ("render", "convert", "email"))
    threads = int(at_once.split()[0])
    print(f"{label}: {count} contracts in {took:.1f} s = {per * 1000:.0f} ms each ({at_once}); "
          f"per contract, summed over threads: {parts}, the rest (database, audit) "
          f"{max(0.0, took * threads - busy) / count * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--serial", type=int, default=50,
                        help="contracts reissued one at a time before, and as many after, for the baseline")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="the benchmark's own PostgreSQL database (emptied)")
    parser.add_argument("--service", action="store_true", help="convert through `flask conversion serve`")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="LibreOffice processes")
    parser.add_argument("--threads", type=int, default=None,
                        help="reissue in this many threads of this process [default: reissue_many's processes]")
    parser.add_argument("--reissue-processes", type=int, default=None,
                        help="reissue in this many processes of its own [default: REISSUE_PROCESSES's]")
    args = parser.parse_args()

    output = Path(tempfile.mkdtemp(prefix="countersign-reissue-"))
    env = environment(output, args.database, COUNTERSIGN_CONVERSION_POOL_SIZE=str(args.processes))
    reset_schema(args.database)
    service = None
    if args.service:
        service, url = start_service(env, args.processes, output / "service.log")
        env["COUNTERSIGN_CONVERSION_URL"] = url
    try:
        config = {k.removeprefix("COUNTERSIGN_"): v for k, v in env.items() if k.startswith("COUNTERSIGN_")}
        app = create_app({**config, "JOBS_INLINE": True, "CONVERSION_POOL_SIZE": args.processes})
        with app.app_context():
            upgrade(directory=str(ROOT / "app" / "migrations"))
        assert app.test_cli_runner().invoke(args=["trusts", "load"]).exit_code == 0
        timings = Timings()
        converter = get_converter(app)
        timed = TimedConverter(converter, timings)
        app.extensions[EXTENSION] = timed
        prepare_module.render_form = timings.wrap("render", prepare_module.render_form)
        mail_tasks.deliver = timings.wrap("email", mail_tasks.deliver)
        template = seal_one(app)
        with app.app_context():
            began = time.perf_counter()
            # Start every LibreOffice process first, so no timed run pays for a start.
            docx = db.session.get(Document, template).version.docx_file.read()
            with ThreadPoolExecutor(converter.concurrency) as warm:
                list(warm.map(lambda _: converter.convert_docx_to_pdf(docx), range(converter.concurrency)))
            serial_ids = copies(template, args.serial)
            bulk_ids = copies(template, args.count)
            after_ids = copies(template, args.serial)
            analyse(db.engine)  # not in the middle of the first contracts timed one at a time
            print(f"seeded {2 * args.serial + args.count} sealed contracts due for review in {time.perf_counter() - began:.1f} s "
                  f"(PostgreSQL; {'the conversion service' if service else 'this process’s pool'} of "
                  f"{converter.concurrency} LibreOffice processes; {os.cpu_count()} cores)")
            # The baseline runs before and after, so a change in the machine's load shows, and averages out.
            with Watch(os.getpid()) as watch:
                before, before_steps = run(serial_ids, timings, threads=1)
            report("one at a time, before", args.serial, before, before_steps, "1 at a time")
            print(watch.cpu_line(args.serial))
            if args.threads:
                parallel, at_once = {"threads": args.threads}, f"{args.threads} threads here"
            else:
                children = args.reissue_processes or default_processes()
                parallel, at_once = {"processes": children}, f"{children} processes of its own"
            timed.reset()
            with Watch(os.getpid()) as watch:
                bulk, bulk_steps = run(bulk_ids, timings, **parallel)
            report("in parallel          ", args.count, bulk, bulk_steps, at_once)
            print(f"  memory during the run, at its peak: {watch.memory}")
            print(watch.cpu_line(args.count))
            most, overlapped = timed.reset()
            print(f"  conversions at once: at most {most}; two or more at once {overlapped / bulk:.0%} of the time")
            with Watch(os.getpid()) as watch:
                after, after_steps = run(after_ids, timings, threads=1)
            report("one at a time, after ", args.serial, after, after_steps, "1 at a time")
            print(watch.cpu_line(args.serial))
        serial = (before + after) / 2
        speedup = (serial / args.serial) / (bulk / args.count)
        print(f"total for {args.count}: {bulk:.1f} s; speed-up over one at a time: {speedup:.2f}x "
              f"(one at a time, {args.count} would take {serial / args.serial * args.count:.0f} s)")
        print(rss_report("this process (the reissue) and its LibreOffice", os.getpid()))
        if service is not None:
            print(rss_report("conversion service", service.pid))
        print(f"peak RSS of this process: {psutil.Process().memory_info().rss / 2**20:.0f} MiB")
    finally:
        if service is not None:
            stop(service)
        else:
            converter = get_converter(app)
            getattr(converter, "_converter", converter).close()


if __name__ == "__main__":
    main()

"""A pool of warm LibreOffice processes converting contracts (.docx) to PDF/A-2b."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import xmlrpc.client
from pathlib import Path
from types import TracebackType
from typing import Any

from .checks import docx_problem, pdf_problem
from .errors import ConversionError
from .libreoffice import find_installation, unoserver_path
from .styles import only_used_styles
from .worker import Launch, Worker, WorkerGone, WorkerTimeout

log = logging.getLogger(__name__)


class _Generation:
    """The workers of a pool from its first conversion until close() (or a fork)."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.available = threading.Condition()
        self.launch: Launch | None = None
        self.workers: list[Worker] = []
        self.idle: list[Worker] = []
        self.closed = False


def pool_settings(config: Any) -> dict[str, Any]:
    """A pool's settings from the app's: CONVERSION_POOL_SIZE, _TIMEOUT, _MAX_PER_PROCESS, _MAX_MEMORY_MB."""
    return {
        "size": int(config.get("CONVERSION_POOL_SIZE") or 0) or None,
        "work_dir": Path(config["OUTPUT_DIR"]) / "libreoffice",
        "timeout": float(config.get("CONVERSION_TIMEOUT") or 60),
        "max_conversions": int(config.get("CONVERSION_MAX_PER_PROCESS") or 1000),
        "max_memory_mb": int(config.get("CONVERSION_MAX_MEMORY_MB") or 0) or None,
    }


class ConverterPool:
    """Keep LibreOffice processes warm and convert .docx to PDF/A-2b on whichever is free.

    Nothing starts until the first conversion; then one process per conversion running at
    once, up to `size`. A process that hangs past `timeout` or dies is replaced and the
    conversion retried once; a process is replaced after `max_conversions`, or once it has
    grown past `max_memory_mb` (unoserver and LibreOffice together). close() stops them all;
    a later conversion starts afresh.
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        work_dir: Path,
        timeout: float = 60,
        max_conversions: int = 1000,
        max_memory_mb: int | None = None,
        soffice: str | None = None,
        uno_python: str | None = None,
        start_timeout: float = 60,
    ) -> None:
        if size is not None and size < 0:
            raise ValueError("size must be positive, or None for one process per core")
        self.size = size or os.cpu_count() or 1
        self.work_dir = Path(work_dir)
        self.timeout = timeout
        self.max_conversions = max_conversions
        self.max_memory_mb = max_memory_mb
        self.start_timeout = start_timeout
        self._soffice = soffice
        self._uno_python = uno_python
        self._generation = _Generation()

    @property
    def concurrency(self) -> int:
        """How many conversions can run at once: one per LibreOffice process."""
        return self.size

    def __enter__(self) -> ConverterPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def convert_docx_to_pdf(self, docx: bytes) -> bytes:
        """Convert a .docx document to PDF/A-2b; raise ConversionError if that cannot be done."""
        generation = self._current()
        self._prepare(generation)
        if problem := docx_problem(docx):
            raise ConversionError(f"Cannot convert to PDF: {problem}.")
        docx = only_used_styles(docx)  # the same PDF, a quarter sooner: LibreOffice reads every style it is given
        failure = ""
        for attempt in (1, 2):
            worker = self._borrow(generation)
            try:
                pdf = self._convert_on(worker, docx)
                if problem := pdf_problem(pdf):
                    raise WorkerGone(problem)
                return pdf
            except (WorkerTimeout, WorkerGone) as error:
                failure = str(error)
                log.warning(
                    "LibreOffice worker %d (pid %s) failed on attempt %d: %s; restarting it",
                    worker.index, worker.pid, attempt, failure,
                )  # fmt: skip
                worker.kill()
            finally:
                self._give_back(generation, worker)
        raise ConversionError(f"LibreOffice failed to convert the document twice: {failure}.")

    def worker_pids(self) -> dict[int, int]:
        """The process (group) id of each running worker, by worker index."""
        workers = self._generation.workers
        return {w.index: w.pid for w in workers if w.pid is not None and not w.exited()}

    def close(self) -> None:
        """Stop every LibreOffice process of this pool and remove their profiles and files."""
        if self._generation.owner != os.getpid():
            self._current()  # forked: those processes belong to the parent
            return
        generation, self._generation = self._generation, _Generation()
        with generation.available:
            generation.closed = True
            generation.available.notify_all()
        stoppers = []
        for worker in generation.workers:  # in parallel: each takes a second or two
            stopper = threading.Thread(target=worker.close, name=f"stop-libreoffice-{worker.index}")
            try:
                stopper.start()
            except RuntimeError:  # Python 3.12+ starts no thread at interpreter shutdown (atexit)
                worker.close()
                continue
            stoppers.append(stopper)
        for stopper in stoppers:
            stopper.join()
        if generation.launch is not None:
            shutil.rmtree(generation.launch.folder, ignore_errors=True)

    def _current(self) -> _Generation:
        """This process's workers; after fork() the parent's processes are not ours to use."""
        if self._generation.owner != os.getpid():
            for worker in self._generation.workers:
                worker.forget()
            self._generation = _Generation()
        return self._generation

    def _prepare(self, generation: _Generation) -> None:
        """Find LibreOffice and make the workers' folder, once (raises ConversionUnavailable)."""
        with generation.available:
            if generation.launch is not None:
                return
            installation = find_installation(self._soffice, self._uno_python)
            self.work_dir.mkdir(parents=True, exist_ok=True)
            # A folder per pool and process: two LibreOffices must never share a profile.
            folder = Path(tempfile.mkdtemp(prefix=f"pool-{os.getpid()}-", dir=self.work_dir))
            generation.launch = Launch(installation, folder, unoserver_path(folder / "pythonpath"))
            generation.workers = [Worker(i, generation.launch) for i in range(self.size)]
            generation.idle = list(generation.workers)

    def _borrow(self, generation: _Generation) -> Worker:
        """Take a free worker, preferring one already running; wait while all are busy."""
        with generation.available:
            while not generation.idle and not generation.closed:
                generation.available.wait()
            if generation.closed:
                raise ConversionError("The LibreOffice pool was closed during the conversion.")
            idle = generation.idle
            running = [w for w in idle if w.started and w.conversions < self.max_conversions]
            worker = running[-1] if running else min(idle, key=lambda w: w.index)
            idle.remove(worker)
            return worker

    def _give_back(self, generation: _Generation, worker: Worker) -> None:
        with generation.available:
            generation.idle.append(worker)
            generation.available.notify()

    def _worn(self, worker: Worker) -> str | None:
        """Why a running worker is due to be replaced before its next conversion, if it is."""
        if worker.conversions >= self.max_conversions:
            return f"after {worker.conversions} conversions"
        bound = self.max_memory_mb
        if bound and self._memory_bound_applies(worker) and (resident := worker.resident_bytes() / 2**20) > bound:
            return f"at {resident:.0f} MiB after {worker.conversions} conversions"
        return None

    def _memory_bound_applies(self, worker: Worker) -> bool:
        """Whether a started worker is recycled by its memory: a bound below what LibreOffice takes to start
        would replace it before every conversion, so then only the count recycles it."""
        return bool(self.max_memory_mb) and worker.started_bytes / 2**20 < self.max_memory_mb

    def _convert_on(self, worker: Worker, docx: bytes) -> bytes:
        """Start or recycle the worker as needed, then convert on it."""
        if worker.started and (why := self._worn(worker)):
            log.info("LibreOffice worker %d recycled %s (pid %d)", worker.index, why, worker.pid)
            worker.stop()
        elif worker.started and worker.exited():
            log.warning("LibreOffice worker %d (pid %d) has died; restarting it", worker.index, worker.pid)
            worker.kill()
        if not worker.started:
            worker.start(self.start_timeout)
            if self.max_memory_mb and not self._memory_bound_applies(worker):
                log.warning(
                    "LibreOffice worker %d started at %.0f MiB, above CONVERSION_MAX_MEMORY_MB (%d): "
                    "it is recycled after CONVERSION_MAX_PER_PROCESS conversions only",
                    worker.index, worker.started_bytes / 2**20, self.max_memory_mb,
                )  # fmt: skip
        try:
            return worker.convert(docx, self.timeout)
        except xmlrpc.client.Fault as fault:
            reason = fault.faultString.split(":", 1)[-1].strip()  # "<class 'RuntimeError'>:Could not…"
            if not worker.healthy():
                raise WorkerGone(f"LibreOffice failed: {reason}") from None
            raise ConversionError(f"LibreOffice could not convert the document: {reason}") from None

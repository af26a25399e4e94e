"""One warm LibreOffice process, driven by unoserver's server under the Python that has uno."""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from unoserver.client import API_VERSION

from .fields import has_index
from .libreoffice import Installation, python_env

log = logging.getLogger(__name__)

# writer_pdf_Export's FilterData: SelectPdfVersion=2 is PDF/A-2b; UseTaggedPDF keeps headings and table
# header cells in the PDF's structure tree (PDF/A-2b alone does not promise one).
PDF_FILTER = "writer_pdf_Export"
PDF_OPTIONS = ["SelectPdfVersion=2", "UseTaggedPDF=true"]
# Without an import filter LibreOffice opens any bytes it can, e.g. as plain text.
DOCX_FILTER = "MS Word 2007 XML"

# `python -m unoserver.server`, plus a lifeline: stdin is a pipe from the pool's process, so EOF
# means that process is gone (even by SIGKILL or os._exit, which skip atexit) and the server
# kills its own process group rather than leave LibreOffice running for nobody. Its answers are not
# gzipped: over loopback, compressing each PDF costs CPU and saves nothing.
SERVER = """\
import os, signal, sys, threading, xmlrpc.server

xmlrpc.server.SimpleXMLRPCRequestHandler.encode_threshold = None

def lifeline():
    while sys.stdin.buffer.read(4096):
        pass
    os.killpg(0, signal.SIGKILL)

threading.Thread(target=lifeline, daemon=True).start()
from unoserver.server import main
sys.exit(main())
"""


class WorkerGone(Exception):
    """The worker's process died, did not start, or stopped answering."""


class FilterMissing(xmlrpc.client.Error):
    """The LibreOffice installation cannot read .docx or write PDF: no restart will mend it."""


class WorkerTimeout(Exception):
    """A conversion took longer than the pool allows."""


@dataclass(frozen=True)
class Launch:
    """What every worker of a pool needs to start: the programs and a folder of its own."""

    installation: Installation
    folder: Path  # profiles, temporary files and logs of this pool's workers
    pythonpath: Path  # holds only unoserver, for Debian's Python


class _Transport(xmlrpc.client.Transport):
    """An XML-RPC transport with a socket timeout, asking for no gzip (the server is on this host)."""

    accept_gzip_encoding = False

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class Worker:
    """A unoserver server and its LibreOffice, in a process group of their own."""

    def __init__(self, index: int, launch: Launch) -> None:
        self.index = index
        self.launch = launch
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.conversions = 0  # since the process started
        self.started_bytes = 0  # its resident memory when it first answered
        self._members: list[psutil.Process] = []  # its processes, found once it answers (looking costs a scan of all)
        self.closed = False  # its pool closed: never start again
        self._lock = threading.Lock()  # start, stop and kill, which close() may call at any time

    @property
    def pid(self) -> int | None:
        """The unoserver process id, which is also the process group id."""
        return self.process.pid if self.process else None

    @property
    def started(self) -> bool:
        return self.process is not None

    def exited(self) -> bool:
        """Whether the unoserver process has exited (its group may still need killing)."""
        if self.process is None:
            return True
        if self.process.returncode is not None:
            return True
        # WNOWAIT leaves the exited leader unreaped, so its pid cannot name a new process group
        # before kill() has signalled what remains of this one.
        try:
            status = os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return status is not None

    def start(self, timeout: float) -> None:
        """Start unoserver and LibreOffice and wait until the server answers."""
        with self._lock:
            if self.closed:
                raise WorkerGone("the pool has been closed")
            if self.process is not None:
                return
            folder = self.launch.folder
            temp = folder / f"tmp-{self.index}"
            # A killed process leaves its copy of a document behind: they are personal records.
            shutil.rmtree(temp, ignore_errors=True)
            temp.mkdir(parents=True)
            self.port, uno_port = _free_ports(2)
            command = [
                self.launch.installation.uno_python,
                "-s",
                "-c",
                SERVER,
                "--interface", "127.0.0.1",
                "--port", str(self.port),
                "--uno-interface", "127.0.0.1",
                "--uno-port", str(uno_port),
                # A plain path: unoserver turns it into the file:// URL for -env:UserInstallation.
                "--user-installation", str(folder / f"profile-{self.index}"),
                "--executable", self.launch.installation.soffice,
                "--temp-dir", str(temp),
            ]  # fmt: skip
            log_path = folder / f"worker-{self.index}.log"
            with open(log_path, "wb") as output:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,  # the lifeline; never written to
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=python_env(self.launch.pythonpath),
                    cwd=folder,
                    start_new_session=True,  # its own process group, so it can be killed whole
                )
            self.conversions = 0
            began = time.monotonic()
            deadline = began + timeout
            while True:
                if self.exited():
                    self._kill()
                    raise WorkerGone(f"unoserver exited while starting: {_tail(log_path)}")
                try:
                    self._probe(timeout=max(0.5, min(5.0, deadline - time.monotonic())))
                    break
                except FilterMissing as missing:
                    self._kill()
                    raise WorkerGone(str(missing)) from None
                except (OSError, http.client.HTTPException, xmlrpc.client.Error):
                    pass
                if time.monotonic() > deadline:
                    self._kill()
                    raise WorkerGone(f"unoserver did not answer within {timeout:g} s: {_tail(log_path)}")
                time.sleep(0.1)
            self._members = _process_tree(self.process.pid)
            self.started_bytes = self.resident_bytes()
            log.info(
                "LibreOffice worker %d started (pid %d) in %.1f s",
                self.index, self.process.pid, time.monotonic() - began,
            )  # fmt: skip

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """Convert a .docx to PDF/A-2b, raising WorkerTimeout or WorkerGone for the pool to act on.

        An xmlrpc.client.Fault means LibreOffice raised: the document or the process is at fault.
        """
        outcome: dict[str, Any] = {}
        update_indexes = has_index(docx)

        def call() -> None:
            # unoserver's own client asks the server for its filters before every conversion; the
            # worker checked them when it started (_probe), so this is the one request.
            try:
                with self._proxy(timeout + 5) as proxy:  # the thread's wait below times out first
                    result = proxy.convert(None, xmlrpc.client.Binary(docx), None, "pdf", PDF_FILTER,
                                           PDF_OPTIONS, update_indexes, DOCX_FILTER, None)
                outcome["pdf"] = result.data if isinstance(result, xmlrpc.client.Binary) else b""
            except BaseException as error:  # handed to the calling thread
                outcome["error"] = error

        # Killing the process group ends a hung call in this thread.
        thread = threading.Thread(target=call, name=f"libreoffice-{self.index}", daemon=True)
        self.conversions += 1
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise WorkerTimeout(f"the conversion took longer than {timeout:g} s")
        error = outcome.get("error")
        if isinstance(error, (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError)):
            raise WorkerGone(f"lost the connection to unoserver: {error!r}") from error
        if error is not None:
            raise error
        return outcome["pdf"]

    def resident_bytes(self) -> int:
        """The resident memory of the worker's processes (unoserver and the LibreOffice under it); 0 if none."""
        total = 0
        for member in self._members:
            try:
                total += member.memory_info().rss
            except psutil.Error:  # it has ended
                continue
        return total

    def healthy(self) -> bool:
        """Whether the process runs and LibreOffice answers through it."""
        if self.exited():
            return False
        try:
            self._probe(timeout=5)
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            return False
        return True

    def stop(self, grace: float = 10) -> None:
        """Ask unoserver to close LibreOffice, then kill whatever is left."""
        with self._lock:
            if self.process is None:
                return
            if not self.exited():
                # Only the leader: unoserver passes SIGTERM on to LibreOffice, whose launcher then
                # reaps soffice.bin. Signalling the whole group leaves the launcher waiting.
                self.process.terminate()
                deadline = time.monotonic() + grace
                while not self.exited() and time.monotonic() < deadline:
                    time.sleep(0.05)
            self._kill()

    def close(self) -> None:
        """Stop for good: the pool is closing."""
        self.closed = True
        self.stop()

    def kill(self) -> None:
        """Kill the whole process group at once (a hung LibreOffice ignores SIGTERM)."""
        with self._lock:
            self._kill()

    def _kill(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()
        self.process = None
        self._members = []

    def forget(self) -> None:
        """Drop a forked copy of the parent's lifeline, leaving the parent's process alone."""
        if self.process is not None and self.process.stdin:
            self.process.stdin.close()
        self.process = None
        self._members = []

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}", transport=_Transport(timeout),
                                         allow_none=True)

    def _probe(self, timeout: float) -> None:
        """Ask the server what it is: unoserver's API this client speaks, with the filters a conversion names."""
        with self._proxy(timeout) as proxy:
            info = proxy.info()
        if info.get("api") != API_VERSION:
            raise xmlrpc.client.Error(f"unoserver API {info.get('api')}, expected {API_VERSION}")
        for name, filters in ((DOCX_FILTER, "import_filters"), (PDF_FILTER, "export_filters")):
            if name not in info.get(filters, {}):
                raise FilterMissing(f"this LibreOffice has no {name!r} filter (in {filters})")


def _process_tree(pid: int) -> list[psutil.Process]:
    """A process and every process under it, as they are now."""
    try:
        leader = psutil.Process(pid)
        return [leader, *leader.children(recursive=True)]
    except psutil.Error:
        return []


def _free_ports(count: int) -> list[int]:
    """Ask the kernel for distinct free ports (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _tail(path: Path, lines: int = 5) -> str:
    """The last lines of a worker's log (unoserver logs file names, never content)."""
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"

"""The host's conversion service: one pool of LibreOffice processes behind one local address.

Every web and worker process on a host converts through it (CONVERSION_URL), so LibreOffice's
memory is bounded by the service's size, not by the number of processes. It is XML-RPC over
HTTP in front of ConverterPool, so restarts, recycling and timeouts work as in-process.
"""

from __future__ import annotations

import logging
import signal
import socketserver
import threading
import time
import xmlrpc.client
from types import FrameType
from typing import TYPE_CHECKING, Any
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from .errors import ConversionError, ConversionUnavailable
from .pool import ConverterPool

if TYPE_CHECKING:
    from . import Converter

log = logging.getLogger(__name__)

# Fault codes the client maps back to the same exceptions.
CONVERSION_ERROR = 1
CONVERSION_UNAVAILABLE = 2
PATH = "/RPC2"
# A 25 MB upload limit on the app, base64-encoded in XML, with room for the envelope.
MAX_REQUEST_BYTES = 40 * 1024 * 1024


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = (PATH,)
    # Clients are on this host: gzipping each PDF would cost both sides CPU and save nothing.
    encode_threshold = None

    def do_POST(self) -> None:  # noqa: N802
        if int(self.headers.get("Content-Length") or 0) > MAX_REQUEST_BYTES:
            self.send_error(413, "document too large")
            return
        super().do_POST()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # conversions are logged by the service itself, without content


class ConversionServer(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    """Serve convert() and info() on a thread per call; the pool lets `size` convert at once.

    The pool may be any converter in this process: a bulk reissue serves its own pool to the
    processes it starts.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, pool: Converter, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), requestHandler=_Handler, allow_none=True, logRequests=False)
        self.pool = pool
        self.register_function(self.convert, "convert")
        self.register_function(self.info, "info")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def convert(self, docx: xmlrpc.client.Binary) -> xmlrpc.client.Binary:
        """Convert a .docx to PDF/A-2b on whichever LibreOffice process is free."""
        began = time.monotonic()
        try:
            pdf = self.pool.convert_docx_to_pdf(docx.data)
        except ConversionUnavailable as error:
            raise xmlrpc.client.Fault(CONVERSION_UNAVAILABLE, str(error)) from None
        except ConversionError as error:
            log.warning("conversion failed after %.2f s: %s", time.monotonic() - began, error)
            raise xmlrpc.client.Fault(CONVERSION_ERROR, str(error)) from None
        log.info("converted %d bytes to %d in %.2f s", len(docx.data), len(pdf), time.monotonic() - began)
        return xmlrpc.client.Binary(pdf)

    def info(self) -> dict[str, Any]:
        """The service's size and its LibreOffice process ids (for health checks)."""
        pids = self.pool.worker_pids() if isinstance(self.pool, ConverterPool) else {}
        return {"processes": self.pool.concurrency, "pids": {str(k): v for k, v in pids.items()}}


def serve(pool: ConverterPool, host: str, port: int, ready: threading.Event | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then stop every LibreOffice process of the pool."""
    server = ConversionServer(pool, host, port)

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    log.info("conversion service on %s with %d LibreOffice processes", server.url, pool.size)
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        pool.close()

"""The client of the host's conversion service, used in place of a pool when CONVERSION_URL is set."""

from __future__ import annotations

import http.client
import socket
import xmlrpc.client
from typing import Any

from .checks import docx_problem, pdf_problem
from .errors import ConversionError, ConversionUnavailable
from .service import CONVERSION_UNAVAILABLE, PATH

# Beyond the conversion timeout the service may start LibreOffice and try a second time.
START_ALLOWANCE = 60


class _Transport(xmlrpc.client.Transport):
    accept_gzip_encoding = False  # the service is on this host (or its network): gzip costs more than it saves

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class RemoteConverter:
    """Convert .docx to PDF/A-2b on the host's conversion service; this process starts no LibreOffice."""

    def __init__(self, url: str, timeout: float = 60, start_allowance: float = START_ALLOWANCE) -> None:
        self.url = url.rstrip("/")
        # The service retries once after a hung or dead process, and may start one first.
        self.timeout = 2 * timeout + start_allowance

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(self.url + PATH, transport=_Transport(timeout), allow_none=True)

    def convert_docx_to_pdf(self, docx: bytes) -> bytes:
        """Convert a .docx document to PDF/A-2b; raise ConversionError if that cannot be done."""
        if problem := docx_problem(docx):
            raise ConversionError(f"Cannot convert to PDF: {problem}.")
        result = self._call("convert", xmlrpc.client.Binary(docx), timeout=self.timeout)
        pdf = result.data if isinstance(result, xmlrpc.client.Binary) else b""
        if problem := pdf_problem(pdf):
            raise ConversionError(f"The conversion service at {self.url} returned a bad PDF: {problem}.")
        return pdf

    @property
    def concurrency(self) -> int:
        """How many conversions the service runs at once (its LibreOffice processes)."""
        return int(self.info()["processes"])

    def info(self) -> dict[str, Any]:
        """The service's size and the process ids of its LibreOffice processes."""
        return self._call("info", timeout=10)

    def _call(self, method: str, *args: Any, timeout: float) -> Any:
        try:
            with self._proxy(timeout) as proxy:
                return getattr(proxy, method)(*args)
        except xmlrpc.client.Fault as fault:
            if fault.faultCode == CONVERSION_UNAVAILABLE:
                raise ConversionUnavailable(fault.faultString) from None
            raise ConversionError(fault.faultString) from None
        except TimeoutError:
            raise ConversionError(
                f"The conversion service at {self.url} did not answer within {timeout:g} s."
            ) from None
        except (ConnectionError, socket.gaierror) as error:
            raise ConversionUnavailable(
                f"The conversion service at {self.url} is not reachable ({error.strerror or error}): "
                "start it with `flask conversion serve`."
            ) from None
        except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as error:
            raise ConversionError(f"The conversion service at {self.url} failed: {error}") from None

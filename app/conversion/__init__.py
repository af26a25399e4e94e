"""Contracts (.docx) to PDF/A-2b by warm LibreOffice processes (via unoserver).

In this process's own pool by default; through the host's conversion service when CONVERSION_URL is set.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, Any, Protocol

from .cli import conversion_cli
from .errors import ConversionError, ConversionUnavailable
from .pool import ConverterPool, pool_settings
from .remote import RemoteConverter

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "ConversionError",
    "ConversionUnavailable",
    "Converter",
    "ConverterPool",
    "RemoteConverter",
    "get_converter",
    "init_app",
    "pool_for",
]

EXTENSION = "countersign.converter"

# Apps built with the same settings in one process share a pool: LibreOffice processes are a
# per-process resource, and the test suite builds an app per test.
_pools: dict[tuple[object, ...], ConverterPool] = {}
_pools_lock = threading.Lock()


class Converter(Protocol):
    """What the app converts with: a pool in this process or the host's service."""

    @property
    def concurrency(self) -> int:
        """How many conversions can run at once."""
        ...

    def convert_docx_to_pdf(self, docx: bytes) -> bytes:
        """Convert a .docx document to PDF/A-2b, or raise ConversionError."""
        ...


def pool_for(config: Any) -> ConverterPool:
    """The process's lazily starting pool for these settings; nothing starts until a conversion."""
    settings = pool_settings(config)
    key = tuple(sorted((name, str(value)) for name, value in settings.items()))
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = ConverterPool(**settings)
            _pools[key] = pool
            atexit.register(pool.close)
    return pool


def init_app(app: Flask) -> None:
    """Attach the converter: the host's service when CONVERSION_URL is set, else a pool here."""
    url = app.config.get("CONVERSION_URL")
    if url:
        converter: Converter = RemoteConverter(url, float(app.config.get("CONVERSION_TIMEOUT") or 60))
    else:
        converter = pool_for(app.config)
    app.extensions[EXTENSION] = converter
    app.cli.add_command(conversion_cli)


def get_converter(app: Flask) -> Converter:
    """The app's converter."""
    return app.extensions[EXTENSION]

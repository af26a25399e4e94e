"""Contracts (.docx) to PDF/A-2b by a pool of warm LibreOffice processes (via unoserver)."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConversionError, ConversionUnavailable
from .pool import ConverterPool

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["ConversionError", "ConversionUnavailable", "ConverterPool", "get_converter", "init_app"]

EXTENSION = "countersign.converter"

# Apps built with the same settings in one process share a pool: LibreOffice processes are a
# per-process resource, and the test suite builds an app per test.
_pools: dict[tuple[object, ...], ConverterPool] = {}
_pools_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Attach a lazily starting converter pool to the app; nothing starts until a conversion."""
    settings = (
        str(Path(app.config["OUTPUT_DIR"]) / "libreoffice"),
        int(app.config.get("CONVERSION_POOL_SIZE") or 0) or None,
        float(app.config.get("CONVERSION_TIMEOUT") or 60),
        int(app.config.get("CONVERSION_MAX_PER_PROCESS") or 200),
    )
    with _pools_lock:
        pool = _pools.get(settings)
        if pool is None:
            work_dir, size, timeout, max_conversions = settings
            pool = ConverterPool(
                size, work_dir=Path(work_dir), timeout=timeout, max_conversions=max_conversions
            )
            _pools[settings] = pool
            atexit.register(pool.close)
    app.extensions[EXTENSION] = pool


def get_converter(app: Flask) -> ConverterPool:
    """The app's converter pool."""
    return app.extensions[EXTENSION]

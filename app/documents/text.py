"""The text of a version, from the same render as its PDF: made once when the version is prepared.

A version prepared before its text was kept is converted on first view and held in this process,
keyed by the Word file's SHA-256 (a GET writes nothing).
"""

from __future__ import annotations

import logging
import threading
import zipfile
from collections import OrderedDict

from ..rendering import RenderError
from ..trusts.forms import form_text
from .models import DocumentVersion
from .records import form_of

log = logging.getLogger(__name__)
CACHED = 64  # texts held in memory; a contract's is a few kilobytes
_cache: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def text_of(form: bytes, docx: bytes, reference: str) -> str | None:
    """Return a document filled from a form as sanitised HTML, or None (logged) if it cannot be read."""
    try:
        return form_text(form, docx)
    except (RenderError, zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:  # a damaged file, or the child's limits
        log.warning("the text of %s could not be made: %s", reference, type(exc).__name__)
        return None


def version_text(version: DocumentVersion) -> str | None:
    """Return the version's text as sanitised HTML, or None if there is none to show."""
    stored = version.text_file or version.docx_file
    if stored is None:
        return None
    with _lock:
        if stored.sha256 in _cache:
            _cache.move_to_end(stored.sha256)
            return _cache[stored.sha256]
    if version.text_file is not None:
        text: str | None = version.text_file.read().decode("utf-8")
    else:
        text = text_of(form_of(version.document).data, stored.read(), version.document.reference)
    if text is not None:
        with _lock:
            _cache[stored.sha256] = text
            while len(_cache) > CACHED:
                _cache.popitem(last=False)
    return text

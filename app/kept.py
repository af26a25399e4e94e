"""Pages, or parts of pages, one process rendered and serves again while nothing they show has changed.

Each is kept with a stamp read before it was rendered (the audit log's newest event, say: every
change to what these pages show is recorded there in the same transaction). A later request reads
the stamp again and serves the kept copy only when it is the same; otherwise it renders afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, MutableMapping
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Kept(Generic[Value]):
    """What one process rendered, by key, each with the stamp it is valid for; safe across threads."""

    def __init__(self, store: MutableMapping[Hashable, tuple[Hashable, Value]]):
        self._store = store  # a bounded cachetools mapping (LRU, TTL) decides what is forgotten
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable) -> Value | None:
        """Return what was kept under key if it was kept for this stamp."""
        with self._lock:
            kept = self._store.get(key)
        return kept[1] if kept is not None and kept[0] == stamp else None

    def put(self, key: Hashable, stamp: Hashable, value: Value) -> None:
        with self._lock:
            self._store[key] = (stamp, value)

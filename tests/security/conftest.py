"""Report how much the standing bad-input suite tried, in every run's output."""

from __future__ import annotations

from collections import Counter
from typing import Any

TRIED: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TRIED:
        parts = ", ".join(f"{n} {what}" for what, n in sorted(TRIED.items()))
        terminalreporter.write_line(f"standing bad-input suite tried: {parts}")

"""What the check reports: a problem with a Word form, where it is and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("syntax", "unknown_variable", "missing_required", "split_tag", "unsafe", "unreadable")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a Word form, where it is and what to do about it."""

    kind: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

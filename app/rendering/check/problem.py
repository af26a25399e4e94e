"""What the check reports: a problem with a Word form, where it is and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass

# "limit": the form asks for more time or memory than a form may (see app/rendering/sandbox.py).
KINDS = (
    "syntax",
    "unknown_variable",
    "missing_required",
    "split_tag",
    "unsafe",
    "unreadable",
    "limit",
    "no_heading",
)
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a Word form, where it is and what to do about it."""

    kind: str
    location: str
    message: str
    # A warning is worth fixing but does not stop the form being installed or filled in.
    severity: str = "error"

    def __str__(self) -> str:
        if self.severity == "warning":
            return f"{self.location}: warning: {self.message}"
        return f"{self.location}: {self.message}"

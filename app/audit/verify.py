"""Verify the audit log: the hash chain against itself and every checkpoint, as of one moment."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import snapshot
from .checkpoints import check_checkpoints
from .log import verify_chain


@dataclass(frozen=True)
class Verification:
    rows: int  # rows checked (up to the first break)
    checkpoints: int
    problems: list[str]  # each in words for whoever checks; empty when the log is intact


def verify() -> Verification:
    """Check the chain and the checkpoints in one snapshot, so appends made meanwhile are not breaks."""
    with snapshot():
        checked, broken = verify_chain()
        points, found = check_checkpoints()
    problems = [problem.problem for problem in found]
    if broken is not None:
        where = f"row {broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
        problems.insert(0, f"audit log broken at {where}: {broken.problem}; {checked} rows before it are intact")
    return Verification(checked, points, problems)

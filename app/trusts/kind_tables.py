"""Check a profile's table of per-kind tables ([wording.<kind>], [retention.<kind>]): one rule for their shape.

Its own module because profiles.py imports wording.py: both import this, neither the other.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from ..kinds import KINDS

# Check one kind's table, given its field (e.g. "retention.record"): (field, why) for each bad entry.
EntryCheck = Callable[[str, dict[str, Any]], list[tuple[str, str]]]


def kind_tables_problems(
    section: str,
    tables: Any,
    *,
    keys: Collection[str],
    shape: str,
    check: EntryCheck,
    besides: Collection[str] = (),
) -> list[tuple[str, str]]:
    """Return (field, why) for each bad entry of a profile's [<section>] table of kind = table.

    Each kind must be one Countersign knows and its value a table (else it "must be <shape>");
    check then names what is wrong inside it, and a key outside keys is named last. Keys in
    besides are the section's own settings, not kinds: the caller checks them.
    """
    if not isinstance(tables, dict):
        return [(f"[{section}]", "must be a table of kinds")]
    problems: list[tuple[str, str]] = []
    for kind_name, table in tables.items():
        if kind_name in besides:
            continue
        where = f"{section}.{kind_name}"
        if kind_name not in KINDS:
            problems.append((where, f"unknown kind (known: {', '.join(KINDS)})"))
            continue
        if not isinstance(table, dict):
            problems.append((where, f"must be {shape}"))
            continue
        problems += check(where, table)
        unknown = set(table) - set(keys)
        if unknown:
            problems.append((where, f"unknown keys {', '.join(sorted(unknown))}"))
    return problems

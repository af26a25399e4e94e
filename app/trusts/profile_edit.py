"""Change a trust's profile from its settings pages: the rules of `flask trusts install`, one audited save."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .. import audit
from ..audit import EventType
from ..db import transaction
from ..extensions import db
from .models import Trust
from .profiles import profile_problems

# The tables whose changes are named by their keys, and how deep (defaults.venue, wording.contract.name).
NAMED_BY_KEY = {"defaults": 1, "terms": 1, "reminders": 1, "record": 1, "wording": 2}


class ProfileInvalid(Exception):
    """A changed profile breaks the profile rules; problems maps each field to why, and nothing was saved."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def changed_fields(old: dict[str, Any], new: dict[str, Any], prefix: str = "", depth: int = 0) -> list[str]:
    """Return the profile fields that differ: keys of the tables in NAMED_BY_KEY, else whole entries."""
    changed = []
    for key in [*old, *(k for k in new if k not in old)]:
        where = f"{prefix}.{key}" if prefix else str(key)
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        deeper = depth if prefix else NAMED_BY_KEY.get(str(key), 0)
        if deeper and isinstance(before, dict | None) and isinstance(after, dict | None):
            changed += changed_fields(before or {}, after or {}, where, deeper - 1)  # a table added or removed too
        else:
            changed.append(where)
    return changed


def change_profile(trust: Trust, profile: dict[str, Any], *, templates_dir: Path, actor: str,
                   ip: str | None = None, user_agent: str | None = None) -> list[str]:
    """Save a trust's changed profile if it passes every profile rule; return (and audit) which fields changed.

    The audit event names the changed fields, with old and new values of the numbers and terms
    the trust's documents default to; wording and help text are named, not copied.
    """
    profile = copy.deepcopy(profile)
    if profile.get("slug") != trust.slug:
        raise ProfileInvalid({"slug": "a trust's slug cannot be changed here"})
    problems = profile_problems(profile, templates_dir)
    if problems:
        raise ProfileInvalid(problems)
    with transaction():
        db.session.refresh(trust, with_for_update=True)  # two admins saving at once: one after the other
        changed = changed_fields(trust.profile, profile)
        if not changed:
            return []
        old_defaults, new_defaults = trust.profile.get("defaults", {}), profile["defaults"]
        keys = [f.removeprefix("defaults.") for f in changed if f.startswith("defaults.")]
        values = {key: [old_defaults.get(key), new_defaults.get(key)] for key in keys}
        trust.profile = profile
        audit.record(EventType.PROFILE_CHANGED, actor=actor, ip=ip, user_agent=user_agent,
                     details={"trust": trust.slug, "changed": changed, "defaults": values})
    return changed

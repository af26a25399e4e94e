"""A trust's profile as documents of one of its schools see it: the school's own defaults over the trust's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..kinds import school_key
from .models import School, Trust


def school_defaults(trust: Trust) -> dict[str, dict[str, Any]]:
    """Return each active school's overrides, by case-folded name, as resolve_fields reads them."""
    schools = db.session.scalars(select(School).where(School.trust_id == trust.id, School.active.is_(True)))
    return {school_key(s.name): dict(s.overrides) for s in schools if s.overrides}


def profile_for(trust: Trust, school: str | None = None) -> dict[str, Any]:
    """Return the trust's profile carrying its schools' defaults (resolve_fields applies the document's school's).

    Given a school, its defaults are also merged over the trust's, for pages that show them.
    """
    overrides = school_defaults(trust)
    profile = {**trust.profile, "school_defaults": overrides}
    mine = overrides.get(school_key(school or ""))
    if mine:
        profile["defaults"] = {**trust.profile["defaults"], **mine}
    return profile

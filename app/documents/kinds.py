"""Document kinds: the fields each takes, who must agree it, and what its template receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from ..trusts.profiles import TEXT_DEFAULTS


class FieldError(Exception):
    """Fields given for a document are unknown or invalid; problems lists each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    roles: tuple[str, ...]  # each role must agree, in this order
    term_fields: tuple[str, ...]  # text terms defaulting from the trust profile
    date_fields: tuple[str, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return (*self.date_fields, *self.term_fields)

    def resolve_fields(
        self, given: dict[str, str], defaults: dict[str, Any], today: date
    ) -> dict[str, Any]:
        """Merge what the author gave over the trust defaults; raise FieldError for bad input."""
        problems = [
            f"unknown field {name!r} (known: {', '.join(self.field_names)})"
            for name in given
            if name not in self.field_names
        ]
        terms: dict[str, str] = {}
        for name in self.term_fields:
            value = given.get(name, defaults.get(name, ""))
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{name}: must not be empty")
            else:
                terms[name] = value.strip()
        dates: dict[str, date] = {}
        for name in self.date_fields:
            if name in given:
                try:
                    dates[name] = date.fromisoformat(str(given[name]).strip())
                except ValueError:
                    problems.append(f"{name}: not a date (use YYYY-MM-DD)")
        if problems:
            raise FieldError(problems)
        agreed = dates.get("agreed_date", today)
        review = dates.get(
            "review_date", agreed + relativedelta(months=int(defaults["review_period_months"]))
        )
        if review <= agreed:
            raise FieldError(["review_date: must be after agreed_date"])
        return {"agreed_date": agreed.isoformat(), "review_date": review.isoformat(), "terms": terms}


CONTRACT = Kind(
    name="contract",
    title="Supervision contract",
    roles=("supervisor", "supervisee"),
    term_fields=TEXT_DEFAULTS,
    date_fields=("agreed_date", "review_date"),
)

KINDS = {CONTRACT.name: CONTRACT}


def kind(name: str) -> Kind:
    """Return the kind called name."""
    try:
        return KINDS[name]
    except KeyError:
        raise FieldError([f"unknown document kind {name!r}"]) from None

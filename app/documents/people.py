"""Who takes part in a document and where an action came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..kinds import FieldError

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Request:
    """Where an action came from, for the audit log."""

    ip: str | None = None
    user_agent: str | None = None


def parse_person(text: str) -> Person:
    """Parse 'Name <email>'; raise FieldError when it is not that."""
    match = re.fullmatch(r"\s*(.+?)\s*<\s*([^<>\s]+)\s*>\s*", text)
    if not match or not EMAIL.match(match.group(2)):
        raise FieldError([f"{text!r} is not of the form 'Full Name <email@example.org>'"])
    return Person(match.group(1), match.group(2).lower())


def pair_key(supervisor: Person | None, supervisees: list[Person]) -> str:
    """Return who supervises whom, so a pair's records, agendas and actions belong together."""
    lead = supervisor.email if supervisor else ""
    return f"{lead}|{','.join(sorted(p.email for p in supervisees))}"


def party_label(name: str, email: str) -> str:
    """Return how a person is named as the actor of an audit event."""
    return f"{name} <{email}>"

"""Who takes part in a document and where an action came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from ..inputs import InputInvalid, clean_line, problem
from ..kinds import FieldError

MAX_NAME = 200
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
PERSON = re.compile(r"\s*(.+?)\s*<\s*([^<>\s]+)\s*>\s*")


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


def email_address(text: str, field: str = "email") -> str:
    """Return an email address as it is stored (normalised, lower case); raise InputInvalid naming field."""
    text = clean_line(text, field, max_length=MAX_EMAIL)
    try:
        # No SMTPUTF8: an address the mail server could never take is refused now, not after six tries.
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InputInvalid(field, f"is not an email address ({exc})") from None
    # Lower case: every lookup (sign-in, resend, who supervises whom) matches addresses that way.
    return valid.normalized.lower()


def person_name(text: str, field: str = "name") -> str:
    """Return a person's name: one line, no control characters, not empty; raise InputInvalid naming field.

    Any other character is kept as typed ('<' and '&' too: every page and form escapes them).
    """
    name = clean_line(text, field, max_length=MAX_NAME)
    if not name:
        raise InputInvalid(field, "must not be empty")
    return name


def checked_person(person: Person, field: str = "person") -> Person:
    """Return the person with name and address validated and normalised; raise FieldError naming field."""
    try:
        return Person(person_name(person.name), email_address(person.email, "email address"))
    except InputInvalid as exc:
        raise FieldError([f"{field}: the {exc.field} {exc.message}"]) from None


def parse_person(text: str, field: str = "person") -> Person:
    """Parse 'Name <email>'; raise FieldError naming field when it is not that or either part is invalid."""
    found = problem(text, multiline=False) if isinstance(text, str) else "must be text"
    if found:
        raise FieldError([f"{field}: the entry {found}"])
    match = PERSON.fullmatch(text)
    if not match:
        raise FieldError([f"{field}: {text!r} is not of the form 'Full Name <email@example.org>'"])
    return checked_person(Person(match.group(1), match.group(2)), field)


def pair_key(supervisor: Person | None, supervisees: list[Person]) -> str:
    """Return who supervises whom, so a pair's records, agendas and actions belong together."""
    lead = supervisor.email if supervisor else ""
    return f"{lead}|{','.join(sorted(p.email for p in supervisees))}"


def party_label(name: str, email: str) -> str:
    """Return how a person is named as the actor of an audit event."""
    return f"{name} <{email}>"

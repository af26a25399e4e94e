"""The API's request and response bodies as pydantic models: they validate requests and, through
their JSON Schemas, make the OpenAPI description (openapi.py), so both are written once."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..documents.states import State
from ..kinds import KINDS

KindName = StrEnum("KindName", {name.replace("-", "_").upper(): name for name in KINDS})  # type: ignore[misc]
KindName.__doc__ = "A kind of document."


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(Strict):
    """Someone who takes part, as a name and email address."""

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320, pattern=r"^[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+$")


# As on the create page: "Full Name <email@example.org>".
PersonText = Annotated[str, Field(max_length=600, pattern=r"^\s*[^<>\s][^<>]*<\s*[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+\s*>\s*$")]
PersonGiven = PersonIn | PersonText


class CreateDocument(Strict):
    """A document to create from the trust's defaults, with the same fields as the create page."""

    kind: KindName  # type: ignore[valid-type]
    supervisor: PersonGiven | None = None
    supervisees: list[PersonGiven] = Field(min_length=1, max_length=50)
    fields: dict[str, Any] = Field(
        default_factory=dict, description="The kind's fields and any of the trust's terms to override "
        "(see `flask kinds show KIND`)")
    author: PersonGiven | None = Field(None, description="Who is told of change requests; the supervisor by default")


class DocumentFilters(Strict):
    """Filters for a list of documents, newest first."""

    kind: KindName | None = None  # type: ignore[valid-type]
    state: State | None = None
    school: str | None = Field(None, max_length=200)
    person: str | None = Field(None, max_length=320, description="Part of a party's name or email")
    q: str | None = Field(None, max_length=200, description="Part of the title")
    created_from: date | None = Field(None, alias="from")
    created_to: date | None = Field(None, alias="to")
    before: int | None = Field(None, ge=1, le=2**31 - 1, description="Only documents with a smaller id (next page)")
    limit: int = Field(100, ge=1, le=500)


class DueFilters(Strict):
    within: int = Field(60, ge=0, le=3660, description="Days ahead to look for review dates")


class Person(BaseModel):
    name: str
    email: str


class PartyOut(BaseModel):
    id: int
    role: str
    name: str
    email: str
    status: str = Field(description="Where the party stands on the current version, in words")
    decision: Literal["agreed", "changes_requested"] | None
    answered_at: datetime | None
    link_sent_at: datetime | None
    link_first_viewed_at: datetime | None
    link_expires_at: datetime | None


class VersionOut(BaseModel):
    number: int
    note: str | None
    created_at: datetime
    sent_at: datetime | None
    sealed_at: datetime | None
    superseded_at: datetime | None
    fields: dict[str, Any]


class EventOut(BaseModel):
    seq: int
    type: str
    at: datetime
    actor: str
    details: dict[str, Any]


class DocumentSummary(BaseModel):
    id: int
    reference: str
    kind: str
    title: str
    state: State
    school: str
    current_version: int
    created_at: datetime
    updated_at: datetime


class DocumentOut(DocumentSummary):
    author: Person
    previous_document_id: int | None
    sealed: bool = Field(description="Whether /sealed.pdf has a sealed record to give")
    parties: list[PartyOut]
    versions: list[VersionOut]
    events: list[EventOut]


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    next_before: int | None = Field(description="Pass as `before` for the next page; null on the last")


class DueContract(DocumentSummary):
    review_date: date


class DueList(BaseModel):
    contracts: list[DueContract]


class ResentLink(BaseModel):
    document_id: int
    party_id: int
    expires_at: datetime


class FieldProblem(BaseModel):
    pointer: str = Field(description="JSON Pointer into the request (`#/fields/review_date`), or `#` for the whole")
    detail: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None

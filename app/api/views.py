"""The API's operations: each parses (spec.operation), calls one operation the staff pages use too, and answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app, g, jsonify, url_for
from sqlalchemy import select

from ..documents.create import create_document
from ..documents.download import download
from ..documents.links import resend_link
from ..documents.models import Document
from ..documents.people import Person, email_address, parse_person, person_name
from ..documents.queries import Search, search
from ..documents.records import NotAllowed
from ..extensions import db
from ..inputs import InputInvalid
from ..kinds import FieldError, kind, resolve_fields
from ..reviews.due import contracts_due
from ..reviews.reissue import reissue
from .auth import caller
from .models import Scope
from .present import body, detail, due, summary
from .problems import ApiProblem, from_field_error
from .schemas import (
    CreateDocument,
    DocumentFilters,
    DocumentList,
    DocumentOut,
    DueFilters,
    DueList,
    PersonIn,
    ResentLink,
)
from .spec import PDF, bp, openapi_document, operation


def _document(document_id: int) -> Document:
    """Return a document of the calling key's trust; another trust's is simply not found."""
    document = db.session.scalar(
        select(Document).where(Document.id == document_id, Document.trust_id == g.api_key.trust_id)
    )
    if document is None:
        raise ApiProblem(404, f"There is no document {document_id} for this trust.")
    g.api_document_id = document.id
    return document


def _person(given: PersonIn | str, pointer: str, problems: list[tuple[str, str]]) -> Person | None:
    if isinstance(given, str):
        try:
            return parse_person(given)
        except FieldError:
            problems.append((pointer, "write the person as Full Name <email@example.org>"))
            return None
    name = email = None
    try:
        name = person_name(given.name)
    except InputInvalid as exc:
        problems.append((f"{pointer}/name", f"the name {exc.message}" if given.name.strip() else "give the person's full name"))
    try:
        email = email_address(given.email)
    except InputInvalid:
        problems.append((f"{pointer}/email", "not an email address"))
    return Person(name, email) if name and email else None


def _created(document: Document, status: int = 201) -> tuple[Response, int, dict[str, str]]:
    db.session.expire_all()  # the jobs that ran after commit (in-process) moved it on
    fresh = db.session.get(Document, document.id)
    assert fresh is not None
    return jsonify(body(detail(fresh))), status, {"Location": url_for("api.get_document", document_id=fresh.id)}


@operation("POST", "/documents", summary="Create a document from the trust's defaults and send it",
           scope=Scope.WRITE, body=CreateDocument,
           responses={201: ("The document, created and on its way to each party", DocumentOut)})
def create(body: CreateDocument) -> Any:
    """Create any kind with the create page's fields, validation and errors."""
    trust = g.api_key.trust
    spec = kind(body.kind.value)
    problems: list[tuple[str, str]] = []
    supervisor = _person(body.supervisor, "#/supervisor", problems) if body.supervisor is not None else None
    supervisees = [p for i, given in enumerate(body.supervisees)
                   if (p := _person(given, f"#/supervisees/{i}", problems)) is not None]
    author = _person(body.author, "#/author", problems) if body.author is not None else None
    try:
        resolve_fields(spec, body.fields, trust.profile, date.today())  # every field problem at once, as the page
    except FieldError as exc:
        problems += from_field_error(exc).errors or []
    if problems:
        raise ApiProblem(422, "Some fields are missing or invalid; each is named in errors.", problems)
    try:
        document = create_document(trust_slug=trust.slug, kind_name=spec.name, supervisor=supervisor,
                                   supervisees=supervisees, fields=body.fields, author=author)
    except FieldError as exc:
        raise from_field_error(exc) from None
    g.api_document_id = document.id
    return _created(document)


@operation("GET", "/documents", summary="List the trust's documents, newest first, with filters",
           scope=Scope.READ, query=DocumentFilters, responses={200: ("Matching documents", DocumentList)})
def list_documents(query: DocumentFilters) -> Any:
    """List and filter documents with the staff pages' search."""
    filters = Search(kind=query.kind.value if query.kind else "", state=query.state.value if query.state else "",
                     school=query.school or "", person=(query.person or "").strip().lower(),
                     text=(query.q or "").strip(), created_from=query.created_from, created_to=query.created_to)
    visible = select(Document).where(Document.trust_id == g.api_key.trust_id)
    if query.before is not None:
        visible = visible.where(Document.id < query.before)
    found = search(visible, filters, limit=query.limit + 1)
    page = found[: query.limit]
    next_before = page[-1].id if len(found) > query.limit else None
    return jsonify(body(DocumentList(documents=[summary(d) for d in page], next_before=next_before)))


@operation("GET", "/documents/{document_id}", summary="A document: state, parties, versions and events",
           scope=Scope.READ, responses={200: ("The document", DocumentOut)})
def get_document(document_id: int) -> Any:
    """Return one document in full."""
    return jsonify(body(detail(_document(document_id))))


@operation("GET", "/documents/{document_id}/sealed.pdf", summary="Download the sealed PDF (logged)",
           scope=Scope.READ,
           responses={200: ("The sealed record", PDF), 409: ("The document is not sealed", None)})
def sealed_pdf(document_id: int) -> Any:
    """Hand over the sealed record of the current version, logging who took it."""
    document = _document(document_id)
    version = document.version
    if version.sealed_file is None:
        raise ApiProblem(409, f"{document.reference} is {document.state.value}: it has no sealed record yet.")
    data = download(version, version.sealed_file, actor=g.api_key.name, request=caller(), via="api",
                    key=g.api_key.prefix)
    return Response(data, mimetype=PDF, headers={
        "Content-Disposition": f'attachment; filename="{document.reference}-v{version.number}-sealed.pdf"'})


@operation("GET", "/reviews/due", summary="Sealed contracts due for their annual review", scope=Scope.READ,
           query=DueFilters, responses={200: ("Contracts due, soonest first", DueList)})
def reviews_due(query: DueFilters) -> Any:
    """List contracts whose review date falls within the days asked for."""
    found = contracts_due(g.api_key.trust_id, query.within, date.today())
    return jsonify(body(DueList(contracts=[due(d) for d in found])))


@operation("POST", "/documents/{document_id}/reissue", summary="Reissue a sealed contract for next year",
           scope=Scope.WRITE,
           responses={201: ("Next year's contract, sent to the same parties", DocumentOut),
                      409: ("Not a sealed contract, or already reissued", None)})
def reissue_contract(document_id: int) -> Any:
    """Make next year's contract from this one and the trust's current defaults."""
    document = _document(document_id)
    db.session.rollback()  # reissue locks the row in a transaction of its own
    try:
        new = reissue(document_id, actor=g.api_key.name)
    except NotAllowed as exc:
        raise ApiProblem(409, str(exc)) from None
    except FieldError as exc:
        raise ApiProblem(409, f"The contract cannot be reissued with today's defaults: {exc}") from None
    if new is None:
        raise ApiProblem(409, f"{document.reference} has already been reissued.")
    return _created(new)


@operation("POST", "/documents/{document_id}/parties/{party_id}/resend",
           summary="Send a party a new link with a fresh expiry (their old one stops working)", scope=Scope.WRITE,
           responses={200: ("The new link's expiry", ResentLink),
                      409: ("The document is not waiting for this party", None)})
def resend(document_id: int, party_id: int) -> Any:
    """Resend a party's personal link."""
    document = _document(document_id)
    if all(p.id != party_id for p in document.parties):
        raise ApiProblem(404, f"{document.reference} has no party {party_id}.")
    db.session.rollback()
    try:
        link = resend_link(document_id, party_id, actor=g.api_key.name)
    except NotAllowed as exc:
        raise ApiProblem(409, str(exc)) from None
    return jsonify(body(ResentLink(document_id=document_id, party_id=party_id, expires_at=link.expires_at)))


@bp.get("/openapi.json")
def openapi() -> Any:
    """Serve the OpenAPI 3.1 description (no key needed)."""
    return jsonify(openapi_document(current_app.config["BASE_URL"]))


@bp.get("/<path:rest>")
def unknown(rest: str) -> Any:
    """Answer any other address under the API as a problem, not an HTML page."""
    raise ApiProblem(404, "There is no such API address; see /api/v1/openapi.json.")


@bp.route("/<path:rest>", methods=["POST", "PUT", "PATCH", "DELETE"])
def unknown_write(rest: str) -> Any:
    """Answer a write to any other address under the API as a problem (one view per kind of method)."""
    raise ApiProblem(404, "There is no such API address; see /api/v1/openapi.json.")

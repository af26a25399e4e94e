"""Every email about a document: what each says (its context) and queueing it in the caller's transaction."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from ..extensions import db
from ..mail import queue_email
from ..trusts.wording import wording_for
from .context import long_date
from .models import Document, DocumentVersion, Link, Party
from .queries import changes_since_seen, fields_changed, has_seen

# The kind under which emails refer to a personal link row (see app.mail.links).
LINK_KIND = "document_link"
# The kind under which an email to the author links to a document's revise page (the staff pages build it).
REVISE_KIND = "document_revise"


def email_context(document: Document, version: DocumentVersion, party: Party, **extra: Any) -> dict[str, Any]:
    """Return what every email to a party about a version can say."""
    context = {
        "name": party.name,
        "role": party.role_label.lower(),
        "title": document.title,
        "reference": document.reference,
        "version": version.number,
        "trust": document.trust.name,
        "author_name": document.author_name,
        "author_email": document.author_email,
    }
    context.update({k: long_date(v) if isinstance(v, date | datetime) else v for k, v in extra.items()})
    return context


def with_opening(context: dict[str, Any], document: Document, opening: str) -> dict[str, Any]:
    """Return an email's context with its opening lines in the trust's wording for the document's kind."""
    values = {"author": context["author_name"], **context}
    return {**context, "opening": wording_for(document.trust.profile, document.kind).opening(opening, values)}


def email_link(link: Link, template: str, **extra: Any) -> None:
    """Queue the email carrying a party's personal link (its token is signed when the email is built).

    A contract's annual reissue, first sent, says so and lists what changed from last year's; a
    revised version lists what changed since the version the party last saw, and so does a
    reminder of one until the party has opened it.
    """
    version, party = link.version, link.party
    document = version.document
    revised = version.number > 1
    if revised and (template == "agree_request" or template == "reminder" and not has_seen(party, version)):
        since, changes = changes_since_seen(party, version)
        extra |= {"since": since, "changes": changes, "note": version.note or ""}
    elif template == "agree_request" and document.previous_document_id is not None and version.number == 1:
        previous = db.session.get(Document, document.previous_document_id)
        if previous is not None:
            template = "reissue_request"
            extra |= {"previous_reference": previous.reference,
                      "changes": fields_changed(document, previous.version.fields, version.fields)}
    opening = "answer_reminder" if template == "reminder" and extra.get("purpose") == "answer" else template
    context = email_context(document, version, party, expires=link.expires_at, **extra)
    queue_email(
        template,
        to_name=party.name,
        to_email=party.email,
        document_id=version.document_id,
        link=(LINK_KIND, link.id),
        context=with_opening(context, document, opening),
    )


def email_reminder(link: Link, now: datetime) -> int:
    """Queue a reminder for an unanswered link; return the whole days it has left."""
    days_left = max(1, math.ceil((link.expires_at - now) / timedelta(days=1)))
    email_link(link, "reminder", days_left=days_left, purpose=link.purpose.value)
    return days_left


def email_issued(document: Document, version: DocumentVersion, party: Party) -> None:
    """Queue a document that needs no agreement (an agenda) to a party, attached as a PDF."""
    assert version.pdf_file is not None
    queue_email(
        "issued",
        to_name=party.name,
        to_email=party.email,
        document_id=document.id,
        attachment=(version.pdf_file, f"{document.reference}-v{version.number}.pdf"),
        context=with_opening(email_context(document, version, party), document, "issued"),
    )


def _email_author(template: str, document: Document, version: DocumentVersion, *,
                  link: tuple[str, int] | None = None, **context: Any) -> None:
    """Queue an email to the document's author about a version (what every such email says, plus context)."""
    queue_email(
        template,
        to_name=document.author_name,
        to_email=document.author_email,
        document_id=document.id,
        link=link,
        context={"name": document.author_name, "title": document.title, "reference": document.reference,
                 "version": version.number, **context},
    )


def email_changes_requested(document: Document, version: DocumentVersion, requester: Party, reason: str) -> None:
    """Tell the author that a party asked for changes, and why, with a link to the page that revises it."""
    _email_author("changes_requested", document, version, link=(REVISE_KIND, document.id), requester=requester.name,
                  requester_role=requester.role_label.lower(), reason=reason)


def email_link_expired(link: Link) -> None:
    """Tell the document's author that a party's link expired unanswered."""
    version, party = link.version, link.party
    document = version.document
    _email_author("link_expired", document, version, party_name=party.name, party_email=party.email,
                  party_role=party.role_label.lower(), document_id=document.id, trust=document.trust.name,
                  sent=long_date(link.created_at), expired=long_date(link.expires_at), purpose=link.purpose.value)

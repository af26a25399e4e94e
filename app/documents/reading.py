"""What a party reads of a version: its text, what changed since they last saw it, and where everyone stands.

The same for a personal link and for a signed-in member of staff who is a party. Reading writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .links import LinkRejected, checked, party_link, readable_link, still_readable
from .models import Answer, Decision, Document, DocumentVersion, Link, LinkPurpose, Party
from .pages import page_count
from .queries import (
    PartyStatus,
    answer_through,
    change_request,
    changes_since_seen,
    party_statuses,
    sealed_through,
)
from .text import version_text


@dataclass(frozen=True)
class Reading:
    """A version as one party reads it."""

    link: Link
    answerable: bool  # they can still agree or ask for changes through this link
    answer: Answer | None  # their answer to this version
    text: str | None  # the version as sanitised HTML (None: only the PDF and page images show it)
    pages: int
    since: int | None  # the version they last saw, that changes are listed from
    changes: list[tuple[str, str, str]]
    others: list[PartyStatus]  # where the other parties stand (only on the read-only page)
    asked: Answer | None  # the change request the document waits on, anyone's
    sealed: bool  # the version they agreed is sealed and theirs to download here

    @property
    def party(self) -> Party:
        return self.link.party

    @property
    def version(self) -> DocumentVersion:
        return self.link.version

    @property
    def document(self) -> Document:
        return self.link.version.document

    @property
    def asked_reason(self) -> str | None:
        """The change request's reason, if this party may read it: their own, or one shared with them."""
        asked = self.asked
        if asked is None or not (asked.reason_shared or asked.party_id == self.party.id):
            return None
        return asked.reason


def read(token: str) -> Reading:
    """Return what a personal link shows; raise LinkRejected if it shows nothing now."""
    link, answerable = readable_link(token)
    return _reading(link, answerable)


def read_as_party(document_id: int, email: str) -> Reading | None:
    """Return what a member of staff who is a party to a document reads of its current version, if sent to them.

    Raise LinkRejected when their link can neither answer nor be read (it expired unanswered, say).
    """
    link = party_link(document_id, email)
    if link is None:
        return None
    try:
        return _reading(checked(link, LinkPurpose.AGREE), True)
    except LinkRejected as exc:
        if not still_readable(exc):
            raise
        return _reading(link, False)


def _reading(link: Link, answerable: bool) -> Reading:
    version = link.version
    assert version.pdf_file is not None
    since, changes = changes_since_seen(link.party, version)
    answer = None if answerable else answer_through(link)
    document = version.document
    return Reading(
        link=link,
        answerable=answerable,
        answer=answer,
        text=version_text(version),
        pages=page_count(version.pdf_file),
        since=since,
        changes=changes,
        others=[] if answerable else [s for s in party_statuses(document) if s.party.id != link.party_id],
        asked=None if answerable else change_request(document),
        sealed=answer is not None and answer.decision is Decision.AGREED and sealed_through(link, answer) is not None,
    )

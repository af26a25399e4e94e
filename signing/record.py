"""The sealed record's own proof: the agreed PDF attached, its hash on the evidence page, its pages kept unchanged.

The app assembles a record as: the agreed PDF's pages, each keeping its content streams as
they were, with stamps added by a content stream of the form "Q q 1 0 0 1 x y cm /CSStampN Do Q"
after them (the page's own streams wrapped in q … Q); then the evidence pages; and the agreed
PDF attached as an associated file with /AFRelationship /Source. check_record reads a file
alone and says whether it still has that shape.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

ATTACHMENT_DESCRIPTION = "The document every party agreed, exactly as they were shown it"
STAMP_PREFIX = "CSStamp"
GSAVE = b"q\n"
DRAW = re.compile(rb"\s*Q\s+q 1 0 0 1 -?[\d.]+ -?[\d.]+ cm /" + STAMP_PREFIX.encode() + rb"\d+ Do Q\s*")
HASH = re.compile(r"\b[0-9a-f]{64}\b")

NO_ATTACHMENT = "The file does not carry the agreed document, so its pages cannot be compared with it."
BAD_ATTACHMENT = "The attached agreed document cannot be read."
HASH_MISMATCH = "The attached agreed document's SHA-256 is not the one printed on the evidence page."
PAGES_CHANGED = "The sealed pages are not the attached agreed document's pages: their content differs."
A3_PART = re.compile(rb"(<pdfaid:part>)2(</pdfaid:part>)|(pdfaid:part=[\"'])2([\"'])")


@dataclass
class RecordCheck:
    """What comparing a sealed record with the agreed document attached to it found."""

    attached: bool = False
    attached_sha256: str | None = None
    matches_evidence: bool = False  # the evidence page prints the attachment's SHA-256
    pages_unchanged: bool = False  # every agreed page is a sealed page, only stamps added
    agreed_pages: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the attachment is there, matches the evidence page, and its pages are the sealed ones."""
        return self.attached and self.matches_evidence and self.pages_unchanged


def claim_pdf_a3(writer: PdfWriter) -> None:
    """Declare the file PDF/A-3b in its XMP packet, if it declared PDF/A-2 (PDF/A-3 defines associated files)."""
    metadata = writer.root_object.get("/Metadata")
    if metadata is None:
        return
    stream = metadata.get_object()
    xmp = stream.get_data()
    claimed = A3_PART.sub(lambda m: m.group(0).replace(b"2", b"3", 1), xmp, count=1)
    if claimed != xmp:
        stream.set_data(claimed)


def source_attachment(reader: PdfReader) -> bytes | None:
    """Return the bytes of the file's associated file with relationship Source, if it has one."""
    for spec in reader.trailer["/Root"].get("/AF") or ArrayObject():
        spec = spec.get_object()
        if not isinstance(spec, DictionaryObject) or spec.get("/AFRelationship") != "/Source":
            continue
        embedded = spec.get("/EF", DictionaryObject()).get("/F")
        if embedded is not None and isinstance(embedded.get_object(), StreamObject):
            return embedded.get_object().get_data()
    return None


def check_record(data: bytes) -> RecordCheck:
    """Compare a sealed record with the agreed document attached to it; never raise on bad input."""
    check = RecordCheck()
    try:
        sealed = PdfReader(BytesIO(data))
        attachment = source_attachment(sealed)
    except Exception:  # unreadable: the seal check says so; there is nothing to compare
        check.problems.append(NO_ATTACHMENT)
        return check
    if attachment is None:
        check.problems.append(NO_ATTACHMENT)
        return check
    check.attached = True
    check.attached_sha256 = hashlib.sha256(attachment).hexdigest()
    try:
        agreed = PdfReader(BytesIO(attachment))
        check.agreed_pages = len(agreed.pages)
        check.pages_unchanged = _pages_unchanged(agreed, sealed)
        check.matches_evidence = check.attached_sha256 in _evidence_hashes(sealed, check.agreed_pages)
    except Exception:
        check.problems.append(BAD_ATTACHMENT)
        return check
    if not check.matches_evidence:
        check.problems.append(HASH_MISMATCH)
    if not check.pages_unchanged:
        check.problems.append(PAGES_CHANGED)
    return check


def _evidence_hashes(sealed: PdfReader, agreed_pages: int) -> set[str]:
    """Return every SHA-256 printed on the pages after the agreed ones (the evidence pages)."""
    found: set[str] = set()
    for page in sealed.pages[agreed_pages:]:
        found.update(HASH.findall(page.extract_text() or ""))
    return found


def _pages_unchanged(agreed: PdfReader, sealed: PdfReader) -> bool:
    """Return whether each agreed page is the sealed page at its place, with nothing but stamps added."""
    if len(sealed.pages) <= len(agreed.pages):
        return False
    for original, page in zip(agreed.pages, sealed.pages, strict=False):
        # Rewriting a page dictionary may round its box to a millionth of a point (pypdf does).
        if any(abs(float(a) - float(b)) > 1e-3 for a, b in zip(original.mediabox, page.mediabox, strict=True)):
            return False
        if original.get("/Rotate", 0) != page.get("/Rotate", 0):
            return False
        before, after = _streams(original), _streams(page)
        if after == before:
            continue
        stamped = len(after) == len(before) + 2 and after[0] == GSAVE and after[1:-1] == before
        if not stamped or not DRAW.fullmatch(after[-1]):
            return False
        if not _resources_kept(original, page):
            return False
    return True


def _streams(page: object) -> list[bytes]:
    """Return the decoded data of each of a page's content streams, in order."""
    contents = page.get("/Contents")  # type: ignore[attr-defined]
    if contents is None:
        return []
    contents = contents.get_object()
    items = list(contents) if isinstance(contents, ArrayObject) else [contents]
    return [item.get_object().get_data() for item in items]


def _resources_kept(original: object, page: object) -> bool:
    """Return whether every resource the agreed page names is still there, the same object's content."""
    before = original["/Resources"].get_object() if "/Resources" in original else DictionaryObject()  # type: ignore[operator,index]
    after = page["/Resources"].get_object() if "/Resources" in page else DictionaryObject()  # type: ignore[operator,index]
    for category, names in before.items():
        kept = after.get(category)
        if kept is None:
            return False
        names, kept = names.get_object(), kept.get_object()
        if not isinstance(names, DictionaryObject):
            if names != kept:
                return False
            continue
        for name, value in names.items():
            if name not in kept or not _same(value.get_object(), kept[name].get_object()):
                return False
        added = set(kept) - set(names)
        if any(not str(name).startswith("/" + STAMP_PREFIX) for name in added):
            return False
    return True


def _same(a: object, b: object) -> bool:
    """Return whether two resources are the same: equal streams by data, else by their top-level keys."""
    if isinstance(a, StreamObject) and isinstance(b, StreamObject):
        return a.get_data() == b.get_data()
    if isinstance(a, DictionaryObject) and isinstance(b, DictionaryObject):
        return set(a) == set(b)
    return a == b


__all__ = ["ATTACHMENT_DESCRIPTION", "GSAVE", "STAMP_PREFIX", "RecordCheck", "check_record",
           "claim_pdf_a3", "source_attachment"]

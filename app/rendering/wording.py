"""Countersign's own wording on the evidence page and the stamps (a trust's wording lives in its forms)."""

from __future__ import annotations

HEADING = "Evidence of agreement"
INTRO = (
    "Countersign added this page when every party named below had agreed the document, "
    "before the seal was applied. Times are UK time (GMT or BST, with its offset from UTC), then UTC; each "
    "browser is named as its user agent described it (the full string is kept in the audit log)."
)
ATTACHMENT_NAME = "agreed-document.pdf"
TABLE_HEADER = ("Detail", "Value")
DOCUMENT_HEADING = "Document"
DOCUMENT_ROWS = ("Title", "Document ID", "Version", "Trust", "Sealed at")
PARTIES_HEADING = "Parties"
PARTY_ROWS = (
    "Name",
    "Email",
    "Role",
    "Link sent",
    "First viewed",
    "Agreed",
    "Statement agreed to",
    "IP address",
    "Browser and system",
)
INTEGRITY_HEADING = "Integrity"
INTEGRITY_ROWS = ("SHA-256 of the agreed document", "SHA-256 of the seal certificate", "Audit log head", "Verify at")
CHECKING_HEADING = "What each value proves, and how to check it"
SEAL = (
    "Each party agreed by following a personal link sent to their email address and confirming "
    "their agreement. Countersign then applied the electronic seal of {trust} to this PDF on "
    "{sealed_at}: the same time the seal itself states."
)
STAMP_NOTE = "Agreed electronically on {date}"


def checking(trust: str, attachment: str, verify_url: str) -> list[str]:
    """Return the plain-words explanation of each value on the page and how anyone can check it."""
    return [
        f"SHA-256 of the agreed document: the fingerprint of the exact PDF the parties were shown and "
        f"agreed. That PDF is attached to this file as “{attachment}”. The pages before this one are its "
        f"pages, unchanged, with each party's agreement stamped in their signature place. To check: open "
        f"this file in a free PDF reader that shows attachments (Adobe Acrobat Reader: the paperclip "
        f"panel), save the attachment, and compute its SHA-256 (Windows: certutil -hashfile "
        f"{attachment} SHA256; macOS: shasum -a 256 {attachment}; Linux: sha256sum {attachment}). "
        f"It must equal the value above.",
        f"SHA-256 of the seal certificate: identifies the certificate of {trust}'s seal. To check: open "
        f"the signature panel in a free PDF reader (Adobe Acrobat Reader: Signature Panel, then "
        f"Certificate Details) and compare its SHA-256 fingerprint with the value above. The reader also "
        f"says whether the document has been changed since it was sealed.",
        "Audit log head: the hash of the last entry in Countersign's tamper-evident log when this "
        "record was sealed; the trust can show that its log still leads to this value.",
        f"Anyone can also upload this file at {verify_url}: it says whether the seal is intact, whose "
        f"it is, whether this exact file is a record the service issued, and whether the attached "
        f"agreed document matches this page.",
    ]

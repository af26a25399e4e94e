"""Countersign's own wording on the evidence page (a trust's wording lives in its forms)."""

HEADING = "Evidence of agreement"
INTRO = (
    "Countersign added this page when every party named below had agreed the document, "
    "before the seal was applied. Times are in UTC."
)
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
    "IP address",
    "User agent",
)
INTEGRITY_HEADING = "Integrity"
INTEGRITY_ROWS = ("SHA-256 of the agreed document", "Audit log head", "Verify at")
SEAL = (
    "Each party agreed by following a personal link sent to their email address and "
    "confirming their agreement; the SHA-256 digest above identifies the exact document "
    "they were shown. Countersign then applied the electronic seal of {trust} to this PDF "
    "on {sealed_at}. The seal shows that the PDF comes from {trust} and has not been "
    "changed since it was sealed. To verify it, open the PDF in a reader that shows "
    "digital signatures, such as Adobe Acrobat Reader, or upload it at {verify_url}."
)

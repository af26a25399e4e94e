"""Countersign's signing package: link tokens, seal certificates, sealing and verifying PDFs.

Plain Python (no Flask, no SQLAlchemy), usable from the app, a worker or a script.
"""

from .certs import ensure_self_signed_seal
from .seal import (
    LoadedKeySigner,
    Sealer,
    SealKey,
    SealKeyError,
    TimestampUnavailable,
    ValidationDataUnavailable,
    load_seal_key,
    timestampers_from_urls,
)
from .timestamps import add_document_timestamp, last_timestamp_expiry
from .tokens import LinkTokens, TokenError, TokenExpired, TokenInvalid, new_nonce
from .verify import SealReport, verify_pdf

__all__ = [
    "LinkTokens",
    "LoadedKeySigner",
    "SealKey",
    "SealKeyError",
    "SealReport",
    "Sealer",
    "TimestampUnavailable",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "ValidationDataUnavailable",
    "add_document_timestamp",
    "ensure_self_signed_seal",
    "last_timestamp_expiry",
    "load_seal_key",
    "new_nonce",
    "timestampers_from_urls",
    "verify_pdf",
]

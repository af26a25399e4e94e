"""The append-only, hash-chained audit log."""

from .log import ChainBreak, record, verify_chain

__all__ = ["ChainBreak", "record", "verify_chain"]

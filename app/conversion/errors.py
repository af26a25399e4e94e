"""What can go wrong when a contract is converted to PDF."""

from __future__ import annotations


class ConversionError(Exception):
    """A document could not be converted to PDF."""


class ConversionUnavailable(ConversionError):
    """LibreOffice (or the Python that can drive it) is not installed here."""

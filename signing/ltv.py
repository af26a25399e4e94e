"""Long-term validation data: gather revocation data for the seal and its timestamp authority, or say why not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

import aiohttp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.path import ValidationPath

from .certs import certificate_subject
from .cms import TimestampFailed

DIGEST = "sha256"
# Errors a timestamp client raises when the authority is unreachable or refuses the request.
TSA_ERRORS = (TimestampRequestError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


class ValidationDataUnavailable(Exception):
    """The revocation data a long-term seal needs could not be gathered, so nothing was sealed."""

    def __init__(self, what: str, cause: BaseException) -> None:
        self.what = what
        super().__init__(f"no validation data for {what}: {type(cause).__name__}: {cause}")


def fetching_context(trust_roots: Iterable[asn1_x509.Certificate]) -> ValidationContext:
    """Return a context that fetches OCSP responses and CRLs and insists on them for every certificate."""
    # "require": a certificate without reachable revocation data fails, rather than being
    # waved through as pyHanko's default soft-fail would, since the point is to embed it.
    return ValidationContext(trust_roots=list(trust_roots), allow_fetching=True, revocation_mode="require")


async def gather_for_signer(
    context: ValidationContext,
    certificate: asn1_x509.Certificate,
    chain: Sequence[asn1_x509.Certificate],
    key_usage: set[str],
) -> ValidationPath:
    """Validate the seal certificate, fetching its revocation data into context; raise if that fails."""
    validator = CertificateValidator(certificate, intermediate_certs=list(chain), validation_context=context)
    try:
        return await validator.async_validate_usage(key_usage)
    except (PathError, ValidationError) as exc:
        raise ValidationDataUnavailable(f"the seal certificate {certificate_subject(certificate)}", exc) from exc


async def gather_for_timestamper(context: ValidationContext, timestamper: TimeStamper) -> list[ValidationPath]:
    """Validate the authority's certificates, fetching their revocation data into context; raise if that fails."""
    try:
        # pyHanko learns the authority's certificates from a token; asking for it here keeps
        # "the authority did not answer" apart from "its certificates cannot be checked".
        await timestamper.async_dummy_response(DIGEST)
    except TSA_ERRORS as exc:
        raise TimestampFailed(f"{type(exc).__name__}: {exc}") from exc
    try:
        return [path async for path in timestamper.validation_paths(context)]
    except (PathError, ValidationError) as exc:
        where = getattr(timestamper, "url", type(timestamper).__name__)
        raise ValidationDataUnavailable(f"the timestamp authority at {where}", exc) from exc

"""Seal a finished PDF: a PAdES certification signature by the trust's seal key, timestamped."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, PdfSigningSession, SigDSSPlacementPreference
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator import ValidationContext

from .certs import certificate_fingerprint, describe_name
from .cms import LoadedKeySigner, TimestampFailed
from .ltv import (
    TSA_ERRORS,
    ValidationDataUnavailable,
    fetching_context,
    gather_for_signer,
    gather_for_timestamper,
)

__all__ = [
    "LoadedKeySigner",
    "SealKey",
    "SealKeyError",
    "Sealer",
    "TimestampUnavailable",
    "ValidationDataUnavailable",
    "load_seal_key",
    "timestampers_from_urls",
]

logger = logging.getLogger(__name__)

DIGEST = "sha256"


class SealKeyError(ValueError):
    """A seal PKCS#12 file that cannot be opened (missing, damaged, or wrong passphrase)."""


class TimestampUnavailable(Exception):
    """No configured timestamp authority produced a timestamp, so nothing was sealed."""

    def __init__(self, failures: Sequence[tuple[str, str]]) -> None:
        self.failures = list(failures)
        listed = "; ".join(f"{where}: {error}" for where, error in self.failures) or "none configured"
        super().__init__(f"no timestamp authority answered ({listed})")


@dataclass(frozen=True, eq=False)
class SealKey:
    """A seal's private key, already parsed, with its certificate and chain."""

    private_key: PrivateKeyTypes
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...] = ()

    @classmethod
    def from_pkcs12(cls, path: Path, passphrase: bytes | None) -> SealKey:
        """Load a seal key and its certificates from a PKCS#12 file."""
        try:
            data = Path(path).read_bytes()
            key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
        except (OSError, ValueError, TypeError) as exc:
            raise SealKeyError(f"cannot open the seal key {path}: {exc}") from exc
        if key is None or cert is None:
            raise SealKeyError(f"{path} does not hold both a private key and its certificate")
        if not isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey):
            raise SealKeyError(f"{path} holds a {type(key).__name__}; seals need an RSA or EC key")
        return cls(
            private_key=key,
            certificate=translate_pyca_cryptography_cert_to_asn1(cert),
            chain=tuple(translate_pyca_cryptography_cert_to_asn1(c) for c in others),
        )

    @property
    def subject(self) -> str:
        """Return the seal certificate's subject, e.g. "CN=…, O=…"."""
        return describe_name(self._x509().subject)

    @property
    def fingerprint_sha256(self) -> str:
        """Return the lowercase hex SHA-256 of the seal certificate."""
        return certificate_fingerprint(self.certificate)

    @property
    def not_after(self) -> datetime:
        """Return when the seal certificate expires (UTC)."""
        return self._x509().not_valid_after_utc

    def _x509(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate.dump())


_cache: dict[tuple[str, int, int, str], SealKey] = {}
_cache_lock = threading.Lock()


def load_seal_key(path: Path, passphrase: bytes | None) -> SealKey:
    """Return the seal key in a PKCS#12 file, parsing it once per process while the file is unchanged."""
    resolved = Path(path).resolve()
    try:
        stat = os.stat(resolved)
    except OSError as exc:
        raise SealKeyError(f"cannot open the seal key {path}: {exc}") from exc
    # The passphrase is part of the key so a wrong one fails here too, not only on first load.
    secret = hashlib.sha256(passphrase or b"").hexdigest()
    cache_key = (str(resolved), stat.st_mtime_ns, stat.st_size, secret)
    with _cache_lock:
        cached = _cache.get(cache_key)
        if cached is not None:
            return cached
        key = SealKey.from_pkcs12(resolved, passphrase)
        for stale in [k for k in _cache if k[0] == cache_key[0]]:
            del _cache[stale]
        _cache[cache_key] = key
        return key


def timestampers_from_urls(urls: Sequence[str], timeout: float = 10) -> list[TimeStamper]:
    """Return an RFC 3161 HTTP client for each timestamp authority URL, in order."""
    return [HTTPTimeStamper(url, timeout=timeout) for url in urls]


class Sealer:
    """Seal PDFs with one seal key, timestamped by the first authority that answers."""

    def __init__(
        self,
        key: SealKey,
        timestampers: Sequence[TimeStamper] = (),
        embed_validation_info: bool = False,
        *,
        tsa_trust_roots: Sequence[asn1_x509.Certificate] = (),
        allow_b_t_fallback: bool = False,
    ) -> None:
        self.key = key
        self.timestampers = list(timestampers)
        if embed_validation_info and not self.timestampers:
            raise ValueError("a long-term (PAdES B-LTA) seal needs a timestamp authority")
        self.embed_validation_info = embed_validation_info
        # B-LTA needs a trusted path to each timestamp authority's certificate. pyHanko no
        # longer falls back to the operating system's TLS roots, so the TSA roots are given.
        self.tsa_trust_roots = list(tsa_trust_roots)
        self.allow_b_t_fallback = allow_b_t_fallback
        self._signer = LoadedKeySigner(key)
        self._warmed = False

    def seal(
        self,
        pdf: bytes,
        *,
        reason: str,
        location: str | None = None,
        contact_info: str | None = None,
        field_name: str = "CountersignSeal",
        signing_time: datetime | None = None,
    ) -> bytes:
        """Return pdf with an invisible certification seal appended as an incremental update.

        signing_time is the time the seal states (its /M entry, to the second); by default, now.
        """
        meta = PdfSignatureMetadata(
            field_name=field_name,
            reason=reason,
            location=location,
            contact_info=contact_info,
            md_algorithm=DIGEST,
            subfilter=SigSeedSubFilter.PADES,
            certify=True,
            docmdp_permissions=MDPPerm.NO_CHANGES,
        )
        return run_for_bytes(self._seal(pdf, meta, signing_time))

    def warm(self) -> None:
        """Do once what the first seal with this key and authority would (CMS template, token size), so a time taken after it is the seal's."""

        async def reserve() -> bytes:
            await self._reservation(self.timestampers[0] if self.timestampers else None)
            return b""

        if self._warmed:
            return
        try:
            run_for_bytes(reserve())
        except TimestampFailed:
            return  # the seal itself tries each authority in turn and says which failed
        self._warmed = True

    async def _seal(self, pdf: bytes, meta: PdfSignatureMetadata, signing_time: datetime | None = None) -> bytes:
        """Seal B-B without authorities, else B-T or B-LTA with the first authority that answers."""
        if not self.timestampers:
            return await self._sign(pdf, meta, None, signing_time)
        owned = fetching_context(self._trust_roots()) if self.embed_validation_info else None
        try:
            context = owned
            if owned is not None:
                context = await self._gathered(
                    owned, gather_for_signer(owned, self.key.certificate, self.key.chain, KEY_USAGE)
                )
            failures: list[tuple[str, str]] = []
            for timestamper in self.timestampers:
                where = getattr(timestamper, "url", type(timestamper).__name__)
                try:
                    return await self._seal_with(pdf, meta, timestamper, context, signing_time)
                except TimestampFailed as exc:
                    logger.warning("timestamp authority %s failed: %s", where, _describe(exc))
                    failures.append((where, _describe(exc.__cause__ or exc)))
            raise TimestampUnavailable(failures)
        finally:
            if owned is not None:  # closes the fetchers' HTTP session
                await owned.aclose()

    async def _seal_with(
        self,
        pdf: bytes,
        meta: PdfSignatureMetadata,
        timestamper: TimeStamper,
        context: ValidationContext | None,
        signing_time: datetime | None,
    ) -> bytes:
        """Seal with one authority: B-LTA if a context with the seal's validation data is given, else B-T."""
        if context is not None:
            lta_context = await self._gathered(context, gather_for_timestamper(context, timestamper))
            if lta_context is not None:
                long_term = replace(
                    meta,
                    embed_validation_info=True,
                    use_pades_lta=True,
                    validation_context=context,
                    signer_key_usage=KEY_USAGE,
                    # The DSS goes into the document timestamp's revision, so the file ends in
                    # a timestamp covering everything; the verifier accepts exactly that.
                    dss_settings=DSSContentSettings(
                        placement=SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS, include_vri=False
                    ),
                )
                try:
                    return await self._sign(pdf, long_term, timestamper, signing_time)
                except TSA_ERRORS as exc:
                    # The document timestamp after the signature is the authority's second answer.
                    raise TimestampFailed(f"{type(exc).__name__}: {exc}") from exc
        return await self._sign(pdf, meta, timestamper, signing_time)

    async def _gathered(self, context: ValidationContext, gathering: Awaitable[object]) -> ValidationContext | None:
        """Run one gathering step; return the context, or None to seal B-T when that is allowed."""
        try:
            await gathering
        except ValidationDataUnavailable as exc:
            if not self.allow_b_t_fallback:
                raise
            logger.warning("sealing without embedded validation info (PAdES B-T): %s", exc)
            return None
        return context

    def _trust_roots(self) -> list[asn1_x509.Certificate]:
        """Return the roots for B-LTA: the seal's own CA root if it has one, else the seal itself."""
        roots = [c for c in self.key.chain if c.self_signed in ("yes", "maybe")]
        return [*(roots or [self.key.certificate]), *self.tsa_trust_roots]

    async def _sign(
        self, pdf: bytes, meta: PdfSignatureMetadata, timestamper: TimeStamper | None, signing_time: datetime | None
    ) -> bytes:
        """Sign once into a reserved space; if the CMS outgrew it, sign once more with room for it."""
        assert meta.field_name is not None
        reserved = await self._reservation(timestamper)
        for attempt in (1, 2):
            self._signer.last_cms_size = None
            signer = TimedPdfSigner(
                meta,
                signing_time,
                signer=self._signer,
                timestamper=timestamper,
                new_field_spec=SigFieldSpec(sig_field_name=meta.field_name),
            )
            try:
                out = await signer.async_sign_pdf(MetadataPreservingWriter(BytesIO(pdf)), bytes_reserved=reserved)
            except SigningError:
                needed = self._signer.last_cms_size
                if attempt == 2 or needed is None or 2 * needed <= reserved:
                    raise
                logger.warning("seal needed %d bytes but %d were reserved; sealing again", needed, reserved // 2)
                reserved = self._grow(timestamper, needed)
                continue
            sealed = out.getvalue()
            if not sealed.startswith(pdf):
                raise SigningError("the sealed file does not start with the original bytes")
            return sealed
        raise AssertionError("unreachable")

    async def _reservation(self, timestamper: TimeStamper | None) -> int:
        """Return the hex characters to reserve for the CMS: its exact size plus room for a varying token."""
        template = await self._signer.template(DIGEST)
        signature = self._signer.signature_size
        if timestamper is None:
            return 2 * (template.size(signature, None) + 16)
        token = _token_size(timestamper)
        if token is None:
            try:
                # Once per authority and process: the token's size is what varies by authority.
                token = len((await timestamper.async_dummy_response(DIGEST)).dump())
            except Exception as exc:  # whatever the client raised, the authority gave no token
                raise TimestampFailed(f"{type(exc).__name__}: {exc}") from exc
            _remember_token_size(timestamper, token)
        # Tokens differ from one request to the next (nonce, serial, time precision); a quarter
        # more plus 256 bytes covers that, and a token that still outgrows it is retried once.
        return 2 * (template.size(signature, token) + token // 4 + 256)

    def _grow(self, timestamper: TimeStamper | None, needed: int) -> int:
        """Return a reservation for a CMS of needed bytes, remembering the bigger token."""
        if timestamper is not None and self._signer.last_token_size is not None:
            _remember_token_size(timestamper, self._signer.last_token_size)
        return 2 * (needed + needed // 4 + 256)


KEY_USAGE = {"non_repudiation"}


class TimedPdfSigner(PdfSigner):
    """A PdfSigner whose signature states a given time, so the seal and the evidence page give one instant.

    pyHanko takes the signing time from the clock when the session starts; the session's
    system_time is what it writes as the signature's /M.
    """

    def __init__(self, meta: PdfSignatureMetadata, signing_time: datetime | None, **kwargs: object) -> None:
        super().__init__(meta, **kwargs)  # type: ignore[arg-type]
        self.signing_time = signing_time

    def init_signing_session(self, pdf_out: object, existing_fields_only: bool = False) -> PdfSigningSession:
        """Start the session as pyHanko does, then give it the stated signing time."""
        session = super().init_signing_session(pdf_out, existing_fields_only)  # type: ignore[arg-type]
        if self.signing_time is not None:
            session.system_time = self.signing_time
        return session


class _Box:
    """Hold a result whose repr would be expensive (a whole PDF)."""

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value


def run_for_bytes(coro: Coroutine[object, object, bytes]) -> bytes:
    """Run a coroutine that returns bytes, as asyncio.run does but without repr-ing the bytes.

    Since Python 3.11 asyncio.run formats the finished task's repr (result included) when it
    restores the SIGINT handler: for a sealed PDF that costs more than the RSA signature
    (CPython issue #112559, https://github.com/python/cpython/issues/112559).
    """

    async def boxed() -> _Box:
        return _Box(await coro)

    return asyncio.run(boxed()).value
_token_sizes_by_url: dict[str, int] = {}
_token_sizes_by_object: weakref.WeakKeyDictionary[TimeStamper, int] = weakref.WeakKeyDictionary()


def _token_size(timestamper: TimeStamper) -> int | None:
    """Return the size of a token last seen from this authority, if any."""
    url = getattr(timestamper, "url", None)
    if isinstance(url, str):
        return _token_sizes_by_url.get(url)
    return _token_sizes_by_object.get(timestamper)


def _remember_token_size(timestamper: TimeStamper, size: int) -> None:
    """Remember the biggest token size seen from an authority (by URL, or by object if it has none)."""
    url = getattr(timestamper, "url", None)
    if isinstance(url, str):
        _token_sizes_by_url[url] = max(size, _token_sizes_by_url.get(url, 0))
    else:
        _token_sizes_by_object[timestamper] = max(size, _token_sizes_by_object.get(timestamper, 0))

class MetadataPreservingWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves the document's Info dictionary and XMP packet alone."""

    def _update_meta(self) -> None:
        # pyHanko would stamp itself as producer and re-serialise the XMP packet on every write.
        # The Info /Producer and XMP pdf:Producer then disagree, and the round trip can break
        # PDF/A extension schemas (pyHanko issue #755); the maintainer suggests this override
        # (internal API) to keep metadata untouched (pyHanko issue #223). The seal needs none.
        return None


def _describe(exc: BaseException) -> str:
    """Return an exception and its causes as one line."""
    parts = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 4:
        parts.append(f"{type(current).__name__}: {current}".rstrip(": "))
        current = current.__cause__ or current.__context__
    return " <- ".join(parts)

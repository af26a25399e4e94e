"""Seal a finished PDF: a PAdES certification signature by the trust's seal key, timestamped."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from .certs import certificate_fingerprint, describe_name

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


class LoadedKeySigner(Signer):
    """A pyHanko signer that signs with an already-parsed key (SimpleSigner re-parses it per signature)."""

    def __init__(self, key: SealKey) -> None:
        super().__init__(
            signing_cert=key.certificate,
            cert_registry=SimpleCertificateStore.from_certs(key.chain),
        )
        self._private_key = key.private_key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        """Return the raw signature over data (the dry run for size estimation signs too, like SimpleSigner)."""
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Return the raw signature over data, as SimpleSigner.sign_raw does but without re-parsing the key."""
        mechanism_spec = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            mechanism = mechanism_spec.signature_algo
        except ValueError:
            mechanism = mechanism_spec["algorithm"].native
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "rsassa_pss" and isinstance(key, RSAPrivateKey):
            padding, hash_algo = process_pss_params(mechanism_spec["parameters"])
            return key.sign(data, padding, hash_algo)
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        raise SigningError(f"cannot sign with {mechanism} using a {type(key).__name__}")


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
    ) -> None:
        self.key = key
        self.timestampers = list(timestampers)
        self.embed_validation_info = embed_validation_info
        # B-LT needs a trusted path to each timestamp authority's certificate. pyHanko no
        # longer falls back to the operating system's TLS roots, so the TSA roots are given.
        self.tsa_trust_roots = list(tsa_trust_roots)
        self._signer = LoadedKeySigner(key)

    def seal(
        self,
        pdf: bytes,
        *,
        reason: str,
        location: str | None = None,
        contact_info: str | None = None,
        field_name: str = "CountersignSeal",
    ) -> bytes:
        """Return pdf with an invisible certification seal appended as an incremental update."""
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
        if not self.timestampers:
            return self._sign(pdf, meta, timestamper=None)
        failures: list[tuple[str, str]] = []
        for timestamper in self.timestampers:
            where = getattr(timestamper, "url", type(timestamper).__name__)
            try:
                # Ask for a token before signing: it proves the authority answers, and pyHanko
                # reuses it to size the signature. Anything going wrong here is the authority's
                # (or the network's) doing, whatever the exception.
                asyncio.run(timestamper.async_dummy_response(DIGEST))
            except Exception as exc:
                logger.warning("timestamp authority %s failed: %s", where, _describe(exc))
                failures.append((where, _describe(exc)))
                continue
            try:
                return self._sign_timestamped(pdf, meta, timestamper)
            except TimestampRequestError as exc:
                # It answered the first request but not the real one: try the next.
                logger.warning("timestamp authority %s failed: %s", where, _describe(exc))
                failures.append((where, _describe(exc)))
        raise TimestampUnavailable(failures)

    def _sign_timestamped(self, pdf: bytes, meta: PdfSignatureMetadata, timestamper: TimeStamper) -> bytes:
        """Seal at PAdES B-LT if asked and possible, else B-T."""
        if self.embed_validation_info:
            long_term = replace(
                meta,
                embed_validation_info=True,
                validation_context=ValidationContext(trust_roots=self._trust_roots(), allow_fetching=True),
                signer_key_usage={"non_repudiation"},
                # Put the validation info in the signature's own revision, so the seal still
                # covers the whole file and no second revision follows it.
                dss_settings=DSSContentSettings(
                    placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
                ),
            )
            try:
                return self._sign(pdf, long_term, timestamper)
            except (SigningError, PathError, ValidationError) as exc:
                # B-LT needs a trusted path to the seal and to the authority's certificate; B-T
                # is still a complete, timestamped seal, so say so in the log rather than fail.
                logger.warning("sealing without embedded validation info (PAdES B-T): %s", _describe(exc))
        return self._sign(pdf, meta, timestamper)

    def _trust_roots(self) -> list[asn1_x509.Certificate]:
        """Return the roots for B-LT: the seal's own CA root if it has one, else the seal itself."""
        roots = [c for c in self.key.chain if c.self_signed in ("yes", "maybe")]
        return [*(roots or [self.key.certificate]), *self.tsa_trust_roots]

    def _sign(self, pdf: bytes, meta: PdfSignatureMetadata, timestamper: TimeStamper | None) -> bytes:
        """Sign once; raise if anything fails."""
        assert meta.field_name is not None
        signer = PdfSigner(
            meta,
            signer=self._signer,
            timestamper=timestamper,
            new_field_spec=SigFieldSpec(sig_field_name=meta.field_name),
        )
        sealed = signer.sign_pdf(MetadataPreservingWriter(BytesIO(pdf))).getvalue()
        if not sealed.startswith(pdf):
            raise SigningError("the sealed file does not start with the original bytes")
        return sealed


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

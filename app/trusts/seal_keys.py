"""Each trust's seal: its configured PKCS#12, or a self-signed one made on first use."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from flask import current_app
from sqlalchemy import select

from signing.certs import ensure_self_signed_seal
from signing.seal import Sealer, SealKey, load_seal_key, timestampers_from_urls

from ..config import stored_secret
from ..extensions import db
from .models import Trust


def seal_key_for(trust: Trust) -> SealKey:
    """Return the trust's loaded seal key (parsed once per process), making a self-signed one if it has none."""
    configured = current_app.config["SEAL_CERTIFICATES"].get(trust.slug)
    if configured:
        passphrase = configured.get("passphrase")
        return load_seal_key(Path(configured["p12"]), passphrase.encode() if passphrase else None)
    folder = Path(current_app.config["OUTPUT_DIR"]) / "seal"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    passphrase = stored_secret(folder / f"{trust.slug}.passphrase").encode()
    path = ensure_self_signed_seal(
        folder / f"{trust.slug}.p12",
        passphrase,
        common_name=self_signed_name(trust),
        organisation=trust.name,
    )
    return load_seal_key(path, passphrase)


def self_signed_name(trust: Trust) -> str:
    """Return the name on the self-signed seal made for a trust with no configured certificate."""
    return f"{trust.name} document seal"


def sealer_for(trust: Trust) -> Sealer:
    """Return the sealer for the trust's key and the configured timestamp authorities, made once per thread and setting."""
    config = current_app.config
    key = seal_key_for(trust)
    settings = (
        key.fingerprint_sha256,
        tuple(config["TSA_URLS"]),
        tuple(config["TSA_TRUST_ROOTS"]),
        bool(config["SEAL_EMBED_VALIDATION"]) and bool(config["TSA_URLS"]),
        bool(config["SEAL_ALLOW_B_T"]),
    )
    # Per thread: a Sealer keeps the last CMS's size between pyHanko's calls, so two threads
    # sealing at once must not share one. Keyed by the certificate's fingerprint, so a
    # replaced key file (load_seal_key notices) gets a new sealer.
    sealers: dict[tuple[object, ...], Sealer] = getattr(_sealers, "by_settings", None) or {}
    sealer = sealers.get(settings)
    if sealer is None or sealer.key is not key:
        if len(sealers) >= MAX_SEALERS:
            sealers.clear()  # settings changed many times (tests do): start again
        sealer = sealers[settings] = Sealer(
            key,
            timestampers=timestampers_from_urls(settings[1]),
            embed_validation_info=settings[3],
            tsa_trust_roots=tsa_roots(),
            allow_b_t_fallback=settings[4],
        )
        _sealers.by_settings = sealers
    return sealer


_sealers = threading.local()
MAX_SEALERS = 32


def tsa_roots() -> list[asn1_x509.Certificate]:
    """Return the configured roots timestamp authorities must chain to for their times to count."""
    return _load_roots(tuple(current_app.config["TSA_TRUST_ROOTS"]))


@lru_cache(maxsize=8)
def _load_roots(paths: tuple[str, ...]) -> list[asn1_x509.Certificate]:
    """Load the root certificates (PEM or DER) that timestamp authorities chain to."""
    roots = []
    for path in paths:
        data = Path(path).read_bytes()
        if pem.detect(data):
            roots.extend(asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            roots.append(asn1_x509.Certificate.load(data))
    return roots


def has_seal_key(trust: Trust) -> bool:
    """Return whether the trust has a seal key already (configured, or made on an earlier seal)."""
    configured = current_app.config["SEAL_CERTIFICATES"]
    return trust.slug in configured or (Path(current_app.config["OUTPUT_DIR"]) / "seal" / f"{trust.slug}.p12").exists()


def existing_seal_key(trust: Trust) -> SealKey | None:
    """Return the trust's seal key if it has one, never making one (for pages that only show it)."""
    return seal_key_for(trust) if has_seal_key(trust) else None


def trusted_fingerprints() -> dict[str, Trust]:
    """Return the seal fingerprint of every trust that has a seal, mapped to the trust.

    A trust on the embedded self-signed seal whose key was never made has sealed nothing, so
    checking an upload never generates keys.
    """
    return {seal_key_for(t).fingerprint_sha256: t for t in db.session.scalars(select(Trust)) if has_seal_key(t)}

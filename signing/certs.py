"""Seal certificates: a self-signed one made once on first use, and how we name certificates."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

RSA_KEY_BITS = 3072
VALIDITY = timedelta(days=3 * 365)
BACKDATE = timedelta(minutes=5)  # tolerate clocks slightly behind ours


def ensure_self_signed_seal(p12_path: Path, passphrase: bytes, common_name: str, organisation: str) -> Path:
    """Create a self-signed seal key and certificate in a PKCS#12 file unless one exists; return its path."""
    p12_path = Path(p12_path)
    if p12_path.exists():
        return p12_path
    if not passphrase:
        raise ValueError("a passphrase is required to protect the seal key")
    p12_path.parent.mkdir(parents=True, exist_ok=True)
    data = _self_signed_pkcs12(passphrase, common_name, organisation)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p12_path.name}.", suffix=".tmp", dir=p12_path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp creates the file with mode 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # os.link fails if the name exists, so when two processes race exactly one key is
        # published and the other process uses it; os.replace would let the later writer
        # silently swap the key under documents the first one had already sealed.
        try:
            os.link(tmp_name, p12_path)
        except FileExistsError:
            pass
        else:
            _fsync_dir(p12_path.parent)
    finally:
        os.unlink(tmp_name)
    return p12_path


def _self_signed_pkcs12(passphrase: bytes, common_name: str, organisation: str) -> bytes:
    """Return a new RSA key and self-signed seal certificate as passphrase-protected PKCS#12."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    not_before = datetime.now(UTC) - BACKDATE
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + VALIDITY)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(100_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )
    return pkcs12.serialize_key_and_certificates(
        name=common_name.encode("utf-8"), key=key, cert=cert, cas=None, encryption_algorithm=encryption
    )


def _fsync_dir(folder: Path) -> None:
    """Flush a directory entry to disk so a published file survives a crash."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def describe_name(name: x509.Name) -> str:
    """Return a distinguished name as people read it, most specific first: "CN=…, O=…"."""
    parts = [attribute.rfc4514_string() for rdn in name.rdns for attribute in rdn]
    # CAs usually encode C, O, …, CN (so RFC 4514 reverses it); our own seals encode CN, O.
    # Either way, lead with the common name, which is what a reader recognises.
    if parts and not parts[0].startswith("CN=") and parts[-1].startswith("CN="):
        parts.reverse()
    return ", ".join(parts)


def certificate_subject(cert: asn1_x509.Certificate) -> str:
    """Return a certificate's subject as people read it, e.g. "CN=…, O=…"."""
    return describe_name(x509.load_der_x509_certificate(cert.dump()).subject)


def certificate_fingerprint(cert: asn1_x509.Certificate) -> str:
    """Return the lowercase hex SHA-256 of a certificate's DER encoding."""
    return hashlib.sha256(cert.dump()).hexdigest()

"""Build a seal's CMS signature fast: what never changes for a key is encoded once, then spliced."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from .certs import certificate_fingerprint

if TYPE_CHECKING:
    from .seal import SealKey

_TST_ATTRIBUTE = cms.CMSAttributeType("signature_time_stamp_token").dump()
_SIGNED_DATA = cms.ContentType("signed_data").dump()


class TimestampFailed(Exception):
    """The timestamp authority did not give a token while the seal was being made."""


def der(tag: int, content: bytes) -> bytes:
    """Return one DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


@dataclass(frozen=True)
class CmsTemplate:
    """The DER of a key's PAdES CMS signature, cut around the three parts that change per seal.

    Those are the message digest (inside the signed attributes), the signature value, and
    the timestamp token. Everything else is pyHanko's own encoding, taken from one real
    signature it made, so the output stays exactly what pyHanko would have produced.
    """

    digest_algorithm: str
    signed_attrs_prefix: bytes  # [0] IMPLICIT SET OF Attribute, up to the message digest
    signed_attrs_suffix: bytes
    signer_info_head: bytes  # version, sid, digestAlgorithm
    signature_algorithm: bytes
    signed_data_head: bytes  # version, digestAlgorithms, encapContentInfo, [0] certificates

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """Return the signed attributes for a document digest, tagged [0] as they sit in SignerInfo."""
        return self.signed_attrs_prefix + document_digest + self.signed_attrs_suffix

    def assemble(self, signed_attrs: bytes, signature: bytes, token: bytes | None) -> bytes:
        """Return the DER ContentInfo holding one SignerInfo with this signature and token."""
        unsigned = b""
        if token is not None:
            unsigned = der(0xA1, der(0x30, _TST_ATTRIBUTE + der(0x31, token)))
        signer_info = der(
            0x30, self.signer_info_head + signed_attrs + self.signature_algorithm + der(0x04, signature) + unsigned
        )
        signed_data = der(0x30, self.signed_data_head + der(0x31, signer_info))
        return der(0x30, _SIGNED_DATA + der(0xA0, signed_data))

    def size(self, signature_size: int, token_size: int | None) -> int:
        """Return the DER length of a CMS with a signature and (if given) a token of these sizes."""
        token = None if token_size is None else bytes(token_size)
        return len(self.assemble(self.signed_attributes(bytes(_digest_size(self.digest_algorithm))), bytes(signature_size), token))


def _digest_size(digest_algorithm: str) -> int:
    return get_pyca_cryptography_hash(digest_algorithm).digest_size


_templates: dict[tuple[tuple[str, ...], str], CmsTemplate] = {}
_templates_lock = threading.Lock()


class LoadedKeySigner(Signer):
    """A pyHanko signer that signs with an already-parsed key and a per-key CMS template.

    SimpleSigner re-parses the key per signature, and pyHanko re-encodes the whole CMS (the
    signing-certificate-v2 attribute and the certificate set above all) with asn1crypto each
    time; that encoding cost several times the RSA signature itself.
    """

    def __init__(self, key: SealKey) -> None:
        super().__init__(
            signing_cert=key.certificate,
            cert_registry=SimpleCertificateStore.from_certs(key.chain),
        )
        self._private_key = key.private_key
        # The template holds the certificate set, not the private key: key it by the certificates.
        self._cache_id = (key.fingerprint_sha256, *(certificate_fingerprint(c) for c in key.chain))
        self.last_cms_size: int | None = None
        self.last_token_size: int | None = None

    @property
    def signature_size(self) -> int:
        """Return the largest raw signature this key makes, in bytes."""
        key = self._private_key
        if isinstance(key, RSAPrivateKey):
            return (key.key_size + 7) // 8
        if isinstance(key, EllipticCurvePrivateKey):
            # DER ECDSA-Sig-Value: two INTEGERs, each possibly one byte longer for the sign bit.
            return 2 * ((key.curve.key_size + 7) // 8 + 1) + 8
        raise SigningError(f"cannot sign with a {type(key).__name__}")

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

    async def async_sign(  # type: ignore[override]
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: TimeStamper | None = None,
        signed_attr_settings: PdfCMSSignedAttributes | None = None,
        is_pdf_sig: bool = True,
        encap_content_info: object = None,
    ) -> cms.ContentInfo:
        """Return a detached CMS signature; a plain PAdES seal is spliced from the key's template."""
        settings = signed_attr_settings or PdfCMSSignedAttributes()
        plain = (
            use_pades
            and is_pdf_sig
            and not dry_run
            and encap_content_info is None
            and settings.adobe_revinfo_attr is None
            and settings.cades_signed_attrs is None
            and self.signed_attr_prov_spec is None
            and self.unsigned_attr_prov_spec is None
        )
        if not plain:
            # Anything else (CAdES attributes, Adobe revocation info, ISO 32004 MACs) is rare
            # for a seal and left to pyHanko's general code.
            content = await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
            self.last_cms_size = len(content.dump())
            return content
        template = await self.template(digest_algorithm)
        signed_attrs = template.signed_attributes(data_digest)
        # The signature covers the attributes as a SET (tag 0x31), not as the [0] in SignerInfo.
        signature = self.sign_raw(b"\x31" + signed_attrs[1:], digest_algorithm)
        token = None
        if timestamper is not None:
            digest = hashes.Hash(get_pyca_cryptography_hash(digest_algorithm))
            digest.update(signature)
            try:
                token = (await timestamper.async_timestamp(digest.finalize(), digest_algorithm)).dump()
            except Exception as exc:
                # Whatever the client raised (HTTP, I/O, a refused request), the authority gave
                # no token; the sealer decides whether another authority is tried.
                raise TimestampFailed(str(exc) or type(exc).__name__) from exc
        self.last_token_size = None if token is None else len(token)
        encoded = template.assemble(signed_attrs, signature, token)
        self.last_cms_size = len(encoded)
        return cms.ContentInfo.load(encoded)

    async def template(self, digest_algorithm: str) -> CmsTemplate:
        """Return this key's CMS template for a digest algorithm, made once per process."""
        cache_key = (self._cache_id, digest_algorithm)
        with _templates_lock:
            cached = _templates.get(cache_key)
        if cached is not None:
            return cached
        template = await self._make_template(digest_algorithm)
        with _templates_lock:
            _templates.setdefault(cache_key, template)
        return template

    async def _make_template(self, digest_algorithm: str) -> CmsTemplate:
        """Have pyHanko sign a random marker digest once, and cut its encoding around the marker."""
        marker = os.urandom(_digest_size(digest_algorithm))
        reference = await super().async_sign(marker, digest_algorithm, use_pades=True, is_pdf_sig=True)
        signed_data = reference["content"]
        (signer_info,) = signed_data["signer_infos"]
        attrs = signer_info["signed_attrs"].dump()
        if attrs.count(marker) != 1 or signed_data["crls"].native or signer_info["unsigned_attrs"].native:
            raise SigningError("pyHanko's signature does not have the expected shape for a seal")
        cut = attrs.index(marker)
        return CmsTemplate(
            digest_algorithm=digest_algorithm,
            signed_attrs_prefix=attrs[:cut],
            signed_attrs_suffix=attrs[cut + len(marker) :],
            signer_info_head=b"".join(signer_info[f].dump() for f in ("version", "sid", "digest_algorithm")),
            signature_algorithm=signer_info["signature_algorithm"].dump(),
            signed_data_head=b"".join(
                signed_data[f].dump() for f in ("version", "digest_algorithms", "encap_content_info", "certificates")
            ),
        )

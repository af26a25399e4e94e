"""The seal's CMS is spliced from a per-key template, and is exactly what pyHanko itself would build."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import DummyTimeStamper

from signing.cms import LoadedKeySigner
from signing.seal import Sealer, SealKey
from signing.verify import verify_pdf

REASON = "Record agreed by all parties"


def test_the_spliced_cms_is_byte_for_byte_the_one_pyhanko_builds(seal_key: SealKey) -> None:
    signer = LoadedKeySigner(seal_key)
    digest = hashlib.sha256(b"a sealed record").digest()

    async def both() -> tuple[bytes, bytes]:
        ours = await signer.async_sign(digest, "sha256", use_pades=True)
        theirs = await Signer.async_sign(signer, digest, "sha256", use_pades=True)
        return ours.dump(), theirs.dump()

    ours, theirs = asyncio.run(both())

    # RSA PKCS#1 v1.5 is deterministic and the seal has one certificate, so the two agree exactly.
    assert ours == theirs


def test_a_spliced_cms_with_a_timestamp_carries_the_token_over_its_signature(
    seal_key: SealKey, timestamper: DummyTimeStamper
) -> None:
    signer = LoadedKeySigner(seal_key)

    content = asyncio.run(
        signer.async_sign(hashlib.sha256(b"x").digest(), "sha256", use_pades=True, timestamper=timestamper)
    )

    (info,) = content["content"]["signer_infos"]
    (attribute,) = info["unsigned_attrs"]
    assert attribute["type"].native == "signature_time_stamp_token"
    (token,) = attribute["values"]
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hashed_message"].native == hashlib.sha256(info["signature"].native).digest()
    assert signer.last_cms_size == len(content.dump())


def test_a_token_that_outgrows_the_reserved_space_is_sealed_again_with_more_room(
    seal_key: SealKey,
    other_seal_key: SealKey,
    pdf: bytes,
    tsa_credentials: tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo],
    caplog: pytest.LogCaptureFixture,
) -> None:
    stamper = DummyTimeStamper(tsa_cert=tsa_credentials[0], tsa_key=tsa_credentials[1])
    sealer = Sealer(seal_key, timestampers=[stamper])
    sealer.seal(pdf, reason=REASON)  # the reservation is sized on this authority's small tokens
    # The authority starts sending certificates with its tokens, as some do after a renewal.
    stamper.certs_to_embed = [other_seal_key.certificate, seal_key.certificate, tsa_credentials[0]]

    with caplog.at_level(logging.WARNING, logger="signing.seal"):
        sealed = sealer.seal(pdf, reason=REASON)

    assert "sealing again" in caplog.text
    report = verify_pdf(sealed, [seal_key.fingerprint_sha256])
    assert report.ok and report.timestamp_valid
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_regular_signatures
    assert len(signature.sig_object["/Contents"]) >= len(signature.signed_data.dump())

"""Measure sealing: pyHanko's SimpleSigner loaded per seal versus our cached key and LoadedKeySigner.

Run: .venv/bin/python bench/seal.py [--n 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter  # noqa: E402
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner  # noqa: E402
from pypdf import PdfWriter  # noqa: E402
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject  # noqa: E402

from signing.certs import ensure_self_signed_seal  # noqa: E402
from signing.seal import LoadedKeySigner, Sealer, load_seal_key  # noqa: E402

PASSPHRASE = b"bench"


def three_page_pdf() -> bytes:
    """Return a three-page PDF with some text on each page."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for number in range(1, 4):
        page = writer.add_blank_page(width=595, height=842)
        lines = " ".join(f"0 -16 Td (Supervision note line {i} on page {number}) Tj" for i in range(40))
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 11 Tf 72 800 Td {lines} ET".encode("ascii"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def naive_seal(p12: Path, pdf: bytes) -> bytes:
    """Seal the way naive code does: load the PKCS#12 with SimpleSigner, then sign."""
    signer = SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE)
    meta = PdfSignatureMetadata(
        field_name="CountersignSeal",
        reason="bench",
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )
    return PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf))).getvalue()


def per_call_ms(fn: Callable[[], object], n: int) -> float:
    """Return the mean wall-clock milliseconds of n calls to fn (after one warm-up call)."""
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) * 1000 / n


def main() -> None:
    """Run both ways of sealing and both signers, and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20, help="seals per variant (default 20)")
    n = parser.parse_args().n

    with tempfile.TemporaryDirectory() as folder:
        p12 = ensure_self_signed_seal(Path(folder) / "seal.p12", PASSPHRASE, "Bench Trust document seal", "Bench Trust")
        pdf = three_page_pdf()

        naive = per_call_ms(lambda: naive_seal(p12, pdf), n)
        cached = per_call_ms(lambda: Sealer(load_seal_key(p12, PASSPHRASE)).seal(pdf, reason="bench"), n)

        # One signature each, signer already built: what is left is the key parse per signature.
        simple = SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE)
        loaded = LoadedKeySigner(load_seal_key(p12, PASSPHRASE))
        data = b"x" * 4096
        simple_ms = per_call_ms(lambda: asyncio.run(simple.async_sign_raw(data, "sha256")), n)
        loaded_ms = per_call_ms(lambda: asyncio.run(loaded.async_sign_raw(data, "sha256")), n)

    print(f"PDF {len(pdf)} bytes, 3 pages, RSA-3072 seal, {n} runs each")
    print(f"seal, SimpleSigner.load_pkcs12 per seal  {naive:8.1f} ms")
    print(f"seal, cached load_seal_key + Sealer      {cached:8.1f} ms")
    print(f"  ratio                                  {naive / cached:8.1f}x")
    print(f"one raw signature, SimpleSigner          {simple_ms:8.1f} ms")
    print(f"one raw signature, LoadedKeySigner       {loaded_ms:8.1f} ms")
    print(f"  ratio                                  {simple_ms / loaded_ms:8.1f}x")


if __name__ == "__main__":
    main()

"""Measure sealing against one raw RSA signature with the same key, and against the naive pyHanko way.

Variants, run interleaved (one of each per round, so machine load hits them alike):
  raw      one RSA PKCS#1 v1.5 / SHA-256 signature with `cryptography`, key already loaded
  seal     signing.Sealer as the app uses it: cached key, new Sealer per seal, PAdES B-B
  seal-T   the same with a local RFC 3161 timestamp server over HTTP (PAdES B-T)
  naive    pyHanko SimpleSigner loaded from the PKCS#12 per seal, default size estimate (two CMS builds)
  naive-T  the same with the local timestamp server
  tsa      one timestamp request to that server alone (what seal-T cannot avoid)

Run: .venv/bin/python bench/seal.py [--n 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asn1crypto import keys as asn1_keys  # noqa: E402
from asn1crypto import tsp  # noqa: E402
from asn1crypto import x509 as asn1_x509  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter  # noqa: E402
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner  # noqa: E402
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper  # noqa: E402
from pypdf import PdfWriter  # noqa: E402
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject  # noqa: E402

from signing.certs import ensure_self_signed_seal  # noqa: E402
from signing.seal import Sealer, load_seal_key, timestampers_from_urls  # noqa: E402
from signing.verify import verify_pdf  # noqa: E402

PASSPHRASE = b"bench"
PAGES = 4


def record_pdf(pages: int = PAGES) -> bytes:
    """Return a record-like PDF: a few A4 pages of compressed text, a logo image and an Info dictionary.

    The image's 120 KB of noise stand in for the embedded fonts of a LibreOffice export, so
    hashing the file costs about what it would for a real record.
    """
    writer = PdfWriter()
    logo = StreamObject()
    logo._data = random.Random(0).randbytes(200 * 200 * 3)
    logo.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(200),
            NameObject("/Height"): NumberObject(200),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    logo_ref = writer._add_object(logo)
    fonts = DictionaryObject()
    for name, base in (("/F1", "/Helvetica"), ("/F2", "/Helvetica-Bold")):
        fonts[NameObject(name)] = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject(base),
                }
            )
        )
    for number in range(1, pages + 1):
        page = writer.add_blank_page(width=595, height=842)
        lines = [f"BT /F2 14 Tf 56 790 Td (Supervision record - section {number}) Tj ET", "q 60 0 0 60 480 770 cm /Logo Do Q"]
        for i in range(48):
            text = f"Note {i}: discussed caseload, wellbeing and actions agreed with the supervisee on page {number}."
            lines.append(f"BT /F1 10 Tf 56 {760 - 15 * i} Td ({text}) Tj ET")
        content = StreamObject()
        content._data = zlib.compress("\n".join(lines).encode("ascii"))
        content[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): fonts, NameObject("/XObject"): DictionaryObject({NameObject("/Logo"): logo_ref})}
        )
    writer.add_metadata({"/Producer": "LibreOffice 7.4", "/Title": "Supervision record"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def tsa_credentials() -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    """Return a throwaway RSA timestamp authority certificate and key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Timestamp Authority")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)), asn1_keys.PrivateKeyInfo.load(der_key)


def serve_tsa() -> tuple[ThreadingHTTPServer, str]:
    """Serve RFC 3161 on 127.0.0.1 with pyHanko's DummyTimeStamper; return the server and its URL."""
    cert, key = tsa_credentials()
    stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = asyncio.run(stamper.async_request_tsa_response(request)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/tsa"


def naive_seal(p12: Path, pdf: bytes, tsa_url: str | None) -> bytes:
    """Seal the naive way: SimpleSigner from the PKCS#12 per seal, pyHanko's own size estimate."""
    signer = SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE)
    meta = PdfSignatureMetadata(
        field_name="CountersignSeal",
        reason="bench",
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )
    timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    return PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf))).getvalue()


def main() -> None:
    """Run every variant interleaved and print median, min and max per variant, and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=30, help="iterations per variant (default 30, at least 20)")
    n = max(20, parser.parse_args().n)

    server, tsa_url = serve_tsa()
    with tempfile.TemporaryDirectory() as folder:
        p12 = ensure_self_signed_seal(Path(folder) / "seal.p12", PASSPHRASE, "Bench Trust document seal", "Bench Trust")
        key = load_seal_key(p12, PASSPHRASE)
        pdf = record_pdf()
        data = b"x" * 32  # what gets signed is a short DER blob; its length barely matters to RSA

        variants: dict[str, Callable[[], object]] = {
            "raw": lambda: key.private_key.sign(data, PKCS1v15(), hashes.SHA256()),  # type: ignore[union-attr, call-arg]
            "seal": lambda: Sealer(load_seal_key(p12, PASSPHRASE)).seal(pdf, reason="bench"),
            "seal-T": lambda: Sealer(load_seal_key(p12, PASSPHRASE), timestampers_from_urls([tsa_url])).seal(
                pdf, reason="bench"
            ),
            "naive": lambda: naive_seal(p12, pdf, None),
            "naive-T": lambda: naive_seal(p12, pdf, tsa_url),
            "tsa": lambda: asyncio.run(HTTPTimeStamper(tsa_url).async_timestamp(bytes(32), "sha256")),
        }
        for fn in variants.values():  # warm-up: templates, token sizes, imports, connections
            fn()
        for label in ("seal", "seal-T", "naive"):
            sealed = variants[label]()
            assert isinstance(sealed, bytes) and verify_pdf(sealed, [key.fingerprint_sha256]).ok, label

        times: dict[str, list[float]] = {label: [] for label in variants}
        for _ in range(n):
            for label, fn in variants.items():
                start = time.perf_counter()
                fn()
                times[label].append((time.perf_counter() - start) * 1000)
    server.shutdown()
    server.server_close()

    key_bits = key.private_key.key_size  # type: ignore[union-attr]
    print(f"PDF {len(pdf)} bytes, {PAGES} pages; RSA-{key_bits} seal key; {n} interleaved iterations per variant")
    print(f"{'variant':<10}{'median ms':>11}{'min ms':>10}{'max ms':>10}")
    medians = {}
    for label, samples in times.items():
        medians[label] = statistics.median(samples)
        print(f"{label:<10}{medians[label]:>11.3f}{min(samples):>10.3f}{max(samples):>10.3f}")
    print()
    print(f"seal / raw RSA signature     {medians['seal'] / medians['raw']:6.1f}x   (target <= 10x)")
    print(f"naive / seal                 {medians['naive'] / medians['seal']:6.1f}x")
    print(f"seal-T / raw RSA signature   {medians['seal-T'] / medians['raw']:6.1f}x   (includes an HTTP round trip)")
    print(f"seal-T - tsa request         {medians['seal-T'] - medians['tsa']:6.1f} ms (sealing work around the timestamp)")
    print(f"naive-T / seal-T             {medians['naive-T'] / medians['seal-T']:6.1f}x")


if __name__ == "__main__":
    main()

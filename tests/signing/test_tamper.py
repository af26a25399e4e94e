"""Every way of changing a sealed record is caught by signing.verify and by Poppler's pdfsig, B-B and B-LTA alike."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import DecodedStreamObject, NameObject

from signing.seal import Sealer, SealKey, timestampers_from_urls
from signing.verify import verify_pdf

from ..pki import LocalPki

REASON = "Record agreed by all parties"


@pytest.fixture(scope="module")
def records(seal_key: SealKey, pki: LocalPki, pdf: bytes) -> dict[str, tuple[bytes, str, list]]:  # type: ignore[type-arg]
    """A B-B record with the self-signed seal and a B-LTA one from the local PKI, with how to check each."""
    lta = Sealer(
        pki.seal_key, timestampers_from_urls([pki.tsa_url]), embed_validation_info=True, tsa_trust_roots=[pki.root]
    ).seal(pdf, reason=REASON)
    return {
        "B-B": (Sealer(seal_key).seal(pdf, reason=REASON), seal_key.fingerprint_sha256, []),
        "B-LTA": (lta, pki.seal_key.fingerprint_sha256, [pki.root]),
    }


def pdfsig_accepts(data: bytes, folder: Path) -> bool:
    """Return whether pdfsig finds every signature it can check valid and the last one covering the whole file."""
    path = folder / "record.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60)
    blocks = re.split(r"^Signature #\d+:$", result.stdout, flags=re.M)[1:]
    if result.returncode != 0 or not blocks:
        return False
    # Poppler does not check document timestamps ("Signature Type: unknown"); those are left to
    # signing.verify. Every signature it does check must be valid.
    checked = [b for b in blocks if "Signature Type: unknown" not in b]
    return (
        bool(checked)
        and all("Signature Validation: Signature is Valid." in b for b in checked)
        and "Total document signed" in blocks[-1]
        and "Not total document signed" not in blocks[-1]
    )


def flip_content_byte(data: bytes) -> bytes:
    at = data.index(b"Supervision record, page 2")
    return data[:at] + b"X" + data[at + 1 :]


def flip_signature_byte(data: bytes) -> bytes:
    (signature,) = PdfFileReader(BytesIO(data)).embedded_regular_signatures
    value = signature.signer_info["signature"].native.hex().upper().encode("ascii")
    at = data.index(value) + len(value) // 2  # the middle of the RSA signature value in /Contents
    flipped = b"0" if data[at : at + 1] != b"0" else b"1"
    return data[:at] + flipped + data[at + 1 :]


def add_annotation(data: bytes) -> bytes:
    writer = PdfWriter(BytesIO(data), incremental=True)
    writer.add_annotation(0, FreeText(text="Amended", rect=(50, 50, 200, 100)))
    return _write(writer)


def add_page(data: bytes) -> bytes:
    writer = PdfWriter(BytesIO(data), incremental=True)
    page = writer.add_blank_page(width=595, height=842)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 14 Tf 72 760 Td (Supervision record, an extra page) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    return _write(writer)


def replace_page_content(data: bytes) -> bytes:
    writer = PdfWriter(BytesIO(data), incremental=True)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 14 Tf 72 760 Td (Supervision record, rewritten) Tj ET")
    writer.pages[1][NameObject("/Contents")] = writer._add_object(content)
    return _write(writer)


def _write(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


TAMPERS: dict[str, Callable[[bytes], bytes]] = {
    "a byte of content flipped": flip_content_byte,
    "a byte of the signature flipped": flip_signature_byte,
    "an annotation added": add_annotation,
    "a page added": add_page,
    "a page's content replaced": replace_page_content,
}


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_the_untouched_record_is_accepted_by_both(level: str, records: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    data, fingerprint, roots = records[level]

    assert verify_pdf(data, [fingerprint], tsa_trust_roots=roots).ok
    assert pdfsig_accepts(data, tmp_path)


@pytest.mark.parametrize("tamper", list(TAMPERS))
@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_a_tampered_record_is_refused_by_both(level: str, tamper: str, records: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    data, fingerprint, roots = records[level]

    tampered = TAMPERS[tamper](data)

    assert tampered != data
    report = verify_pdf(tampered, [fingerprint], tsa_trust_roots=roots)
    assert not report.ok
    assert any("changed after it was sealed" in p or "damaged" in p for p in report.problems), report.problems
    assert not pdfsig_accepts(tampered, tmp_path)

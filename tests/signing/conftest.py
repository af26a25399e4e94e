"""Fixtures for the signing package: real seal keys, small PDFs (the test PKI is tests/conftest.py's `pki`)."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from signing.certs import ensure_self_signed_seal
from signing.seal import SealKey, load_seal_key

PASSPHRASE = b"correct horse battery staple"


@pytest.fixture(scope="session")
def seal_key(tmp_path_factory: pytest.TempPathFactory) -> SealKey:
    """A trust's self-signed seal, made the way the app makes one."""
    folder = tmp_path_factory.mktemp("seal")
    path = ensure_self_signed_seal(folder / "trust.p12", PASSPHRASE, "Riverside Trust document seal", "Riverside Trust")
    return load_seal_key(path, PASSPHRASE)


@pytest.fixture(scope="session")
def other_seal_key(tmp_path_factory: pytest.TempPathFactory) -> SealKey:
    """Somebody else's self-signed seal, with a name like ours."""
    folder = tmp_path_factory.mktemp("other-seal")
    path = ensure_self_signed_seal(folder / "other.p12", b"x", "Riverside Trust document seal", "Riverside Trust")
    return load_seal_key(path, b"x")


def make_pdf(pages: int = 3, text: str = "Supervision record") -> bytes:
    """Return a small real PDF with a line of text on each page."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    font_ref = writer._add_object(font)
    for number in range(1, pages + 1):
        page = writer.add_blank_page(width=595, height=842)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 14 Tf 72 760 Td ({text}, page {number}) Tj ET".encode("ascii"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def pdf() -> bytes:
    """A three-page record, as LibreOffice would hand it over (but smaller)."""
    return make_pdf()


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>LibreOffice 7.4</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


@pytest.fixture(scope="session")
def pdf_a() -> bytes:
    """A record that identifies itself as PDF/A-2b the way LibreOffice's export does."""
    writer = PdfWriter(clone_from=BytesIO(make_pdf()))
    metadata = DecodedStreamObject()
    metadata.set_data(XMP.encode("utf-8"))
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
        }
    )
    writer.root_object[NameObject("/Metadata")] = writer._add_object(metadata)
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    writer.add_metadata({"/Producer": "LibreOffice 7.4", "/Creator": "Writer"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()

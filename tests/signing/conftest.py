"""Fixtures for the signing package: real seal keys, real timestamp authorities, a test PKI, small PDFs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)
from werkzeug.serving import make_server

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


# --- a real test PKI on 127.0.0.1 (certomancer) ---------------------------------------------------

PKI_CONFIG = Path(__file__).parent / "pki" / "certomancer.yml"
PKI_KEYS = (
    "root",
    "interm",
    "ocsp",
    "seal",
    "tsa",
    "offline-root",
    "offline-seal",
    "elsewhere-root",
    "elsewhere-tsa",
)


@dataclass(frozen=True)
class LocalPki:
    """The local PKI's seal keys, authorities and roots, as the service would be configured with them."""

    seal_key: SealKey  # issued by an intermediate that has OCSP and CRLs on the local server
    tsa_url: str
    root: asn1_x509.Certificate  # root of the seal's chain and of the TSA
    offline_seal_key: SealKey  # its OCSP responder's address has nothing listening
    offline_root: asn1_x509.Certificate
    elsewhere_tsa_url: str  # a second, unrelated authority with its own root
    elsewhere_root: asn1_x509.Certificate
    config: CertomancerConfig


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPki]:
    """Serve certomancer's OCSP responder, CRLs and TSAs on 127.0.0.1 for the whole session."""
    folder = tmp_path_factory.mktemp("pki")
    for label in PKI_KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        (folder / f"{label}.key.pem").write_bytes(pem)

    # Bind first: the certificates carry the server's URLs, so the port must be known before
    # certomancer makes them. The server gets its application once that exists.
    application: list[Animator] = []
    server = make_server("127.0.0.1", 0, lambda environ, start: application[0](environ, start), threaded=True)
    prefix = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_yaml(PKI_CONFIG.read_text(), key_search_dir=str(folder), external_url_prefix=prefix)
    application.append(Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    main, offline, elsewhere = (config.get_pki_arch(ArchLabel(a)) for a in ("countersign", "offline", "elsewhere"))
    try:
        yield LocalPki(
            seal_key=_pkcs12_seal_key(folder / "seal.p12", main.package_pkcs12(CertLabel("seal"), password=b"pw")),
            tsa_url=main.service_registry.get_tsa_info(ServiceLabel("tsa")).url,
            root=main.get_cert(CertLabel("root")),
            offline_seal_key=_pkcs12_seal_key(
                folder / "offline.p12", offline.package_pkcs12(CertLabel("offline-seal"), password=b"pw")
            ),
            offline_root=offline.get_cert(CertLabel("offline-root")),
            elsewhere_tsa_url=elsewhere.service_registry.get_tsa_info(ServiceLabel("elsewhere-tsa")).url,
            elsewhere_root=elsewhere.get_cert(CertLabel("elsewhere-root")),
            config=config,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _pkcs12_seal_key(path: Path, data: bytes) -> SealKey:
    """Load a seal key exported as PKCS#12, the way a trust's CA would hand it over."""
    path.write_bytes(data)
    return load_seal_key(path, b"pw")

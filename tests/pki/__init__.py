"""A real test PKI on 127.0.0.1 (certomancer): roots, an OCSP responder, CRLs and two TSAs.

Shared by the signing tests and the app's tests through the session-scoped `pki` fixture in
tests/conftest.py, which starts the server only when a test asks for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from werkzeug.serving import make_server

from signing.seal import SealKey, load_seal_key

CONFIG = Path(__file__).parent / "certomancer.yml"
KEYS = (
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
# The passphrase of the PKCS#12 files the PKI exports, as a trust's CA would hand them over.
PASSPHRASE = "pw"


@dataclass(frozen=True)
class LocalPki:
    """The local PKI's seal keys, authorities and roots, as the service would be configured with them."""

    seal_key: SealKey  # issued by an intermediate that has OCSP and CRLs on the local server
    seal_p12: Path
    tsa_url: str
    root: asn1_x509.Certificate  # root of the seal's chain and of the TSA
    root_pem: Path
    offline_seal_key: SealKey  # its OCSP responder's address has nothing listening
    offline_p12: Path
    offline_root: asn1_x509.Certificate
    elsewhere_tsa_url: str  # a second, unrelated authority with its own root
    elsewhere_root: asn1_x509.Certificate
    config: CertomancerConfig


@contextmanager
def serving(folder: Path) -> Iterator[LocalPki]:
    """Make the PKI's keys and certificates in folder and serve its OCSP, CRLs and TSAs until the block ends."""
    for label in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        (folder / f"{label}.key.pem").write_bytes(pem_key)

    # Bind first: the certificates carry the server's URLs, so the port must be known before
    # certomancer makes them. The server gets its application once that exists.
    application: list[Animator] = []
    server = make_server("127.0.0.1", 0, lambda environ, start: application[0](environ, start), threaded=True)
    prefix = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_yaml(CONFIG.read_text(), key_search_dir=str(folder), external_url_prefix=prefix)
    application.append(Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    main, offline, elsewhere = (config.get_pki_arch(ArchLabel(a)) for a in ("countersign", "offline", "elsewhere"))
    seal_p12 = _export(folder / "seal.p12", main.package_pkcs12(CertLabel("seal"), password=PASSPHRASE.encode()))
    offline_p12 = _export(
        folder / "offline.p12", offline.package_pkcs12(CertLabel("offline-seal"), password=PASSPHRASE.encode())
    )
    root = main.get_cert(CertLabel("root"))
    root_pem = folder / "root.pem"
    root_pem.write_bytes(pem.armor("CERTIFICATE", root.dump()))
    try:
        yield LocalPki(
            seal_key=load_seal_key(seal_p12, PASSPHRASE.encode()),
            seal_p12=seal_p12,
            tsa_url=main.service_registry.get_tsa_info(ServiceLabel("tsa")).url,
            root=root,
            root_pem=root_pem,
            offline_seal_key=load_seal_key(offline_p12, PASSPHRASE.encode()),
            offline_p12=offline_p12,
            offline_root=offline.get_cert(CertLabel("offline-root")),
            elsewhere_tsa_url=elsewhere.service_registry.get_tsa_info(ServiceLabel("elsewhere-tsa")).url,
            elsewhere_root=elsewhere.get_cert(CertLabel("elsewhere-root")),
            config=config,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _export(path: Path, data: bytes) -> Path:
    """Write a PKCS#12 the PKI exported, owner-only, as a seal key file would be kept."""
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def offline_lta_validation(data: bytes, root: asn1_x509.Certificate) -> object:
    """Run pyHanko's PAdES-LTA validation with only what is in the file: no fetching at all."""
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[root]),
                revinfo_policy=CertRevTrustPolicy(revocation_checking_policy=REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
        )
    )
    (signature,) = PdfFileReader(BytesIO(data)).embedded_regular_signatures
    return asyncio.run(ades_lta_validation(signature, spec))

"""A trust's self-signed seal is made once, kept private, and protected by its passphrase."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from signing.certs import ensure_self_signed_seal
from signing.seal import SealKey, SealKeyError, load_seal_key

ROOT = Path(__file__).resolve().parents[2]


def make(path: Path, passphrase: bytes = b"pass") -> Path:
    return ensure_self_signed_seal(path, passphrase, "Riverside Trust document seal", "Riverside Trust")


def test_the_seal_is_made_on_first_use_in_a_new_private_file(tmp_path: Path) -> None:
    path = tmp_path / "seals" / "deeper" / "riverside.p12"

    assert make(path) == path

    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["riverside.p12"]  # no temporary files left


def test_an_existing_seal_is_reused_untouched(tmp_path: Path) -> None:
    path = make(tmp_path / "riverside.p12")
    before = path.read_bytes(), path.stat().st_mtime_ns

    assert make(path) == path
    assert ensure_self_signed_seal(path, b"other passphrase", "Another name", "Another org") == path

    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_the_certificate_is_a_three_year_rsa_3072_non_ca_seal_for_the_trust(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    key, cert, _ = pkcs12.load_key_and_certificates(make(tmp_path / "s.p12").read_bytes(), b"pass")
    assert cert is not None

    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 3072
    assert cert.subject.rfc4514_string() == "O=Riverside Trust,CN=Riverside Trust document seal"
    assert cert.issuer == cert.subject
    assert before - timedelta(minutes=6) < cert.not_valid_before_utc <= before - timedelta(minutes=4)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc >= timedelta(days=3 * 365)

    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign and not usage.value.key_encipherment
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)


def test_the_passphrase_is_needed_to_open_the_seal(tmp_path: Path) -> None:
    path = make(tmp_path / "s.p12", b"right")

    for wrong in (b"wrong", None, b""):
        with pytest.raises(SealKeyError):
            SealKey.from_pkcs12(path, wrong)
        with pytest.raises(SealKeyError):
            load_seal_key(path, wrong)
    assert load_seal_key(path, b"right").subject == "CN=Riverside Trust document seal, O=Riverside Trust"


def test_an_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make(tmp_path / "s.p12", b"")


def test_the_loaded_key_is_parsed_once_and_reloaded_when_the_file_changes(tmp_path: Path) -> None:
    path = make(tmp_path / "s.p12")
    first = load_seal_key(path, b"pass")

    assert load_seal_key(path, b"pass") is first
    assert load_seal_key(tmp_path / "." / "s.p12", b"pass") is first

    path.unlink()
    make(path)  # a new key in the same place
    replaced = load_seal_key(path, b"pass")
    assert replaced is not first
    assert replaced.fingerprint_sha256 != first.fingerprint_sha256


def test_a_seal_key_describes_its_certificate(tmp_path: Path) -> None:
    key = load_seal_key(make(tmp_path / "s.p12"), b"pass")

    assert key.subject == "CN=Riverside Trust document seal, O=Riverside Trust"
    assert len(key.fingerprint_sha256) == 64 and key.fingerprint_sha256 == key.fingerprint_sha256.lower()
    assert key.not_after.tzinfo is not None and key.not_after > datetime.now(UTC) + timedelta(days=1000)


RACE = """
import sys, time
from pathlib import Path
from signing.certs import ensure_self_signed_seal
start = float(sys.argv[2])
while time.time() < start:
    pass
ensure_self_signed_seal(Path(sys.argv[1]), b"pass", "Riverside Trust document seal", "Riverside Trust")
from signing.seal import load_seal_key
print(load_seal_key(Path(sys.argv[1]), b"pass").fingerprint_sha256)
"""


def test_processes_racing_to_make_the_seal_all_end_up_with_the_same_one(tmp_path: Path) -> None:
    path = tmp_path / "raced" / "s.p12"
    start = time.time() + 1.5
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(path), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [worker.communicate(timeout=120) for worker in workers]

    assert all(worker.returncode == 0 for worker in workers), [err for _, err in results]
    fingerprints = {out.strip() for out, _ in results}
    assert len(fingerprints) == 1
    assert fingerprints == {load_seal_key(path, b"pass").fingerprint_sha256}
    assert [p.name for p in path.parent.iterdir()] == ["s.p12"]

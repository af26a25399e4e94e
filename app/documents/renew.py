"""Keep sealed records verifiable: add a fresh document timestamp before the last one's authority certificate expires.

The sealed file is content-addressed and never overwritten: the re-timestamped PDF becomes the
version's newest sealed copy (downloads give it), and the older copies stay records we issued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from signing import add_document_timestamp, last_timestamp_expiry, timestampers_from_urls

from .. import audit
from ..audit import EventType
from ..db import transaction, utcnow
from ..extensions import db
from ..storage import PDF, store
from ..trusts.seal_keys import seal_key_for, tsa_roots
from .models import DocumentVersion, SealedCopy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Renewal:
    """What happened to one sealed record: renewed (new file), skipped (not due) or failed (why)."""

    document_id: int
    reference: str
    expires: datetime | None
    outcome: str  # "renewed", "not due", "failed"
    detail: str = ""


def renew_timestamps(within_days: int, *, now: datetime | None = None) -> list[Renewal]:
    """Add a document timestamp to every sealed record whose last timestamp's certificate expires within the days."""
    config = current_app.config
    if not config["TSA_URLS"]:
        raise RuntimeError("no timestamp authority is configured (COUNTERSIGN_TSA_URLS)")
    moment = now or utcnow()
    horizon = moment + timedelta(days=within_days)
    ids = list(db.session.scalars(select(DocumentVersion.id).where(DocumentVersion.sealed_file_id.is_not(None))))
    db.session.commit()
    results = []
    for version_id in ids:
        results.append(_renew_one(version_id, horizon))
    return results


def _renew_one(version_id: int, horizon: datetime) -> Renewal:
    version = db.session.get(DocumentVersion, version_id)
    assert version is not None and version.sealed_file is not None
    document = version.document
    old = version.sealed_file
    pdf = old.read()
    expires = last_timestamp_expiry(pdf)
    if expires is None:  # sealed without a timestamp authority: nothing lapses
        return Renewal(document.id, document.reference, None, "not due", "no timestamp to renew")
    if expires > horizon:
        return Renewal(document.id, document.reference, expires, "not due")
    seal_roots = _seal_roots(document.trust)
    db.session.commit()  # hold no lock while the authority answers
    failures = []
    for timestamper in timestampers_from_urls(current_app.config["TSA_URLS"]):
        try:
            renewed = add_document_timestamp(pdf, timestamper, tsa_roots(), seal_trust_roots=seal_roots)
            break
        except Exception as exc:  # whichever way the authority or its validation data failed
            failures.append(f"{getattr(timestamper, 'url', '?')}: {type(exc).__name__}: {exc}"[:300])
    else:
        with transaction():
            audit.record(EventType.TIMESTAMP_RENEWAL_FAILED, document_id=document.id,
                         details={"version": version.number, "errors": failures})
        log.warning("timestamp renewal failed for document %s", document.id)
        return Renewal(document.id, document.reference, expires, "failed", "; ".join(failures))
    with transaction():
        version = db.session.get(DocumentVersion, version_id, populate_existing=True)
        assert version is not None
        if version.sealed_file_id != old.id:  # renewed meanwhile by another run
            return Renewal(document.id, document.reference, expires, "not due", "renewed by another run")
        new = store(renewed, PDF)
        version.sealed_file_id = new.id
        db.session.add(SealedCopy(version_id=version.id, file_id=new.id, created_at=utcnow()))
        new_expiry = last_timestamp_expiry(renewed)
        audit.record(
            EventType.TIMESTAMP_RENEWED,
            document_id=version.document_id,
            details={
                "version": version.number,
                "previous_sha256": old.sha256,
                "sealed_sha256": new.sha256,
                "previous_expiry": expires.isoformat(),
                "expiry": new_expiry.isoformat() if new_expiry else None,
            },
        )
    return Renewal(document.id, document.reference, expires, "renewed", new.sha256)


def _seal_roots(trust: object) -> list:
    """Return the seal's CA roots when its revocation data should be embedded too (B-LTA), else none."""
    if not current_app.config["SEAL_EMBED_VALIDATION"]:
        return []
    key = seal_key_for(trust)  # type: ignore[arg-type]
    return [c for c in key.chain if c.self_signed in ("yes", "maybe")] or [key.certificate]

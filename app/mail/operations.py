"""Queue emails inside a transaction; build and deliver them in a job after commit."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Executable, or_, update

from .. import audit
from ..audit import EventType
from ..db import renewing, transaction, utcnow
from ..extensions import db
from ..jobs import Job, dispatch
from ..storage import StoredFile
from ..text import render_email
from .backends import backend_from_config
from .links import link_url
from .models import OutboundEmail

log = logging.getLogger(__name__)
# A short claim renewed while sending, so a worker killed mid-send frees the email within CLAIM.
CLAIM = timedelta(seconds=30)
RENEW_EVERY = CLAIM.total_seconds() / 3


def queue_email(
    template: str,
    *,
    to_name: str,
    to_email: str,
    context: dict[str, Any],
    document_id: int | None = None,
    link: tuple[str, int] | None = None,
    attachment: tuple[StoredFile, str] | None = None,
) -> OutboundEmail:
    """Add an email to the outbox in the caller's transaction; it is sent after commit.

    link is (kind, row id): the URL and its token are made only when the email is built.
    """
    email = OutboundEmail(
        template=template,
        to_name=to_name,
        to_email=to_email,
        context=context,
        document_id=document_id,
        link_kind=link[0] if link else None,
        link_id=link[1] if link else None,
        attachment_file_id=attachment[0].id if attachment else None,
        attachment_name=attachment[1] if attachment else None,
    )
    db.session.add(email)
    db.session.flush()
    dispatch(Job.DELIVER_EMAIL, email.id)
    return email


def _claim(email_id: int) -> OutboundEmail | None:
    """Take the email for sending unless it is sent, given up, or another worker holds it."""
    now = utcnow()
    with transaction():
        claimed = db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.id == email_id,
                or_(
                    # A retry delivered early (or twice) waits for its back-off to end.
                    (OutboundEmail.status == OutboundEmail.QUEUED)
                    & or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now),
                    (OutboundEmail.status == OutboundEmail.SENDING)
                    & (OutboundEmail.claimed_until < now),
                ),
            )
            .values(
                status=OutboundEmail.SENDING,
                claimed_until=now + CLAIM,
                attempts=OutboundEmail.attempts + 1,
            )
        ).rowcount
    if not claimed:
        return None
    return db.session.get(OutboundEmail, email_id, populate_existing=True)


def _renewal(email_id: int) -> Executable:
    """Return the statement that extends the claim on an email still being sent."""
    return (
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.status == OutboundEmail.SENDING)
        .values(claimed_until=utcnow() + CLAIM)
    )


def build_message(email: OutboundEmail) -> EmailMessage:
    """Build the message, signing a fresh token into its link if it carries one."""
    context = dict(email.context)
    if email.link_kind is not None and email.link_id is not None:
        context["url"] = link_url(email.link_kind, email.link_id)
    subject, body = render_email(email.template, context)
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = Address(display_name=email.to_name, addr_spec=email.to_email)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = email.message_id or make_msgid(f"countersign.{email.id}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    if email.attachment_file_id is not None:
        stored = db.session.get(StoredFile, email.attachment_file_id)
        assert stored is not None
        maintype, subtype = stored.media_type.split("/", 1)
        message.add_attachment(stored.read(), maintype=maintype, subtype=subtype, filename=email.attachment_name)
    if config["PRINT_LINKS"] and "url" in context:
        print(f"[countersign] link for {email.to_name} <{email.to_email}>: {context['url']}")
    return message


def deliver(email_id: int) -> float | None:
    """Send one queued email; return seconds until the next try when it failed and may retry."""
    email = _claim(email_id)
    if email is None:
        return None
    message: EmailMessage | None = None
    try:
        with renewing(lambda: _renewal(email_id), every=RENEW_EVERY):
            try:
                message = build_message(email)
                db.session.commit()  # hold no transaction (on SQLite, the write lock) while sending
            except BaseException:
                db.session.rollback()
                raise
            backend_from_config(current_app.config).send(message)
    except Exception as exc:  # any failure: record it, keep the email, retry later
        return _failed(email, message, exc)
    with transaction():
        email.status = OutboundEmail.SENT
        email.sent_at = utcnow()
        email.message_id = str(message["Message-ID"])
        email.last_error = None
        audit.record(
            EventType.EMAIL_DELIVERED,
            document_id=email.document_id,
            details={"to": email.to_email, "template": email.template, "attempt": email.attempts},
        )
    return None


def _failed(email: OutboundEmail, message: EmailMessage | None, exc: Exception) -> float | None:
    config = current_app.config
    error = f"{type(exc).__name__}: {exc}"[:1000]
    final = email.attempts >= int(config["MAIL_MAX_ATTEMPTS"])
    delay = float(config["MAIL_RETRY_BASE_SECONDS"]) * 2 ** (email.attempts - 1)
    if final:  # every give-up leaves the message on disk, whether or not it could be built
        keep_undelivered(email, message, error)
    with transaction():
        email.last_error = error
        email.claimed_until = None
        if final:
            email.status = OutboundEmail.FAILED
            audit.record(
                EventType.EMAIL_FAILED,
                document_id=email.document_id,
                details={"to": email.to_email, "template": email.template, "error": error},
            )
        else:
            email.status = OutboundEmail.QUEUED
            email.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.warning("email %s attempt %s failed: %s", email.id, email.attempts, type(exc).__name__)
    return None if final else delay


def keep_undelivered(email: OutboundEmail, message: EmailMessage | None, error: str) -> Path | None:
    """Write an email that was given up to OUTPUT_DIR/undelivered (.eml, or .txt if it could not be built)."""
    folder = Path(current_app.config["OUTPUT_DIR"]) / "undelivered"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if message is not None:
            path = folder / f"email-{email.id}.eml"
            path.write_bytes(bytes(message))
        else:
            path = folder / f"email-{email.id}.txt"
            path.write_text(_unbuilt(email, error), encoding="utf-8")
    except OSError as exc:  # the give-up is still recorded; say loudly that the copy is missing
        log.error("email %s could not be written to %s: %s", email.id, folder, type(exc).__name__)
        return None
    return path


def _unbuilt(email: OutboundEmail, error: str) -> str:
    """Return what is known of an email that could not be built; values are JSON so nothing is hidden."""
    lines = [
        "Countersign could not build this email, so it was never sent.",
        f"To name: {json.dumps(email.to_name)}",
        f"To email: {json.dumps(email.to_email)}",
        f"Template: {json.dumps(email.template)}",
        f"Document: {email.document_id or '-'}",
        f"Attempts: {email.attempts}",
        f"Error: {json.dumps(error)}",
    ]
    try:
        context = dict(email.context)
        if email.link_kind is not None and email.link_id is not None:
            context["url"] = link_url(email.link_kind, email.link_id)
        subject, body = render_email(email.template, context)
    except Exception as exc:  # the template itself may be what fails: keep the context
        lines += [f"Not rendered: {json.dumps(f'{type(exc).__name__}: {exc}')}", "", "Context:",
                  json.dumps(email.context, indent=2, sort_keys=True, default=str)]
    else:
        lines += [f"Subject: {json.dumps(subject)}", "", body]
    return "\n".join(lines) + "\n"

"""Ways to hand a built message over: an outbox folder of .eml files, or SMTP."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class OutboxBackend:
    """Write each message as an .eml file (the embedded default: nothing leaves the machine)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        target = self.folder / f"{name}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        os.replace(tmp, target)


class SmtpBackend:
    """Send through an SMTP server, with STARTTLS or implicit TLS when configured."""

    def __init__(self, config: dict[str, Any]):
        self.host = config["SMTP_HOST"]
        self.port = int(config["SMTP_PORT"])
        self.security = str(config["SMTP_SECURITY"]).lower()
        self.user = config["SMTP_USER"]
        self.password = config["SMTP_PASSWORD"]
        self.timeout = float(config["SMTP_TIMEOUT"])
        if self.security not in {"none", "starttls", "tls"}:
            raise ValueError("SMTP_SECURITY must be none, starttls or tls")

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def backend_from_config(config: dict[str, Any]) -> MailBackend:
    """Return the configured backend."""
    kind = config["MAIL_BACKEND"]
    if kind == "outbox":
        return OutboxBackend(Path(config["OUTPUT_DIR"]) / "outbox")
    if kind == "smtp":
        return SmtpBackend(config)
    raise ValueError(f"MAIL_BACKEND must be outbox or smtp, not {kind!r}")

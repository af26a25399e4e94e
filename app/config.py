"""Settings: defaults in code, overridden by COUNTERSIGN_* environment variables or a test mapping.

Every setting here appears in the README's table.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# app.extensions[FACTORY] is the factory that built the app: what builds it again in a child process.
FACTORY = "countersign.factory"

DEFAULTS: dict[str, Any] = {
    # Where the database, outbox, stored documents and the embedded seal key live.
    "OUTPUT_DIR": str(PROJECT_ROOT / "output"),
    # Folder of trust profiles (trusts/*.toml) and Word forms.
    "TEMPLATES_DIR": str(PROJECT_ROOT / "document_templates"),
    "BASE_URL": "http://127.0.0.1:5000",
    # Signing key for links and sessions; generated under OUTPUT_DIR on first run if unset.
    "SECRET_KEY": None,
    # HMAC key for audit checkpoints; kept out of the database; generated under OUTPUT_DIR on first run if unset.
    "AUDIT_CHECKPOINT_KEY": None,
    # Key of the secrets the app reads back (webhook and OpenID client secrets), which the database
    # holds only encrypted; keep it out of the database's backups. Generated under OUTPUT_DIR if unset.
    "ENCRYPTION_KEY": None,
    # Earlier encryption keys, still decrypting what was stored under them.
    "OLD_ENCRYPTION_KEYS": [],
    # Earlier secret keys still accepted for links already sent (oldest first).
    "OLD_SECRET_KEYS": [],
    # SQLAlchemy URL; default SQLite under OUTPUT_DIR.
    "DATABASE_URL": None,
    # On PostgreSQL, a pooled connection unused for longer than this many seconds is checked (SELECT 1) as
    # it is taken, and replaced if it died; one used more recently is not (0: check every time it is taken).
    "DATABASE_PING_IDLE_SECONDS": 10,
    # Celery broker; empty runs jobs eagerly in-process.
    "CELERY_BROKER_URL": None,
    # The broker queue jobs go to and workers take them from (deployments sharing a broker differ).
    "CELERY_QUEUE": "celery",
    # Seconds between sweeps by Celery beat, which re-queue lost work (e.g. a killed worker's seal).
    "SWEEP_SECONDS": 15,
    # `make serve` and production: gunicorn's web processes and address (app/serving.py), and the
    # Celery worker's processes (one per conversion process of the host's service is a good fit).
    "WEB_WORKERS": 2,
    "WEB_BIND": "127.0.0.1:8000",
    "WORKER_CONCURRENCY": 2,
    # Without a broker, jobs run after the response on this many threads of each process...
    "JOBS_THREADS": 2,
    # ...or at once, inside the request or command that queued them (the test suite sets this).
    "JOBS_INLINE": False,
    # Those threads run at this much lower a scheduling priority than requests (a Linux nice increment,
    # 0-19): while a seal or a bulk reissue keeps the cores busy, every web process's requests come first.
    "JOBS_NICE": 10,
    # Without a broker, each serving process also keeps beat's schedule on those threads (the sweep every
    # SWEEP_SECONDS, reminders hourly, the audit checkpoint and timestamp renewal daily); off: run them from cron.
    "JOBS_SCHEDULE": True,
    # Without a broker, a bulk reissue of many contracts runs in this many processes of its own, two
    # contracts at a time in each, converting on this process's pool (0: one per conversion process; 1: threads here).
    "REISSUE_PROCESSES": 0,
    # Address of the host's conversion service (`flask conversion serve`), e.g. http://127.0.0.1:2003;
    # empty converts in this process with its own pool of LibreOffice processes.
    "CONVERSION_URL": None,
    # The conversion service and its LibreOffice run at this much lower a scheduling priority (a Linux nice
    # increment, 0-19): what it converts is waited for by jobs, while the same host's web processes answer people.
    "CONVERSION_NICE": 10,
    # Email: "outbox" writes .eml files under OUTPUT_DIR/outbox; "smtp" sends.
    "MAIL_BACKEND": "outbox",
    "MAIL_FROM": "Countersign <countersign@localhost>",
    "MAIL_MAX_ATTEMPTS": 6,
    "MAIL_RETRY_BASE_SECONDS": 30,
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 25,
    # "none", "starttls" or "tls".
    "SMTP_SECURITY": "none",
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TIMEOUT": 20,
    # Print each signing link on the console (development only: links are secrets).
    "PRINT_LINKS": False,
    # Days a personal download link to a sealed record stays usable.
    "DOWNLOAD_LINK_DAYS": 7,
    # Each process keeps a person's rendered dashboard lists until anything is recorded in the audit
    # log, the day changes, or this many seconds pass (0: compute them on every load).
    "DASHBOARD_CACHE_SECONDS": 60,
    # Each process keeps the rendered signing pages of this many open links, served again until anything
    # is recorded in the audit log or the link is used, replaced or expires (0: render on every open).
    "SIGNING_PAGE_CACHE_SIZE": 200,
    # Per trust seal certificate: {"slug": {"p12": "/path.p12", "passphrase": "..."}};
    # a trust not listed gets a self-signed seal generated under OUTPUT_DIR/seal.
    "SEAL_CERTIFICATES": {},
    # RFC 3161 timestamp authorities tried in order; empty seals without a timestamp.
    "TSA_URLS": [],
    # Embed revocation data and a document timestamp (PAdES B-LTA) when a TSA is used; needs TSA_TRUST_ROOTS.
    "SEAL_EMBED_VALIDATION": False,
    # With SEAL_EMBED_VALIDATION: seal B-T (logged) when revocation data cannot be fetched, rather than retry.
    "SEAL_ALLOW_B_T": False,
    # Root certificates (PEM or DER files) of the timestamp authorities: trusted times, and B-LTA.
    "TSA_TRUST_ROOTS": [],
    # Renew a sealed record's timestamp when its authority's certificate expires within this many days.
    "TIMESTAMP_RENEW_DAYS": 90,
    # TrueType fonts embedded in the evidence page and the stamps (DejaVu Sans, Sans Bold, Sans Mono).
    "PDF_FONT_DIR": "/usr/share/fonts/truetype/dejavu",
    # Where sign-in rate limits are counted ("memory://" per process, or e.g. redis://127.0.0.1:6379/1).
    "RATELIMIT_STORAGE_URI": "memory://",
    # How many reverse proxies in front of the app to trust for X-Forwarded-For/-Proto/-Host (0: none).
    "PROXY_FIX": 0,
    # LibreOffice pool: processes (0 = one per core), seconds per conversion, conversions per process.
    "CONVERSION_POOL_SIZE": 0,
    "CONVERSION_TIMEOUT": 60,
    "CONVERSION_MAX_PER_PROCESS": 1000,
    "CONVERSION_MAX_MEMORY_MB": 400,
    # Where stored files' bytes live: "files" under OUTPUT_DIR/files, or "database" (for several hosts).
    "STORAGE_BACKEND": "files",
    # A form not bundled with the app is checked and filled in in a child process with these limits.
    "FORM_CPU_SECONDS": 10,
    "FORM_MEMORY_MB": 1024,
    "FORM_WALL_SECONDS": 30,
    # The largest Word form a trust admin may upload, in MB.
    "FORM_MAX_MB": 10,
    # Requests each API key may make (Flask-Limiter syntax, counted where RATELIMIT_STORAGE_URI says).
    "API_RATE_LIMIT": "120 per minute;5000 per hour",
    # Webhooks: deliver to loopback or private addresses too (true, or a list of addresses/networks).
    "WEBHOOKS_ALLOW_PRIVATE": False,
    "WEBHOOK_TIMEOUT": 10,
    # First retry delay, doubling each attempt up to the maximum; an endpoint failing this long is disabled.
    "WEBHOOK_RETRY_BASE_SECONDS": 30,
    "WEBHOOK_RETRY_MAX_SECONDS": 3600,
    "WEBHOOK_DISABLE_AFTER_DAYS": 3,
    # Staff sign-in with OpenID providers: seconds per request to a provider, clock skew allowed on ID tokens.
    "OIDC_TIMEOUT": 10,
    "OIDC_CLOCK_SKEW_SECONDS": 60,
    # Accept http:// issuers on loopback addresses (a provider on this machine: development and tests).
    "OIDC_ALLOW_HTTP_ISSUERS": False,
}


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, then the environment, then the test mapping."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("COUNTERSIGN")
    if test_config:
        app.config.from_mapping(test_config)

    output = Path(app.config["OUTPUT_DIR"]).resolve()
    output.mkdir(parents=True, exist_ok=True)
    app.config["OUTPUT_DIR"] = str(output)

    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = stored_secret(output / "secret_key")
    if not app.config["AUDIT_CHECKPOINT_KEY"]:
        app.config["AUDIT_CHECKPOINT_KEY"] = stored_secret(output / "audit_checkpoint_key")
    if not app.config["ENCRYPTION_KEY"]:
        app.config["ENCRYPTION_KEY"] = stored_secret(output / "encryption_key")
    url = app.config["DATABASE_URL"] or f"sqlite:///{output / 'countersign.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # Parameters are record content (reasons, names, emails, addresses): never in logs or errors.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **_engine_options(url), **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "hide_parameters": True,
    }
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {}  # a connection is checked as it is taken only after sitting idle (app.db's _ping_after_idle)


def stored_secret(path: Path) -> str:
    """Return the secret kept at path, creating it once (first writer wins)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    candidate = secrets.token_urlsafe(48)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(candidate)
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()

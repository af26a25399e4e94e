"""Settings, key rotation and what the logs may not contain."""

from __future__ import annotations

import logging
from pathlib import Path

from app import create_app

from .test_contract_spine import agree, create, path_of


def test_a_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("COUNTERSIGN_SECRET_KEY", raising=False)
    first = create_app({"OUTPUT_DIR": str(tmp_path)})
    second = create_app({"OUTPUT_DIR": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    if not first.config["DATABASE_URL"]:  # the embedded default, unless CI points at PostgreSQL
        assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'countersign.sqlite3'}"


def test_settings_come_from_countersign_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNTERSIGN_BASE_URL", "https://records.example.org/")
    monkeypatch.setenv("COUNTERSIGN_TSA_URLS", '["https://tsa.example.org"]')
    app = create_app({"OUTPUT_DIR": str(tmp_path)})
    assert app.config["BASE_URL"] == "https://records.example.org"
    assert app.config["TSA_URLS"] == ["https://tsa.example.org"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_links_sent_before_a_key_rotation_still_work(app, runner, client, mailbox, trusts):
    create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-brand-new-secret-key-after-rotation"
    app.config["OLD_SECRET_KEYS"] = [old_key]
    assert client.get(path_of(url)).status_code == 200
    app.config["OLD_SECRET_KEYS"] = []  # the old key retired: its links stop working
    assert client.get(path_of(url)).status_code == 404


def test_downloading_an_unsealed_document_is_a_clear_error(app, runner, mailbox, trusts, tmp_path):
    document_id = create(runner)
    result = runner.invoke(args=["documents", "download", str(document_id), str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "is not sealed yet" in result.output
    assert not (tmp_path / "x.pdf").exists()
    missing = runner.invoke(args=["documents", "show", "4040"])
    assert missing.exit_code != 0 and "no document 4040" in missing.output


def test_tokens_never_reach_the_access_log(app, runner, client, mailbox, trusts, caplog):
    create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    token = url.rsplit("/", 1)[1]
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s', ("127.0.0.1", f"GET /s/{token} HTTP/1.1", "200"), None)
    for handler_filter in logging.getLogger("werkzeug").filters:
        handler_filter.filter(record)
    assert token not in record.getMessage() and "/s/[token]" in record.getMessage()
    sign_in = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s', (f"GET /staff/sign-in/{token} HTTP/1.1", "200"), None)
    for handler_filter in logging.getLogger("werkzeug").filters:
        handler_filter.filter(sign_in)
    assert token not in sign_in.getMessage() and "/staff/sign-in/[token]" in sign_in.getMessage()
    with caplog.at_level(logging.DEBUG):
        agree(client, url, "Sam O'Brien <Head> & Co")
    assert token not in caplog.text


def test_the_app_starts_without_a_database_or_libreoffice_running(tmp_path):
    app = create_app({"OUTPUT_DIR": str(tmp_path / "fresh")})
    client = app.test_client()
    home = client.get("/")
    assert home.status_code == 200
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
        assert header in home.headers
    assert "'unsafe-inline'" not in home.headers["Content-Security-Policy"]
    assert client.get("/verify").status_code == 200
    assert Path(app.config["OUTPUT_DIR"]).is_dir()


def test_checking_an_upload_generates_no_seal_keys(app, client, trusts):
    from io import BytesIO

    from .test_contract_spine import csrf

    seal = Path(app.config["OUTPUT_DIR"]) / "seal"
    before = sorted(seal.glob("*.p12")) if seal.exists() else []
    form = client.get("/verify")
    page = client.post("/verify", data={"csrf_token": csrf(form.text), "pdf": (BytesIO(b"%PDF-1.7 junk"), "x.pdf")})
    assert page.status_code == 200 and "This file has no seal" in page.text
    assert (sorted(seal.glob("*.p12")) if seal.exists() else []) == before

"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.sso.models import TrustSso
from app.webhooks.models import WebhookEndpoint


def test_migrations_match_the_models_and_reverse(tmp_path, settings, worker):
    config = dict(settings)
    if not os.environ.get("COUNTERSIGN_DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        upgrade()
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_the_migration_encrypts_the_secrets_stored_before_it_and_its_downgrade_decrypts_them(tmp_path, settings, worker):
    config = dict(settings)
    if not os.environ.get("COUNTERSIGN_DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app(config)
    raw = {"webhook_endpoint": "SELECT secret FROM webhook_endpoint", "trust_sso": "SELECT client_secret FROM trust_sso"}
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="b7c8d9e0f1a2")  # the last schema that kept secrets as given
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO trust (id, slug, name, profile, installed_at) "
                                    "VALUES (1, 'old', 'Old Trust', '{}', CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO webhook_endpoint (trust_id, url, events, secret, state, created_by, "
                                    "created_at) VALUES (1, 'https://example.org/hook', '[]', 'whsec_plain', "
                                    "'active', 'admin', CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO trust_sso (trust_id, issuer, client_id, client_secret, label, "
                                    "email_domains, updated_by, updated_at) VALUES (1, 'https://idp.example.org', "
                                    "'client', 'client-secret-plain', 'Example', '[]', 'admin', CURRENT_TIMESTAMP)"))
        upgrade()
        with db.engine.connect() as connection:
            stored = {table: connection.execute(text(query)).scalar_one() for table, query in raw.items()}
        assert all(value.startswith("fernet:") and "plain" not in value for value in stored.values()), stored
        assert db.session.scalar(select(WebhookEndpoint.secret)) == "whsec_plain"
        assert db.session.scalar(select(TrustSso.client_secret)) == "client-secret-plain"
        db.session.rollback()
        downgrade(revision="b7c8d9e0f1a2")
        with db.engine.connect() as connection:
            assert [connection.execute(text(query)).scalar_one() for query in raw.values()] == [
                "whsec_plain", "client-secret-plain"]
        downgrade(revision="base")
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()

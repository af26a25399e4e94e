"""GET /health tells a load balancer whether this process and its database answer; it changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import create_app


def test_health_says_ok_while_the_database_answers(app: Any) -> None:
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert app.test_client().head("/health").status_code == 200


def test_health_says_503_and_nothing_more_when_the_database_is_gone(
    settings: dict[str, Any], tmp_path: Path, caplog: Any
) -> None:
    # A database that cannot be opened: a folder where the SQLite file should be.
    (tmp_path / "gone.sqlite3").mkdir()
    broken = create_app({**settings, "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'gone.sqlite3'}"})
    response = broken.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"database": "unavailable"}
    assert str(tmp_path) not in response.get_data(as_text=True)
    assert "OperationalError" in caplog.text and str(tmp_path) not in caplog.text

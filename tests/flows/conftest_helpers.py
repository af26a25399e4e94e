"""Values and waits the tests share (a plain module, so any test package can import it)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

BROKER = os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")


def eventually(check: Callable[[], Any], timeout: float = 120, interval: float = 0.25) -> Any:
    """Return check()'s first truthy value, waiting for a worker when jobs are distributed."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def settle(app: Any, timeout: float = 120) -> None:
    """Wait until no email is waiting to go and no document is being prepared or sealed.

    With a worker, a job still running when the next test drops and recreates the tables would
    write into that test's rows (ids start again at 1), so every test ends when its work has.
    """
    from sqlalchemy import select

    from app.documents.models import Document
    from app.extensions import db
    from app.mail.models import OutboundEmail

    def settled() -> bool:
        with app.app_context():
            busy = db.session.scalar(
                select(OutboundEmail.id).where(OutboundEmail.status.in_([OutboundEmail.QUEUED, OutboundEmail.SENDING]))
            ) or db.session.scalar(select(Document.id).where(Document.state.in_(["preparing", "agreed"])))
            db.session.rollback()
            return busy is None

    assert eventually(settled, timeout), "a job was still running when the test ended"

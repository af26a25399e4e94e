"""The email job."""

from celery import shared_task

from ..jobs import is_eager
from .operations import deliver


@shared_task(name="countersign.deliver_email", bind=True, max_retries=None)
def deliver_email(self, email_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send one queued email, retrying with back-off on failure."""
    delay = deliver(email_id)
    if delay is not None and not is_eager():
        raise self.retry(countdown=delay)

"""The email job."""

from celery import Task, shared_task

from ..jobs import LONGEST_COUNTDOWN, Job, is_eager
from .operations import deliver


@shared_task(name=Job.DELIVER_EMAIL.value, bind=True, max_retries=None)
def deliver_email(self: Task, email_id: int) -> None:
    """Send one queued email, retrying with back-off on failure (longer waits: the sweep, when due)."""
    delay = deliver(email_id)
    if delay is not None and delay <= LONGEST_COUNTDOWN and not is_eager():
        raise self.retry(countdown=delay)

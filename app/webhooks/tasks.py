"""The webhook delivery job."""

from celery import Task, shared_task

from ..jobs import Job, is_eager
from .delivery import deliver


@shared_task(name=Job.DELIVER_WEBHOOK.value, bind=True, max_retries=None)
def deliver_webhook(self: Task, delivery_id: int) -> None:
    """Send one queued webhook, retrying with back-off on failure (the sweep also picks it up)."""
    delay = deliver(delivery_id)
    if delay is not None and not is_eager():
        raise self.retry(countdown=delay)

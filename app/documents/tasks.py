"""Document jobs: each takes an id, reloads, and does nothing when run a second time."""

from celery import shared_task

from ..jobs import is_eager


@shared_task(name="countersign.prepare_version", bind=True, max_retries=8)
def prepare_version(self, version_id: int) -> None:  # type: ignore[no-untyped-def]
    """Render and convert a version, then send its links."""
    from .operations import prepare

    try:
        prepare(version_id)
    except Exception as exc:
        if is_eager():
            raise
        raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc


@shared_task(name="countersign.seal_version", bind=True, max_retries=None)
def seal_version(self, version_id: int) -> None:  # type: ignore[no-untyped-def]
    """Seal an agreed version exactly once."""
    from .sealing import seal

    try:
        seal(version_id)
    except Exception as exc:
        if is_eager():
            raise
        raise self.retry(exc=exc, countdown=min(900, 15 * 2**self.request.retries)) from exc

"""Email: queued with the change that causes it, sent after commit by a job, retried, never lost."""

"""Values the flow tests share."""

import os

BROKER = os.environ.get("COUNTERSIGN_CELERY_BROKER_URL")

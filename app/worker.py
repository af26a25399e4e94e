"""Entry point for `celery -A app.worker worker` (and `beat`)."""

from . import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

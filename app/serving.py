"""Gunicorn's settings for the web processes: `gunicorn -c python:app.serving 'app:create_app()'`.

Read from the same COUNTERSIGN_* variables as every other setting (defaults in app/config.py).
"""

from __future__ import annotations

import os

from .config import DEFAULTS

bind = os.environ.get("COUNTERSIGN_WEB_BIND") or DEFAULTS["WEB_BIND"]
workers = int(os.environ.get("COUNTERSIGN_WEB_WORKERS") or DEFAULTS["WEB_WORKERS"])
# Requests do no slow work (jobs run in the worker), so a sync worker per process is enough;
# a request still running after this long is stuck, and its process is replaced.
timeout = 30
graceful_timeout = 30
# No access log: its lines would carry personal-link tokens (the app redacts only its own log).
accesslog = None
errorlog = "-"
proc_name = "countersign-web"
# Several gunicorns may share a host (a deployment and a benchmark); none needs the control socket.
control_socket_disable = True

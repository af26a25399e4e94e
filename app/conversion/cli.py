"""`flask conversion serve`: the host's conversion service, shared by its web and worker processes."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from ..jobs import lower_priority
from .pool import ConverterPool, pool_settings
from .service import serve

conversion_cli = AppGroup("conversion", help="The host's LibreOffice conversion service.")
DEFAULT_PORT = 2100


@conversion_cli.command("serve")
@click.option("--host", default=None, help="Address to listen on [default: CONVERSION_URL's, else 127.0.0.1].")
@click.option("--port", type=int, default=None, help=f"Port [default: CONVERSION_URL's, else {DEFAULT_PORT}].")
@click.option("--processes", type=click.IntRange(min=1), default=None,
              help="LibreOffice processes [default: CONVERSION_POOL_SIZE, or one per core].")
def conversion_serve(host: str | None, port: int | None, processes: int | None) -> None:
    """Serve conversions to every web and worker process of this host until stopped."""
    config = current_app.config
    # Before any thread or LibreOffice starts, so all of them inherit it: what the service converts is
    # waited for by a job (preparing, sealing, a reissue), while the host's web processes answer people.
    lower_priority(int(config["CONVERSION_NICE"]))
    address = urlsplit(config.get("CONVERSION_URL") or "")
    settings = pool_settings(config)
    pool = ConverterPool(**{**settings, "size": processes or settings["size"]})
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    host = host or address.hostname or "127.0.0.1"
    port = port or address.port or DEFAULT_PORT
    click.echo(f"conversion service on http://{host}:{port} with {pool.size} LibreOffice processes")
    serve(pool, host, port)

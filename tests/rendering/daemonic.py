"""Call a function in a daemonic process, as a Celery prefork pool runs its tasks."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import ModuleType
from typing import Any


def call_in_daemon(function: Callable[..., Any], *args: Any, library: ModuleType = multiprocessing, **kwargs: Any) -> Any:
    """Return function(*args, **kwargs) called in a daemonic child process; re-raise what it raised there.

    library is multiprocessing or billiard, Celery's fork of it, whose pool processes are daemonic.
    """
    context = library.get_context("forkserver")  # a fork of this threaded test process could deadlock
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_call, args=(sender, function, args, kwargs), daemon=True)
    process.start()
    sender.close()
    try:
        succeeded, value = receiver.recv()
    finally:
        receiver.close()
        process.join()
    if not succeeded:
        raise value
    return value


def _call(sender: Connection, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert multiprocessing.current_process().daemon, "the caller was to be a daemonic process"
    try:
        sender.send((True, function(*args, **kwargs)))
    except Exception as exc:
        sender.send((False, exc))
    finally:
        sender.close()


def setting_seen_by_a_limited_child(name: str, value: str) -> Any:
    """Set an app setting in this process's environment, then return what a limited child started from here sees of it."""
    import os

    from app.rendering import isolated

    os.environ[name] = value
    return isolated.run_limited(os.getenv, (name,), {}, isolated.Limits())

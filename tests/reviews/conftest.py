"""Each test that used the app ends only when the work it started has finished."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import settle


@pytest.fixture(autouse=True)
def finish_work(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let a worker finish this test's jobs before the next test drops the tables under it."""
    if "app" not in request.fixturenames:
        yield
        return
    app, wait = request.getfixturevalue("app"), request.getfixturevalue("wait")  # so torn down after this
    yield
    settle(app, wait)

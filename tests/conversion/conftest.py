"""Fixtures for the LibreOffice pool: real LibreOffice, pools closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.conversion import ConverterPool

from .helpers import group_processes, make_docx, wait_until


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts, kills or waits for several LibreOffice processes")


@pytest.fixture
def docx() -> bytes:
    return make_docx()


@pytest.fixture
def make_pool(tmp_path: Path) -> Iterator[Callable[..., ConverterPool]]:
    """Build pools with overridable settings; every one is closed after the test."""
    pools: list[ConverterPool] = []

    def build(size: int = 1, **settings: object) -> ConverterPool:
        pool = ConverterPool(size, work_dir=tmp_path / f"libreoffice-{len(pools)}", **settings)  # type: ignore[arg-type]
        pools.append(pool)
        return pool

    yield build
    for pool in pools:
        pool.close()


@pytest.fixture(scope="module")
def shared_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConverterPool]:
    """One warm process for the tests that do not disturb it."""
    with ConverterPool(1, work_dir=tmp_path_factory.mktemp("libreoffice")) as pool:
        yield pool


@pytest.fixture
def no_leftovers() -> Callable[[list[int]], None]:
    """Assert that nothing of these process groups is left, not even a zombie."""

    def check(pgids: list[int]) -> None:
        gone = wait_until(lambda: not any(group_processes(g) for g in pgids))
        assert gone, {g: group_processes(g) for g in pgids}

    return check

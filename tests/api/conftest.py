"""Fixtures for the API: keys of each scope made the way an admin makes them (`flask api-keys create`)."""

from __future__ import annotations

from typing import Any

import pytest


def make_key(runner: Any, trust: str, name: str, *scopes: str) -> str:
    args = ["api-keys", "create", "--trust", trust, "--name", name]
    for scope in scopes:
        args += ["--scope", scope]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]  # the key is printed once, last


@pytest.fixture
def keys(runner: Any, trusts: Any) -> dict[str, str]:
    """A read key, a write key, a key with both for Heart of Mercia, and a key of another trust."""
    return {
        "read": make_key(runner, "heart-of-mercia", "MIS reader", "read"),
        "write": make_key(runner, "heart-of-mercia", "HR writer", "write"),
        "both": make_key(runner, "heart-of-mercia", "CP system", "read", "write"),
        "other": make_key(runner, "river-tees", "Tees MIS", "read", "write"),
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}

"""The trust's provider set up with `flask sso set` against the real test provider, and its staff."""

from __future__ import annotations

from typing import Any

import pytest

from .journey import ADMIN, CALLBACK, DOMAIN, LEFT, TRUST, UNVERIFIED


@pytest.fixture
def staff(runner: Any, trusts: None) -> None:
    for email, name, trust in ((ADMIN, "Jo Admin", TRUST), (UNVERIFIED, "Sam Unverified", TRUST),
                               (LEFT, "Lee Left", TRUST), (f"kim@{DOMAIN}", "Kim Elsewhere", "river-tees")):
        result = runner.invoke(args=["users", "create", email, "--name", name, "--role", "admin", "--trust", trust])
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "deactivate", LEFT]).exit_code == 0


@pytest.fixture
def client_credentials(oidc_provider: Any) -> tuple[str, str]:
    """A client registered with the provider for the trust's callback: (client_id, secret)."""
    return oidc_provider.register(CALLBACK)


@pytest.fixture
def sso(runner: Any, staff: None, oidc_provider: Any, client_credentials: tuple[str, str], tmp_path: Any) -> str:
    """Configure the trust's provider from the command line, as an operator would; return its output."""
    client_id, secret = client_credentials
    secret_file = tmp_path / "client-secret"
    secret_file.write_text(secret + "\n")
    result = runner.invoke(args=["sso", "set", "--trust", TRUST, "--issuer", oidc_provider.issuer,
                                 "--client-id", client_id, "--client-secret-file", str(secret_file),
                                 "--label", "Microsoft", "--domain", DOMAIN])
    assert result.exit_code == 0, result.output
    return result.output

"""A real OpenID provider (panva/oidc-provider under node) on 127.0.0.1, for the tests.

The tests give it its signing key, so they can also sign tokens the provider's published key
verifies (expired, for another audience) and check the app refuses them. Clients register
themselves with dynamic client registration; the provider signs in the account its login_hint names.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

HERE = Path(__file__).resolve().parent / "provider"
KEY_ID = "countersign-test-provider"


class OpenIDProvider:
    """One running provider: its issuer URL, signing key and a way to register clients."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.output: list[str] = []

    def register(self, redirect_uri: str) -> tuple[str, str]:
        """Register a client with one redirect URI; return its client ID and secret."""
        answer = requests.post(f"{self.issuer}/reg", json={"redirect_uris": [redirect_uri]}, timeout=10)
        answer.raise_for_status()
        client = answer.json()
        return client["client_id"], client["client_secret"]

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign an ID token with the provider's own key (what its JWKS publishes)."""
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, self.key)

    @contextmanager
    def running(self) -> Iterator[OpenIDProvider]:
        node = shutil.which("node")
        if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(f"the test OpenID provider needs node and `npm ci` in {HERE} (make test does it)")
        config = self.folder / "provider.json"
        config.write_text(json.dumps({"port": self.port, "issuer": self.issuer,
                                      "jwks": {"keys": [self.key.as_dict(private=True)]}}))
        process = subprocess.Popen([node, str(HERE / "server.js"), str(config)], cwd=HERE,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ready = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                self.output.append(line)
                if line.startswith("listening "):
                    ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 30
            while not ready.wait(0.1):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the OpenID provider did not start:\n" + "".join(self.output))
            yield self
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join(timeout=5)
            if process.stdout is not None:
                process.stdout.close()

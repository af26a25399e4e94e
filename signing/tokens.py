"""Personal-link tokens: a link row's id and nonce, signed and timed, with a salt per purpose."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

# Real tokens are about 80 characters; anything far longer is junk and not worth decoding.
MAX_TOKEN_LENGTH = 1024


class TokenError(Exception):
    """A link token that cannot be used; reason is "expired" or "invalid"."""

    reason: str = "invalid"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or f"token {self.reason}")


class TokenExpired(TokenError):
    """A genuine token that is older than its purpose allows."""

    reason = "expired"


class TokenInvalid(TokenError):
    """A token that is tampered, malformed, for another purpose, or signed by an unknown key."""

    reason = "invalid"


def new_nonce() -> str:
    """Return a fresh random nonce for a link row."""
    return secrets.token_urlsafe(24)


class LinkTokens:
    """Issue and read personal-link tokens; signs with the newest key, accepts every listed key."""

    def __init__(self, secret_keys: Sequence[str | bytes], *, clock: Callable[[], float] = time.time) -> None:
        keys = list(secret_keys)
        if not keys or any(not key for key in keys):
            raise ValueError("LinkTokens needs at least one non-empty secret key (newest last)")
        self._keys = keys
        self._signer = _clocked_signer(clock)

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        if not purpose:
            raise ValueError("a token purpose is required")
        return URLSafeTimedSerializer(self._keys, salt=f"countersign.{purpose}", signer=self._signer)

    def issue(self, purpose: str, link_id: int, nonce: str) -> str:
        """Return a URL-safe token carrying link_id and nonce for purpose."""
        if isinstance(link_id, bool) or not isinstance(link_id, int):
            raise TypeError("link_id must be an int")
        if not isinstance(nonce, str) or not nonce:
            raise TypeError("nonce must be a non-empty str")
        token = self._serializer(purpose).dumps([link_id, nonce])
        assert isinstance(token, str)
        return token

    def read(self, purpose: str, token: str, max_age_seconds: int) -> tuple[int, str]:
        """Return (link_id, nonce) from a token for purpose, or raise TokenExpired or TokenInvalid."""
        serializer = self._serializer(purpose)
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalid("token missing, not text, or too long")
        try:
            payload: Any = serializer.loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise TokenExpired() from None
        except (BadData, ValueError, UnicodeError, TypeError):
            # BadData covers bad signatures, unknown keys, other purposes and bad payloads;
            # the others are what odd bytes can raise while decoding before the signature check.
            raise TokenInvalid() from None
        if (
            not isinstance(payload, list)
            or len(payload) != 2
            or isinstance(payload[0], bool)
            or not isinstance(payload[0], int)
            or not isinstance(payload[1], str)
        ):
            raise TokenInvalid("token payload has the wrong shape")
        return payload[0], payload[1]


def _clocked_signer(clock: Callable[[], float]) -> type[TimestampSigner]:
    """Return a TimestampSigner class that reads the time from clock."""
    if clock is time.time:
        return TimestampSigner

    class ClockedTimestampSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockedTimestampSigner

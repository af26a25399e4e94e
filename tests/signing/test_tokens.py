"""Personal-link tokens carry a link's id and nonce, expire, rotate keys, and fail closed."""

from __future__ import annotations

import pytest

from signing.tokens import LinkTokens, TokenError, TokenExpired, TokenInvalid, new_nonce

DAY = 24 * 3600


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_token_reads_back_as_the_link_id_and_nonce_it_was_issued_for() -> None:
    tokens = LinkTokens(["key-1"])
    nonce = new_nonce()

    token = tokens.issue("agree", 42, nonce)

    assert tokens.read("agree", token, max_age_seconds=DAY) == (42, nonce)


def test_a_token_is_url_safe() -> None:
    token = LinkTokens(["key-1"]).issue("download", 7, new_nonce())

    assert all(c.isalnum() or c in "-_." for c in token)


def test_nonces_are_long_random_and_distinct() -> None:
    nonces = {new_nonce() for _ in range(100)}

    assert len(nonces) == 100
    assert all(len(n) == 32 for n in nonces)


def test_a_token_expires_after_max_age() -> None:
    clock = Clock()
    tokens = LinkTokens(["key-1"], clock=clock)
    token = tokens.issue("agree", 1, "n")

    clock.now += 14 * DAY
    assert tokens.read("agree", token, max_age_seconds=14 * DAY) == (1, "n")

    clock.now += 1
    with pytest.raises(TokenExpired) as caught:
        tokens.read("agree", token, max_age_seconds=14 * DAY)
    assert caught.value.reason == "expired"
    assert isinstance(caught.value, TokenError)


def test_a_token_signed_with_an_old_key_verifies_while_that_key_is_still_listed() -> None:
    token = LinkTokens(["old"]).issue("agree", 5, "n")

    assert LinkTokens(["old", "new"]).read("agree", token, DAY) == (5, "n")


def test_new_tokens_are_signed_with_the_newest_key_which_is_listed_last() -> None:
    token = LinkTokens(["old", "new"]).issue("agree", 5, "n")

    assert LinkTokens(["new"]).read("agree", token, DAY) == (5, "n")
    with pytest.raises(TokenInvalid):
        LinkTokens(["old"]).read("agree", token, DAY)


def test_a_token_signed_with_a_key_not_in_the_list_is_invalid() -> None:
    token = LinkTokens(["retired"]).issue("agree", 5, "n")

    with pytest.raises(TokenInvalid) as caught:
        LinkTokens(["old", "new"]).read("agree", token, DAY)
    assert caught.value.reason == "invalid"


def test_a_token_for_one_purpose_is_invalid_for_another() -> None:
    tokens = LinkTokens(["key-1"])
    token = tokens.issue("download", 5, "n")

    with pytest.raises(TokenInvalid):
        tokens.read("agree", token, DAY)


def test_a_tampered_token_is_invalid() -> None:
    tokens = LinkTokens(["key-1"])
    token = tokens.issue("agree", 5, "n")
    payload, timestamp, signature = token.split(".")
    forged_payload = LinkTokens(["key-1"]).issue("agree", 6, "n").split(".")[0]

    for tampered in (
        f"{forged_payload}.{timestamp}.{signature}",
        f"{payload}.{timestamp}.{signature[:-2]}",
        f"{payload}.{timestamp}x.{signature}",
        token + "A",
    ):
        with pytest.raises(TokenInvalid):
            tokens.read("agree", tampered, DAY)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "..",
        "a.b.c",
        "x" * 5000,
        "é" * 40,
        "\x00\x01\x02",
        "💥.💥.💥",
        "e30.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%ZZ.%%.%",
    ],
)
def test_garbage_is_invalid_and_never_raises_anything_else(garbage: str) -> None:
    with pytest.raises(TokenInvalid):
        LinkTokens(["key-1"]).read("agree", garbage, DAY)


def test_a_validly_signed_payload_of_the_wrong_shape_is_invalid() -> None:
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(["key-1"], salt="countersign.agree")
    for payload in ({"id": 1}, [1], ["1", "n"], [True, "n"], [1, 2], "hello"):
        with pytest.raises(TokenInvalid):
            LinkTokens(["key-1"]).read("agree", str(serializer.dumps(payload)), DAY)


def test_keys_are_required() -> None:
    with pytest.raises(ValueError):
        LinkTokens([])
    with pytest.raises(ValueError):
        LinkTokens(["ok", ""])

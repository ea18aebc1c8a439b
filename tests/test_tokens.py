"""Signed links: round trip, tampering, wrong use and expiry are refused."""

import pytest

from centric._tokens import InvalidTokenError, sign, verify

KEY = b"k" * 32


def test_round_trip_keeps_payload_and_unicode():
    tok = sign(KEY, "survey", {"c": "cust-1", "name": "Nguyễn Thị Hoa"}, now=1000)
    assert verify(KEY, "survey", tok, now=1001) == {"c": "cust-1", "name": "Nguyễn Thị Hoa"}


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),      # MAC changed
    lambda t: "x" + t,                                          # body changed
    lambda t: t.split(".")[0],                                  # MAC removed
])
def test_tampered_token_is_refused(mutate):
    tok = sign(KEY, "prefs", {"c": "cust-1"})
    with pytest.raises(InvalidTokenError, match="not valid"):
        verify(KEY, "prefs", mutate(tok))


def test_token_for_another_use_or_key_is_refused():
    tok = sign(KEY, "prefs", {"c": "cust-1"})
    with pytest.raises(InvalidTokenError):
        verify(KEY, "survey", tok)
    with pytest.raises(InvalidTokenError):
        verify(b"z" * 32, "prefs", tok)


def test_expired_token_is_refused():
    tok = sign(KEY, "survey", {"c": "1"}, ttl_days=1, now=0)
    assert verify(KEY, "survey", tok, now=86399) == {"c": "1"}
    with pytest.raises(InvalidTokenError, match="expired"):
        verify(KEY, "survey", tok, now=86401)

"""Signed, expiring tokens for links sent to customers (surveys, preference centre, one-click answers).

A token is ``base64url(json payload) + "." + base64url(HMAC-SHA256(secret, kind + payload))``. The
``kind`` (e.g. ``"survey"``, ``"prefs"``) is part of what is signed, so a token made for one use
cannot be replayed for another. Tampering, a wrong kind or expiry raise :class:`InvalidTokenError`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from centric.exceptions import InputError

__all__ = ["InvalidTokenError", "sign", "verify"]


class InvalidTokenError(InputError):
    """A signed link was altered, made for another use, or has expired."""


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _mac(secret: bytes, kind: str, body: str) -> str:
    return _b64(hmac.new(secret, f"{kind}\x00{body}".encode(), hashlib.sha256).digest())


def sign(
    secret: bytes, kind: str, payload: dict[str, Any], *, ttl_days: float | None = 90, now: float | None = None
) -> str:
    """A token carrying ``payload`` for use ``kind``, valid ``ttl_days`` (None: no expiry)."""
    data = dict(payload)
    if ttl_days is not None:
        data["exp"] = int((now if now is not None else time.time()) + ttl_days * 86400)
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_mac(secret, kind, body)}"


def verify(secret: bytes, kind: str, token: str, *, now: float | None = None) -> dict[str, Any]:
    """The payload of a valid ``kind`` token; :class:`InvalidTokenError` otherwise (nothing else is told)."""
    body, _, mac = (token or "").partition(".")
    if not body or not mac or not hmac.compare_digest(mac, _mac(secret, kind, body)):
        raise InvalidTokenError(
            "This link is not valid: it was changed or made for another use. / Liên kết không hợp lệ."
        )
    try:
        data = dict(json.loads(_unb64(body)))
    except (ValueError, TypeError):  # pragma: no cover - the MAC matched, so the body is ours
        raise InvalidTokenError("This link is not valid. / Liên kết không hợp lệ.") from None
    exp = data.pop("exp", None)
    if exp is not None and (now if now is not None else time.time()) > exp:
        raise InvalidTokenError("This link has expired. / Liên kết đã hết hạn.")
    return data

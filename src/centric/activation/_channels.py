"""Channel plumbing shared by automations and one-off sends: message ids, tracking links, webhooks.

Message ids are ``"M" + HMAC-SHA256(secret, idempotency_key)[:24 hex]``: the same trigger instance
always maps to the same id (the ``messages`` key then refuses a second row), and ids cannot be
guessed without the workspace secret (they appear in open-tracking URLs).

Click tracking wraps each link of the HTML part as ``{base}/t/c/{message_id}?u={token}`` where the
token is a signed ``click`` payload ``{"m": message_id, "u": url}``; the tracking route redirects only
to a URL carried by a valid token, so it is not an open redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from centric._tokens import sign
from centric.activation._mail import EmailTransport, SMTPConfig, SMTPTransport

__all__ = ["Channels", "WebhookError", "message_id", "post_webhook", "prefs_link", "track_html"]

_HREF_RE = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)


class WebhookError(RuntimeError):
    """A gateway kept failing."""


def message_id(secret: bytes, idempotency_key: str) -> str:
    """The deterministic, unguessable message id of an idempotency key."""
    return "M" + hmac.new(secret, idempotency_key.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def prefs_link(secret: bytes, base_url: str) -> Callable[[str], str]:
    """``customer_id -> signed preference-centre URL`` (served by the preference-centre routes at /p)."""
    base = base_url.rstrip("/")
    return lambda cid: f"{base}/p/{sign(secret, 'prefs', {'c': cid})}"


def track_html(html: str, *, secret: bytes, base_url: str, mid: str, skip: str) -> str:
    """Wrap links for click tracking (not the preference-centre link ``skip``) and add the open pixel."""
    base = base_url.rstrip("/")

    def wrap(m: re.Match[str]) -> str:
        import html as _h

        url = _h.unescape(m.group(1))
        if url == skip or url.startswith(f"{base}/p/"):
            return m.group(0)
        tok = sign(secret, "click", {"m": mid, "u": url}, ttl_days=365)
        return f'href="{base}/t/c/{mid}?u={quote(tok, safe="")}"'

    out = _HREF_RE.sub(wrap, html)
    pixel = f'<img src="{base}/t/o/{mid}.gif" width="1" height="1" alt="" style="display:none">'
    m = re.search(r"</body>", out, re.IGNORECASE)
    return out[: m.start()] + pixel + out[m.start() :] if m else out + pixel


def post_webhook(
    client: httpx.Client,
    url: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str,
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """POST JSON to a gateway with an ``Idempotency-Key`` header; retry 5xx/429/network errors with backoff."""
    last = ""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key}
    for i in range(max(1, attempts)):
        try:
            r = client.post(url, content=body, headers=headers)
            if r.status_code < 300:
                return True, f"HTTP {r.status_code} after {i + 1} attempt(s)"
            last = f"HTTP {r.status_code}: {r.text[:200]}"
            if r.status_code < 500 and r.status_code != 429:
                break
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        if i < attempts - 1:
            sleep(backoff * (2**i))
    return False, last[:500]


@dataclass
class Channels:
    """Where messages go and how they are signed (built by the faces from Settings + env)."""

    secret: bytes
    timezone: str = "Asia/Ho_Chi_Minh"
    lang: str = "vi"
    smtp: SMTPConfig = field(default_factory=SMTPConfig)
    email: EmailTransport | None = None
    http: httpx.Client | None = None
    attempts: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    def email_transport(self) -> EmailTransport:
        """The e-mail transport (SMTP from the config unless one was given)."""
        if self.email is None:
            self.email = SMTPTransport(self.smtp)
        return self.email

    def http_client(self) -> httpx.Client:
        """The HTTP client for webhooks."""
        if self.http is None:
            self.http = httpx.Client(timeout=10.0)
        return self.http

"""Per-request language and CSRF cookie, as a small ASGI middleware (no per-request thread hop).

* Language: ``?lang=vi|en`` sets the ``lang`` cookie; otherwise the cookie, otherwise
  ``settings.lang``. Read it with :func:`request_lang`.
* CSRF (double submit): every browser gets a random ``centric_csrf`` cookie; forms carry the same
  value in a hidden ``csrf_token`` field (or the ``X-CSRF-Token`` header) and
  :func:`centric.web.auth.csrf_protect` compares the two. Read it with :func:`csrf_token`.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request

__all__ = ["CSRF_COOKIE", "LANG_COOKIE", "RequestContextMiddleware", "csrf_token", "request_lang"]

LANG_COOKIE = "lang"
CSRF_COOKIE = "centric_csrf"
LANGS = ("vi", "en")


def request_lang(request: Request) -> str:
    """The language of this request (vi or en)."""
    lang = request.scope.get("state", {}).get("lang")
    if lang in LANGS:
        return str(lang)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return str(cookie)
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "lang", "vi")


def csrf_token(request: Request) -> str:
    """The CSRF token to put in this page's forms (hidden field ``csrf_token``)."""
    tok = request.scope.get("state", {}).get("csrf_token") or request.cookies.get(CSRF_COOKIE)
    return str(tok or "")


class RequestContextMiddleware:
    """Sets ``state.lang`` and ``state.csrf_token`` and the cookies behind them."""

    def __init__(self, app: Any, *, default_lang: str = "vi", secure: bool = False) -> None:
        self.app = app
        self.default_lang = default_lang
        self.secure = secure

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:
                    continue
                cookies.update({k: m.value for k, m in jar.items()})
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        set_cookies: list[str] = []
        state = scope.setdefault("state", {})
        asked = (query.get("lang") or [None])[0]
        if asked in LANGS:
            state["lang"] = asked
            if cookies.get(LANG_COOKIE) != asked:
                set_cookies.append(f"{LANG_COOKIE}={asked}; Path=/; Max-Age=31536000; SameSite=Lax")
        else:
            state["lang"] = cookies.get(LANG_COOKIE) if cookies.get(LANG_COOKIE) in LANGS else self.default_lang
        tok = cookies.get(CSRF_COOKIE)
        if not tok or len(tok) < 20:
            tok = secrets.token_urlsafe(24)
            sec = "; Secure" if self.secure else ""
            set_cookies.append(f"{CSRF_COOKIE}={tok}; Path=/; SameSite=Lax{sec}")
        state["csrf_token"] = tok

        if not set_cookies:
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"set-cookie", c.encode("latin-1")) for c in set_cookies]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)

"""What every HTML page shares: templates, language, roles, CSRF and store access under the lock.

Routes in :mod:`centric.web.pages_routes` stay thin: they parse input, call a view function from
``_views*`` inside :func:`locked`, and :func:`render` a template. Language and CSRF cookies
are set by :class:`centric.web._http.RequestContextMiddleware`; sessions, roles and the CSRF check
are :mod:`centric.web.auth`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pandas as pd
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from centric.i18n import LANGS, fmt_money, fmt_number, fmt_percent, t
from centric.web import _accounts as acc
from centric.web._http import csrf_token, request_lang
from centric.web.auth import csrf_protect, current_user, require

__all__ = ["csrf_protect", "current_user", "locked", "page_lang", "render", "require_role", "user_name"]

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
ROLES = acc.ROLES

templates = Jinja2Templates(directory=str(HERE / "templates"))


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT



def require_role(role: str) -> Callable[..., Any]:
    """The page dependency for ``role`` (viewer < analyst < admin): 401/redirect to /login, 403 if too low."""
    return _REQUIRES[role]


_REQUIRES = {r: require(r) for r in ROLES}


def page_lang(request: Request) -> str:
    """The page language: ``?lang=``, then the middleware's choice (cookie), then the workspace setting."""
    q = request.query_params.get("lang")
    return str(q) if q in LANGS else request_lang(request)


def user_name(user: Any) -> str:
    """The actor name of a user (their e-mail)."""
    return str(getattr(user, "email", None) or getattr(user, "user_id", "") or "unknown")


def locked(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(store, *args, **kwargs)`` holding the app's store lock (DuckDB has one writer)."""
    state = request.app.state
    with state.store_lock:
        return fn(state.store, *args, **kwargs)


def _url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed."""
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request, name: str, ctx: dict[str, Any], *, user: Any = None,
           status_code: int = 200) -> HTMLResponse:
    """Render ``pages/<name>`` with the shared context (language, switch links, user, CSRF)."""
    lang = page_lang(request)
    full = {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "vi" else "vi",
        "lang_url": lambda lg: _url_with(request, lang=lg),
        "page_url": lambda n: _url_with(request, page=n),
        "t": lambda key, **kw: t(key, lang).format(**kw) if kw else t(key, lang),
        "num": lambda x, d=0: "—" if _missing(x) else fmt_number(x, lang, d),
        "money": lambda x: "—" if _missing(x) else fmt_money(x, lang),
        "pct": lambda x, d=1: "—" if _missing(x) else fmt_percent(x, lang, d),
        "user": user,
        "role": getattr(user, "role", "") if user is not None else "",
        "csrf": csrf_token(request),
        "path": request.url.path,
        **ctx,
    }
    return templates.TemplateResponse(request, f"pages/{name}", full, status_code=status_code)

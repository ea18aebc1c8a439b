"""Authentication and authorisation: session cookies for people, API keys for programs.

Dependencies (use them in routes):

* ``current_user`` → :class:`User` from the signed session cookie; 401 (a redirect to ``/login``
  for browsers) without one.
* ``require("viewer"|"analyst"|"admin")`` → the user, 403 when the role is too low.
* ``require_key("ingest"|"read"|"admin")`` → a :class:`Principal`: an API key
  (``Authorization: Bearer ck_…``) holding that scope (an ``admin`` key holds every scope), or,
  for ``read`` routes, any logged-in user (for ``admin`` routes: a logged-in admin). A session
  used on a POST must send the CSRF token in ``X-CSRF-Token``.
* ``csrf_protect`` → for HTML form posts: the ``csrf_token`` field must equal the CSRF cookie.

Sessions are ``centric._tokens`` tokens of kind ``"session"`` (HMAC-SHA256 with the workspace
secret, 12 hours) in an HttpOnly, SameSite=Lax cookie. Each names a row of ``web_sessions``; logout
revokes that row, so a copied cookie is refused from then on (a token without a live session is
nobody). Logins and API-key uses are audited
(a key's use at most once a minute per key, so ingestion at full speed does not flood the log).
"""

from __future__ import annotations

import hmac
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from centric._tokens import InvalidTokenError, sign, verify
from centric.web import _accounts as acc
from centric.web._accounts import User
from centric.web._http import CSRF_COOKIE, csrf_token, request_lang
from centric.web.errors import ApiError

__all__ = [
    "SESSION_COOKIE",
    "Principal",
    "User",
    "audit",
    "csrf_protect",
    "current_user",
    "optional_user",
    "require",
    "require_key",
    "router",
]

SESSION_COOKIE = "centric_session"
SESSION_HOURS = 12
CACHE_SECONDS = 5.0
KEY_AUDIT_SECONDS = 60.0
LOGIN_WINDOW_S = 300.0
LOGIN_MAX_FAILURES = 5

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Principal:
    """Who is calling an API route: an API key or a logged-in user."""

    kind: str  # "key" | "user"
    id: str
    scopes: frozenset[str]
    user: User | None = None

    @property
    def actor(self) -> str:
        """The actor name written to the audit log."""
        return f"api-key:{self.id}" if self.kind == "key" else (self.user.email if self.user else self.id)


def audit(
    request: Request, *, actor: str, action: str, subject: str | None, details: dict[str, Any] | None = None
) -> None:
    """Append an audit row under the store lock."""
    from centric.privacy import append_audit

    st = request.app.state
    with st.store_lock:
        append_audit(st.store, actor=actor, action=action, subject=subject, details=details or {})


def _state_attr(request: Request, name: str, factory: Callable[[], Any]) -> Any:
    """A per-app in-memory object kept on ``app.state`` (created on first use)."""
    st = request.app.state
    try:
        return getattr(st, name)
    except AttributeError:
        value = factory()
        setattr(st, name, value)
        return value


# -- sessions -----------------------------------------------------------------------------------------
def _session_user(request: Request) -> User | None:
    cached = request.scope.get("state", {}).get("centric_user", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    user = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            data = verify(request.app.state.secret, "session", token)
        except InvalidTokenError:
            data = None
        if data and data.get("uid") and data.get("sid"):
            uid, sid = str(data["uid"]), str(data["sid"])
            user = _cached(request, "session_cache", sid, lambda store: acc.session_user(store, sid, uid))
    request.scope.setdefault("state", {})["centric_user"] = user
    return user


def _session_id(request: Request) -> str | None:
    """The session id in a valid session cookie, or ``None``."""
    token = request.cookies.get(SESSION_COOKIE)
    try:
        data = verify(request.app.state.secret, "session", token) if token else None
    except InvalidTokenError:
        return None
    return str(data["sid"]) if data and data.get("sid") else None


def optional_user(request: Request) -> User | None:
    """The logged-in user, or ``None`` (never raises)."""
    return _session_user(request)


def current_user(request: Request) -> User:
    """The logged-in user; 401 (browsers: redirect to /login) otherwise."""
    user = _session_user(request)
    if user is None:
        raise ApiError(401, "Log in first. / Vui lòng đăng nhập.", headers={"WWW-Authenticate": "Bearer"})
    return user


def require(role: str) -> Callable[..., User]:
    """Dependency: a logged-in user with at least ``role`` (viewer < analyst < admin)."""
    if role not in acc.ROLES:
        raise ValueError(f"Unknown role {role!r}; use one of {acc.ROLES}.")

    def dependency(request: Request, user: User = Depends(current_user)) -> User:  # noqa: B008
        if not acc.role_at_least(user.role, role):
            raise ApiError(403, f"This needs the {role!r} role; you are {user.role!r}. / Bạn không có quyền.")
        return user

    dependency.centric_rule = ("role", role)  # type: ignore[attr-defined]
    return dependency


# -- CSRF ---------------------------------------------------------------------------------------------
def _csrf_ok(request: Request, given: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return bool(cookie) and bool(given) and hmac.compare_digest(cookie, given or "")


async def csrf_protect(request: Request) -> None:
    """Dependency for HTML form posts: the ``csrf_token`` field (or X-CSRF-Token) must match the cookie."""
    given = request.headers.get("x-csrf-token")
    if not given:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if not _csrf_ok(request, given):
        raise ApiError(403, "The form expired or came from another site; reload the page and try again. "
                            "/ Biểu mẫu đã hết hạn, vui lòng tải lại trang.", code="csrf")


# -- API keys -----------------------------------------------------------------------------------------
_SESSION_ROLE = {"read": "viewer", "ingest": None, "admin": "admin"}
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _cached(request: Request, cache_name: str, key: str, load: Callable[[Any], Any]) -> Any:
    """``load(store)`` cached for a few seconds; while the store is busy (an analysis holds the lock)
    a stale value is used instead of waiting, so pages and job progress keep answering."""
    st = request.app.state
    cache: dict[str, tuple[float, Any]] = _state_attr(request, cache_name, dict)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    if not st.store_lock.acquire(blocking=hit is None):
        return hit[1]  # type: ignore[index]
    try:
        value = load(st.store)
    finally:
        st.store_lock.release()
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (now + CACHE_SECONDS, value)
    return value


def _key_record(request: Request, key: str) -> acc.ApiKey | None:
    return _cached(request, "key_cache", acc.hash_key(key), lambda store: acc.find_key(store, key))  # type: ignore[no-any-return]


def _note_key_use(request: Request, rec: acc.ApiKey) -> None:
    """Audit a key's use (and stamp last_used_at) at most once a minute; skipped while the store is busy."""
    st = request.app.state
    seen: dict[str, float] = _state_attr(request, "key_seen", dict)
    now = time.monotonic()
    if seen.get(rec.key_id, -1e9) + KEY_AUDIT_SECONDS > now:
        return
    if not st.store_lock.acquire(blocking=False):
        return  # an analysis holds the store: audit on a later request
    try:
        seen[rec.key_id] = now
        acc.touch_key(st.store, rec.key_id)
        audit(request, actor=f"api-key:{rec.key_id}", action="api_key.use", subject=None,
              details={"method": request.method, "path": request.url.path})
    finally:
        st.store_lock.release()


def require_key(scope: str, *, session_role: str | bool | None = True) -> Callable[..., Principal]:
    """Dependency: an API key with ``scope``, or (read/admin routes) a logged-in user.

    ``session_role`` overrides the lowest role a logged-in user needs (``None``: keys only).
    """
    if scope not in acc.SCOPES:
        raise ValueError(f"Unknown scope {scope!r}; use one of {acc.SCOPES}.")
    role = _SESSION_ROLE[scope] if session_role is True else (session_role or None)

    def dependency(request: Request) -> Principal:
        header = request.headers.get("authorization")
        if header:
            scheme, _, key = header.partition(" ")
            key = key.strip()
            if scheme.lower() != "bearer" or not key:
                raise ApiError(401, "Send the API key as 'Authorization: Bearer <key>'.",
                               headers={"WWW-Authenticate": "Bearer"})
            rec = _key_record(request, key)
            if rec is None:
                raise ApiError(401, "This API key is not valid or was revoked.", headers={"WWW-Authenticate": "Bearer"})
            if not rec.allows(scope):
                raise ApiError(403, f"This API key lacks the {scope!r} scope (it has {sorted(rec.scopes)}).")
            _note_key_use(request, rec)
            return Principal("key", rec.key_id, rec.scopes)
        user = _session_user(request) if role else None
        if user is None:
            raise ApiError(401, f"This route needs an API key with the {scope!r} scope "
                                "('Authorization: Bearer <key>')" + (" or a login." if role else "."),
                           headers={"WWW-Authenticate": "Bearer"})
        if not acc.role_at_least(user.role, role or "admin"):
            raise ApiError(403, f"This needs the {role!r} role; you are {user.role!r}.")
        if request.method in _UNSAFE and not _csrf_ok(request, request.headers.get("x-csrf-token")):
            raise ApiError(403, "Send the CSRF token in the X-CSRF-Token header.", code="csrf")
        return Principal("user", user.user_id, frozenset({scope}), user)

    dependency.centric_rule = ("key", scope, role)  # type: ignore[attr-defined]
    return dependency


# -- login / logout -----------------------------------------------------------------------------------
def _failures(request: Request) -> dict[str, deque[float]]:
    """Recent failed logins per IP and per e-mail (per app, in memory)."""
    return _state_attr(request, "login_failures", lambda: defaultdict(deque))  # type: ignore[no-any-return]


def _limited(request: Request, *keys: str) -> bool:
    now = time.monotonic()
    limited = False
    fails = _failures(request)
    for k in keys:
        q = fails[k]
        while q and q[0] < now - LOGIN_WINDOW_S:
            q.popleft()
        limited = limited or len(q) >= LOGIN_MAX_FAILURES
    return limited


def _safe_next(nxt: str | None) -> str:
    if not nxt or not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        return "/"
    return nxt


def _login_page(request: Request, *, error: str | None = None, email: str = "", status: int = 200) -> HTMLResponse:
    from centric.web.templating import templates

    return templates.TemplateResponse(
        request, "auth/login.html",
        {"error": error, "email": email, "next": _safe_next(request.query_params.get("next")),
         "csrf_token": csrf_token(request), "lang": request_lang(request)},
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The login page."""
    return _login_page(request)


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Check the password; set the session cookie and go to ``next``."""
    from centric.i18n import t

    lang = request_lang(request)
    ip = request.client.host if request.client else "?"
    mail = email.strip().lower()
    if _limited(request, f"ip:{ip}", f"email:{mail}"):
        return _login_page(request, error=t("webapi.login.too_many", lang), email=email, status=429)
    st = request.app.state
    with st.store_lock:
        user = acc.verify_password(st.store, email=email, password=password)
    if user is None:
        now = time.monotonic()
        _failures(request)[f"ip:{ip}"].append(now)
        _failures(request)[f"email:{mail}"].append(now)
        audit(request, actor=mail or "anonymous", action="login.failed", subject=None, details={"ip": ip})
        return _login_page(request, error=t("webapi.login.failed", lang), email=email, status=401)
    _failures(request).pop(f"email:{mail}", None)
    audit(request, actor=user.email, action="login", subject=user.user_id, details={"ip": ip})
    with st.store_lock:
        sid = acc.create_session(st.store, user.user_id)
    token = sign(st.secret, "session", {"uid": user.user_id, "sid": sid}, ttl_days=SESSION_HOURS / 24)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                    secure=bool(getattr(st, "secure_cookies", False)), path="/")
    return resp


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    """End the session server-side (a copied cookie stops working too), forget it and go to the login page."""
    user = _session_user(request)
    sid = _session_id(request)
    if sid is not None:
        st = request.app.state
        with st.store_lock:
            acc.revoke_session(st.store, sid)
        _state_attr(request, "session_cache", dict).pop(sid, None)
    if user is not None:
        audit(request, actor=user.email, action="logout", subject=user.user_id)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp

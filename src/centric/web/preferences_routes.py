"""The public preference centre ``/p/{token}``: see, grant and withdraw each purpose; ask for your rights.

* ``GET  /p/{token}``           every consent purpose with its current state; two equal buttons each
* ``POST /p/{token}``           ``purpose`` + ``choice`` (grant / withdraw): recorded at once, then back (303)
* ``POST /p/{token}/requests``  ``kind`` (access, erasure, restriction, objection): a rights request whose
  identity check is the signed link itself

The token is ``centric._tokens.sign(secret, "prefs", {"c": customer_id})``. An altered, expired or
foreign token gives a 400 page and changes nothing; so does a bad choice (e.g. withdrawing a
consent never given). The work is done by :mod:`centric.privacy`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from centric._tokens import InvalidTokenError, verify
from centric.exceptions import InputError
from centric.i18n import t
from centric.web.templating import templates

__all__ = ["router"]

router = APIRouter(tags=["preferences"], include_in_schema=False)

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
ACTOR = "customer:preference-centre"
PUBLIC_KINDS = ("access", "erasure", "restriction", "objection")


def _lang(request: Request) -> str:
    for v in (request.query_params.get("lang"), request.cookies.get("lang")):
        if v in ("vi", "en"):
            return str(v)
    return str(getattr(request.app.state.settings, "lang", "vi"))


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = _lang(request)
    other = "en" if lang == "vi" else "vi"
    switch = str(request.url.include_query_params(lang=other)) if request.method == "GET" else ""
    resp = templates.TemplateResponse(request, f"preferences/{name}",
                                      {"lang": lang, "switch_url": switch, **ctx}, status_code=status, headers=_HEADERS)
    if request.query_params.get("lang") in ("vi", "en"):
        resp.set_cookie("lang", lang, samesite="lax")
    return resp


def _customer(request: Request, token: str) -> str:
    data = verify(request.app.state.secret, "prefs", token)
    cid = data.get("c")
    if not isinstance(cid, str) or not cid:
        raise InvalidTokenError("This link is not valid. / Liên kết không hợp lệ.")
    return cid


def _bad_link(request: Request) -> HTMLResponse:
    return _page(request, "error.html", 400, message=t("privacy.prefs.bad_link", _lang(request)))


def _evidence(request: Request, token: str) -> dict[str, Any]:
    return {"link_sha256": hashlib.sha256(token.encode()).hexdigest(),
            "ip": request.client.host if request.client else None,
            "user_agent": request.headers.get("user-agent", "")[:200]}


@router.get("/p/{token}", response_class=HTMLResponse)
def preferences_page(request: Request, token: str) -> HTMLResponse:
    """The customer's purposes and choices."""
    from centric.privacy import consent_overview

    try:
        cid = _customer(request, token)
        with request.app.state.store_lock:
            purposes = consent_overview(request.app.state.store, cid)
    except InvalidTokenError:
        return _bad_link(request)
    except InputError as exc:
        return _page(request, "error.html", 400, message=str(exc))
    return _page(request, "page.html", purposes=purposes, action=f"/p/{token}", request_action=f"/p/{token}/requests",
                 done=request.query_params.get("done"))


@router.post("/p/{token}", response_class=HTMLResponse, response_model=None)
def preferences_choose(request: Request, token: str, purpose: str = Form(...),
                       choice: str = Form(...)) -> HTMLResponse | RedirectResponse:
    """Grant or withdraw one purpose, effective at once."""
    from centric.privacy import record_consent

    lang = _lang(request)
    try:
        cid = _customer(request, token)
    except InvalidTokenError:
        return _bad_link(request)
    if choice not in ("grant", "withdraw"):
        return _page(request, "error.html", 400, message=f"choice must be 'grant' or 'withdraw'; got {choice!r}.",
                     back=f"/p/{token}")
    try:
        with request.app.state.store_lock:
            record_consent(request.app.state.store, cid, purpose, "granted" if choice == "grant" else "withdrawn",
                           method="preference_centre", actor=ACTOR, language=lang, evidence=_evidence(request, token))
    except InputError as exc:
        return _page(request, "error.html", 400, message=str(exc), back=f"/p/{token}")
    return RedirectResponse(f"/p/{token}?done={purpose}", status_code=303)


@router.post("/p/{token}/requests", response_class=HTMLResponse)
def preferences_request(request: Request, token: str, kind: str = Form(...)) -> HTMLResponse:
    """Open a rights request; the signed link is the identity check."""
    from centric.privacy import open_request, verify_identity

    try:
        cid = _customer(request, token)
    except InvalidTokenError:
        return _bad_link(request)
    if kind not in PUBLIC_KINDS:
        return _page(request, "error.html", 400, message=f"Unknown request {kind!r}; one of {', '.join(PUBLIC_KINDS)}.",
                     back=f"/p/{token}")
    settings = request.app.state.settings
    try:
        with request.app.state.store_lock:
            store = request.app.state.store
            row = open_request(store, kind, cid, actor=ACTOR, channel="preference_centre",
                               tz=getattr(settings, "timezone", "Asia/Ho_Chi_Minh"))
            verify_identity(store, row["request_id"], "signed_link", actor=ACTOR)
    except InputError as exc:
        return _page(request, "error.html", 400, message=str(exc), back=f"/p/{token}")
    fmt = "%d/%m/%Y %H:%M UTC"
    return _page(request, "request.html", request_id=row["request_id"], ack_due=row["ack_due"].strftime(fmt),
                 due_at=row["due_at"].strftime(fmt), back=f"/p/{token}")

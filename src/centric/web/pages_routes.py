"""The logged-in HTML pages: overview, customers and the 360, analysis results, feedback, data, settings.

Routes only parse input, call a view function (``_views*``) under the store lock and render a
template; see :mod:`centric.web._pages_support`. Roles: ``viewer`` sees aggregate pages;
``analyst`` sees personal data (customers, the 360, feedback comments, quarantined rows) and acts
(responds to alerts, fixes the quarantine); ``admin`` also sees users and API keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from centric.exceptions import InputError
from centric.web import _views as V
from centric.web import _views_customers as VC
from centric.web import _views_data as VD
from centric.web._pages_support import csrf_protect, locked, page_lang, render, require_role, user_name

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Any, Depends(require_role("viewer"))]
Analyst = Annotated[Any, Depends(require_role("analyst"))]
Admin = Annotated[Any, Depends(require_role("admin"))]


def _settings(request: Request) -> Any:
    return request.app.state.settings


def _tz(request: Request) -> str:
    return str(getattr(_settings(request), "timezone", "Asia/Ho_Chi_Minh"))


# -- assets (public; the app mounts static/ for the CSS) --------------------------------------------------------
@router.get("/static/plotly.min.js")
def plotly_js() -> Response:
    """Plotly's JavaScript, served from the installed plotly package (no CDN)."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    return FileResponse(path, media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"})


# -- overview -------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: Viewer) -> HTMLResponse:
    """Scorecard with intervals, trends, freshness, open detractor alerts and the analysis button."""
    lang = page_lang(request)
    ctx = locked(request, V.overview, _settings(request).workspace, _tz(request), lang)
    return render(request, "overview.html", ctx, user=user)


@router.post("/alerts/{alert_id}/respond", dependencies=[Depends(csrf_protect)])
def respond(request: Request, alert_id: str, user: Analyst) -> Response:
    """Mark an alert as responded to (sets first_response_at once: time-to-first-response)."""
    if not locked(request, V.respond_alert, alert_id, by=user_name(user)):
        return render(request, "error.html", {"message_key": "web.error.no_alert"}, user=user, status_code=404)
    return RedirectResponse("/#alerts", status_code=303)


# -- customers ------------------------------------------------------------------------------------------
@router.get("/customers", response_class=HTMLResponse)
def customers(
    request: Request, user: Analyst, q: str = "", persona: str = "", risk: str = "", segment: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Search (name, e-mail, phone, id) and filters (persona, churn risk band, RFM segment), paginated."""
    lang = page_lang(request)
    query = VC.CustomerQuery(q=q[:200], persona=persona, risk=risk, segment=segment, page=page)

    def both(store: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return VC.search_customers(store, query, lang), VC.filter_options(store, lang)

    result, options = locked(request, both)
    return render(request, "customers.html", {"result": result, "options": options, "query": query,
                                              "bands": list(VC.RISK_BANDS)}, user=user)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_360(request: Request, customer_id: str, user: Analyst) -> HTMLResponse:
    """The customer 360; viewing it is written to the audit log (action ``view_profile``)."""
    from centric.privacy import append_audit

    lang = page_lang(request)

    def view(store: Any) -> dict[str, Any] | None:
        found = VC.customer_360(store, customer_id, _tz(request), lang)
        if found is not None:
            append_audit(store, actor=user_name(user), action="view_profile", subject=customer_id,
                         details={"page": "customer_360"})
        return found

    data = locked(request, view)
    if data is None:
        return render(request, "error.html", {"message_key": "web.error.no_customer"}, user=user, status_code=404)
    return render(request, "customer.html", {"c": data, "customer_id": customer_id}, user=user)


# -- analysis results -----------------------------------------------------------------------------------
def _results(request: Request) -> dict[str, Any]:
    res = V.load_results(_settings(request).workspace)
    return res[0] if res else {}


@router.get("/personas", response_class=HTMLResponse)
def personas(request: Request, user: Viewer) -> HTMLResponse:
    """Personas with narratives, RFM segments and charts."""
    lang = page_lang(request)
    profiles = locked(request, V.persona_profiles, lang)
    summary = _results(request)
    return render(request, "personas.html", {
        "profiles": profiles, "p": summary.get("personas") or {}, "fresh": V.freshness(summary, _tz(request), lang),
        "charts": V.charts(_settings(request).workspace, "personas", lang),
    }, user=user)


@router.get("/journeys", response_class=HTMLResponse)
def journeys(request: Request, user: Viewer) -> HTMLResponse:
    """Funnels, paths and friction points of the last analysis."""
    lang = page_lang(request)
    summary = _results(request)
    return render(request, "journeys.html", {
        "j": summary.get("journeys") or {}, "fresh": V.freshness(summary, _tz(request), lang),
        "charts": V.charts(_settings(request).workspace, "journeys", lang),
    }, user=user)


@router.get("/value", response_class=HTMLResponse)
def value(request: Request, user: Viewer) -> HTMLResponse:
    """CLV and churn: model parameters and validation, churn model quality and drivers, charts."""
    lang = page_lang(request)
    summary = _results(request)
    ws = _settings(request).workspace
    return render(request, "value.html", {
        "clv": summary.get("clv_model") or {}, "clv_validation": summary.get("clv_validation") or {},
        "churn": summary.get("churn_model") or {}, "fresh": V.freshness(summary, _tz(request), lang),
        "cards": [c for c in V.scorecard(summary, lang) if c["key"] in ("clv_hist", "clv_pred", "p_alive", "churn",
                                                                       "retention")],
        "charts": {s: V.charts(ws, s, lang) for s in ("clv", "churn", "churn_model", "cohorts")},
    }, user=user)


# -- feedback -------------------------------------------------------------------------------------------
@router.get("/feedback", response_class=HTMLResponse)
def feedback(
    request: Request, user: Analyst, instrument: str = "", band: str = "", date_from: str = "", date_to: str = "",
    with_comment: bool = False, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Survey answers and comments, filtered by instrument, score band and dates."""
    lang = page_lang(request)
    query = VD.FeedbackQuery(instrument=instrument, band=band, date_from=date_from, date_to=date_to,
                             with_comment=with_comment, page=page)
    try:
        result = locked(request, VD.feedback_list, query, _tz(request), lang)
        error = None
    except InputError as exc:
        result, error = {"rows": [], "total": 0, "page": 1, "pages": 1, "instruments": []}, str(exc)
    return render(request, "feedback.html", {"result": result, "query": query, "bands": list(VD.SCORE_BANDS),
                                             "error": error}, user=user, status_code=422 if error else 200)


# -- data: imports and quarantine -----------------------------------------------------------------------
@router.get("/data", response_class=HTMLResponse)
def data(
    request: Request, user: Analyst, batch: str = "", show: str = "open",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Import history and the quarantine (open rows, or the discarded ones)."""
    lang = page_lang(request)

    def both(store: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return (VD.import_history(store, _tz(request), lang),
                VD.quarantine_list(store, batch_id=batch, show=show, page=page))

    imports, quarantine = locked(request, both)
    return render(request, "data.html", {"imports": imports, "q": quarantine, "batch": batch, "show": show},
                  user=user)


@router.get("/data/quarantine/{batch_id}/{row_number}", response_class=HTMLResponse)
def quarantine_row(request: Request, batch_id: str, row_number: int, user: Analyst) -> HTMLResponse:
    """One quarantined row: its cells (editable), reasons and earlier decisions."""
    found = locked(request, VD.quarantine_row, batch_id, row_number)
    if found is None:
        return render(request, "error.html", {"message_key": "web.error.no_row"}, user=user, status_code=404)
    return render(request, "quarantine_row.html", {"found": found, "batch_id": batch_id, "row_number": row_number,
                                                   "outcome": request.query_params.get("outcome")}, user=user)


@router.post("/data/quarantine/{batch_id}/{row_number}", dependencies=[Depends(csrf_protect)])
async def quarantine_action(request: Request, batch_id: str, row_number: int, user: Analyst,
                            action: Annotated[str, Form()] = "retry",
                            note: Annotated[str, Form()] = "") -> Response:
    """``action=retry``: validate the edited cells again (fields ``cell:<header>``); ``discard``: keep out."""
    form = await request.form()
    cells = {str(k)[5:]: str(v) for k, v in form.multi_items() if str(k).startswith("cell:")}
    s = _settings(request)
    try:
        if action == "discard":
            locked(request, VD.discard_row, batch_id, row_number, by=user_name(user), note=note)
            return RedirectResponse(f"/data?batch={batch_id}", status_code=303)
        out = locked(request, VD.retry_row, batch_id, row_number, cells, by=user_name(user),
                     timezone=s.timezone, currency=s.currency, note=note)
    except InputError as exc:
        found = locked(request, VD.quarantine_row, batch_id, row_number)
        return render(request, "quarantine_row.html", {"found": found, "batch_id": batch_id, "row_number": row_number,
                                                       "error": str(exc)}, user=user, status_code=422)
    outcome = "stored" if out["stored"] else "still_invalid"
    return RedirectResponse(f"/data/quarantine/{batch_id}/{row_number}?outcome={outcome}", status_code=303)


# -- settings -------------------------------------------------------------------------------------------
def _accounts(store: Any) -> dict[str, list[dict[str, Any]]]:
    users = store.table("users").select("email", "role", "created_at", "disabled_at").order_by("email").execute()
    keys = store.table("api_keys").select("key_id", "prefix", "scopes", "created_by", "created_at", "last_used_at",
                                          "revoked_at").order_by("created_at").execute()
    return {"users": users.to_dict("records"), "keys": keys.to_dict("records")}


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, user: Viewer) -> HTMLResponse:
    """The workspace settings (read-only); users and API keys for admins."""
    s = _settings(request)
    rows = [("CENTRIC_WORKSPACE", str(s.workspace)), ("CENTRIC_STORE", str(s.store_url)),
            ("CENTRIC_LANG", s.lang), ("CENTRIC_TIMEZONE", s.timezone), ("CENTRIC_CURRENCY", s.currency)]
    accounts = locked(request, _accounts) if getattr(user, "role", "") == "admin" else None
    return render(request, "settings.html", {"rows": rows, "accounts": accounts}, user=user)


# -- audiences and automations (their own module) -------------------------------------------------------
from centric.web import activation_pages as _activation  # noqa: E402

router.include_router(_activation.router)

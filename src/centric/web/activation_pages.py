"""The Audiences and Automations pages (included by :mod:`centric.web.pages_routes`).

Roles: ``viewer`` reads both lists, an audience's size and a pseudonymous sample; ``analyst``
(and admin) creates audiences, exports them (CSV with contact data, or hashed Meta / Google lists:
consent-filtered and audited by :func:`centric.activation.export_audience`), pauses and resumes
automations and runs a dry-run plan. Nothing is sent from the web.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from centric.exceptions import InputError
from centric.web import _views_audiences as VA
from centric.web import _views_automations as VM
from centric.web._pages_support import csrf_protect, locked, page_lang, render, require_role, user_name

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Any, Depends(require_role("viewer"))]
Analyst = Annotated[Any, Depends(require_role("analyst"))]
EXPORTS = ("csv", "meta", "google")


def _tz(request: Request) -> str:
    return str(getattr(request.app.state.settings, "timezone", "Asia/Ho_Chi_Minh"))


def _purposes(lang: str) -> list[tuple[str, str]]:
    from centric.privacy import PURPOSES

    return [(p.id, p.name_vi if lang == "vi" else p.name_en) for p in PURPOSES.values()]


def _purpose(value: str | None) -> str:
    from centric.privacy import PURPOSES

    return value if value in PURPOSES else VA.DEFAULT_PURPOSE


def _form_ctx(
    lang: str,
    *,
    rows: list[tuple[str, str, str]] | None = None,
    errors: dict[Any, str] | None = None,
    name: str = "",
    description: str = "",
) -> dict[str, Any]:
    from centric.activation import FIELDS, OPS

    rows = list(rows or [])
    rows += [("", "", "")] * max(0, VA.FORM_ROWS - len(rows))
    return {
        "fields": [*FIELDS, "consent"],
        "ops": list(OPS),
        "rows": rows,
        "errors": errors or {},
        "name": name,
        "description": description,
    }


# -- audiences -----------------------------------------------------------------------------------------
@router.get("/audiences", response_class=HTMLResponse)
def audiences(request: Request, user: Viewer) -> HTMLResponse:
    """Saved audiences with their filters in words, size, consented size, who saved them and when."""
    lang = page_lang(request)
    items = locked(request, VA.audiences_overview, lang, _tz(request))
    return render(
        request,
        "activation/audiences.html",
        {"items": items, "form": _form_ctx(lang), "saved": request.query_params.get("saved")},
        user=user,
    )


@router.post("/audiences", dependencies=[Depends(csrf_protect)])
async def create_audience(
    request: Request, user: Analyst, name: Annotated[str, Form()] = "", description: Annotated[str, Form()] = ""
) -> Response:
    """Save an audience from the form rows (``field-i``, ``op-i``, ``value-i``); errors go next to their row."""
    lang = page_lang(request)
    form = await request.form()
    rows = [
        (str(form.get(f"field-{i}") or ""), str(form.get(f"op-{i}") or ""), str(form.get(f"value-{i}") or ""))
        for i in range(VA.FORM_ROWS)
    ]
    out = locked(
        request,
        VA.save_from_form,
        name=name[:200],
        description=description[:500],
        rows=rows,
        actor=user_name(user),
        lang=lang,
    )
    if "saved" in out:
        return RedirectResponse(f"/audiences/{out['saved'].audience_id}?saved=1", status_code=303)
    items = locked(request, VA.audiences_overview, lang, _tz(request))
    ctx = _form_ctx(lang, rows=rows, errors=out["errors"], name=name, description=description)
    return render(
        request, "activation/audiences.html", {"items": items, "form": ctx, "saved": None}, user=user, status_code=422
    )


@router.get("/audiences/{audience_id}", response_class=HTMLResponse)
def audience(request: Request, audience_id: str, user: Viewer, purpose: str = "") -> HTMLResponse:
    """One audience: size, consented size for a purpose, a sample of members and the export buttons."""
    lang = page_lang(request)
    show_ids = getattr(user, "role", "") in ("analyst", "admin")
    data = locked(
        request,
        VA.audience_detail,
        audience_id,
        lang,
        purpose=_purpose(purpose),
        secret=request.app.state.secret,
        show_ids=show_ids,
    )
    if data is None:
        return render(request, "error.html", {"message_key": "actweb.no_audience"}, user=user, status_code=404)
    return render(
        request,
        "activation/audience.html",
        {"a": data, "purposes": _purposes(lang), "formats": EXPORTS, "saved": request.query_params.get("saved")},
        user=user,
    )


@router.post("/audiences/{audience_id}/export", dependencies=[Depends(csrf_protect)])
def export(
    request: Request,
    audience_id: str,
    user: Analyst,
    fmt: Annotated[str, Form()] = "csv",
    purpose: Annotated[str, Form()] = VA.DEFAULT_PURPOSE,
) -> Response:
    """Download the audience (members with consent for ``purpose`` only); audited as ``audience.export``."""
    from centric.activation import export_audience, get_audience

    if fmt not in EXPORTS:
        raise InputError(f"The 'fmt' must be one of {list(EXPORTS)}. Got {fmt!r} instead.")

    def run(store: Any) -> tuple[str, int] | None:
        try:
            get_audience(store, audience_id)
        except InputError:
            return None
        return export_audience(store, audience_id, fmt=fmt, purpose=_purpose(purpose), actor=user_name(user))  # type: ignore[no-any-return]

    out = locked(request, run)
    if out is None:
        return render(request, "error.html", {"message_key": "actweb.no_audience"}, user=user, status_code=404)
    name = f"{audience_id}-{fmt}.csv"
    return Response(
        out[0],
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Rows": str(out[1]),
            "Cache-Control": "no-store",
        },
    )


# -- automations ---------------------------------------------------------------------------------------
@router.get("/automations", response_class=HTMLResponse)
def automations(request: Request, user: Viewer) -> HTMLResponse:
    """Automations with trigger, action, status, last activity, sends and the holdout uplift."""
    lang = page_lang(request)
    items = locked(request, VM.automations_overview, _tz(request), lang)
    return render(request, "activation/automations.html", {"items": items, "min_n": VM.MIN_N}, user=user)


@router.post("/automations/{automation_id}/enabled", dependencies=[Depends(csrf_protect)])
def toggle(request: Request, automation_id: str, user: Analyst, enabled: Annotated[str, Form()] = "") -> Response:
    """Pause (``enabled=0``) or resume (``enabled=1``) an automation; audited."""
    if enabled not in ("0", "1"):
        raise InputError(f"The 'enabled' field must be 0 (pause) or 1 (resume). Got {enabled!r} instead.")
    if not locked(request, VM.known, automation_id):
        return render(request, "error.html", {"message_key": "actweb.no_automation"}, user=user, status_code=404)
    locked(request, VM.set_enabled, automation_id, enabled == "1", actor=user_name(user))
    return RedirectResponse(f"/automations#a-{automation_id}", status_code=303)


@router.get("/automations/{automation_id}/plan", response_class=HTMLResponse)
def plan(request: Request, automation_id: str, user: Analyst) -> HTMLResponse:
    """Dry run: who would be contacted now, who is left out and why (nothing is written or sent)."""
    if not locked(request, VM.known, automation_id):
        return render(request, "error.html", {"message_key": "actweb.no_automation"}, user=user, status_code=404)
    now = _dt.datetime.now(_dt.UTC)
    data = locked(request, VM.dry_run, automation_id, now=now, tz=_tz(request))
    return render(request, "activation/plan.html", {"p": data, "steps": VM.STEPS}, user=user)

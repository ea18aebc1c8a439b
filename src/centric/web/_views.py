"""View models for the overview and the analysis pages: results of the last run, charts, alerts.

The analysis results come from the workspace (``runs/latest.pkl``, else ``report/summary.json``),
read once per file change and cached with their rendered charts, so a page view costs a dict
lookup, not a Plotly build. Alerts come from the ``alerts`` table.
"""

from __future__ import annotations

import datetime as _dt
import json
import pickle
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from centric.i18n import fmt_number
from centric.report._charts import FIGURES
from centric.report._render import _cards
from centric.web._query import forget, run, table_names

__all__ = [
    "LATEST",
    "alerts_view",
    "charts",
    "freshness",
    "load_results",
    "overview",
    "persona_profiles",
    "respond_alert",
    "scorecard",
]

LATEST = "runs/latest.pkl"
_CACHE: dict[str, Any] = {}
_CACHE_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple[str, float] | None:
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return None


def load_results(workspace: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(summary, frames)`` of the last analysis, or ``None`` when none has run yet."""
    pkl, js = workspace / LATEST, workspace / "report" / "summary.json"
    stamp = _stamp(pkl) or _stamp(js)
    if stamp is None:
        return None
    with _CACHE_LOCK:
        hit = _CACHE.get("results")
        if hit and hit[0] == stamp:
            return hit[1]  # type: ignore[no-any-return]
        try:
            if stamp[0] == str(pkl):
                with open(pkl, "rb") as fh:
                    res = pickle.load(fh)  # the workspace's own file, written by centric analyze
                value = (dict(res.summary), dict(res.frames))
            else:
                value = (dict(json.loads(js.read_text("utf-8"))), {})
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):  # being rewritten right now
            return hit[1] if hit else None  # type: ignore[no-any-return]
        _CACHE.clear()  # charts of an older run are stale too
        forget()  # derived tables may have new columns
        _CACHE["results"] = (stamp, value)
        return value


def charts(workspace: Path, section: str, lang: str) -> list[str]:
    """The section's Plotly figures as HTML fragments (no JS; the page loads plotly.min.js once)."""
    res = load_results(workspace)
    if res is None:
        return []
    key = f"charts:{section}:{lang}"
    with _CACHE_LOCK:
        if key in _CACHE:
            return list(_CACHE[key])
    out: list[str] = []
    for build in FIGURES.get(section, []):
        try:
            made = build(res[1], lang)
        except (KeyError, ValueError, TypeError):  # a frame of an older run that a builder cannot draw
            made = None
        for fig in made if isinstance(made, list | tuple) else [made]:
            if fig is not None:
                fig.update_layout(height=340, autosize=True)
                out.append(fig.to_html(full_html=False, include_plotlyjs=False,
                                       config={"displaylogo": False, "responsive": True}))
    with _CACHE_LOCK:
        _CACHE[key] = out
    return list(out)


def _local(ts: Any, tz: str, lang: str) -> str:
    if ts is None or (not isinstance(ts, str) and pd.isna(ts)):
        return "—"
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    local = stamp.tz_convert(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y %H:%M") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def _age(ts: Any, now: pd.Timestamp, lang: str) -> str:
    """'3 h' / '2 days' since ``ts``."""
    stamp = pd.Timestamp(ts)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    secs = max(0.0, (now - stamp).total_seconds())
    if secs < 3600:
        return f"{int(secs // 60)} {'phút' if lang == 'vi' else 'min'}"
    if secs < 86400 * 2:
        return f"{fmt_number(secs / 3600, lang, 1)} {'giờ' if lang == 'vi' else 'h'}"
    return f"{int(secs // 86400)} {'ngày' if lang == 'vi' else 'days'}"


def freshness(summary: dict[str, Any] | None, tz: str, lang: str, now: pd.Timestamp | None = None) -> dict[str, Any]:
    """When the numbers were computed, over which window, and how old they are."""
    if not summary:
        return {"ran": False}
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    gen = summary.get("generated_at")
    return {
        "ran": True,
        "run_id": summary.get("run_id"),
        "generated": _local(gen, tz, lang),
        "generated_iso": gen,
        "age": _age(gen, now, lang) if gen else "—",
        "window": summary.get("window") or {},
        "stale": bool(gen) and (now - pd.Timestamp(gen)).total_seconds() > 86400 * 7,
    }


def scorecard(summary: dict[str, Any] | None, lang: str) -> list[dict[str, Any]]:
    """The headline metrics as cards (value, interval, n, small-sample flag), like the report."""
    return _cards((summary or {}).get("headline", {}), lang) if summary else []


def alerts_view(store: Any, tz: str, lang: str, *, limit: int = 50) -> dict[str, Any]:
    """Open alerts (newest first) and time-to-first-response over every responded alert."""
    def listing(p: dict[str, str]) -> ibis.Table:
        a = store.table("alerts")
        open_ = a.filter(a.resolved_at.isnull()).order_by(ibis.desc(a.created_at)).limit(limit)
        cust = store.table("customers").select("customer_id", "display_name")
        return open_.left_join(cust, open_.customer_id == cust.customer_id).select(
            open_.alert_id, open_.kind, open_.customer_id, cust.display_name, open_.score, open_.comment,
            open_.created_at, open_.first_response_at, open_.responded_by,
        ).order_by(ibis.desc("created_at"))

    def totals(p: dict[str, str]) -> ibis.Table:
        a = store.table("alerts")
        is_open = a.resolved_at.isnull()
        return a.aggregate(
            open=is_open.cast("int64").sum(),
            waiting=(is_open & a.first_response_at.isnull()).cast("int64").sum(),
        )

    from centric.surveys import alert_stats  # time to first response: one definition, the closed loop's

    rows = run(store, ("alerts.list", limit), listing)
    counts = run(store, "alerts.totals", totals).iloc[0]
    n_open = 0 if pd.isna(counts["open"]) else int(counts["open"])
    waiting = 0 if pd.isna(counts["waiting"]) else int(counts["waiting"])
    ttfr = alert_stats(store)
    n_resp = ttfr.answered
    med = None if ttfr.median_hours is None else 3600.0 * ttfr.median_hours
    items = []
    for r in rows.to_dict("records"):
        items.append({
            **r,
            "created_local": _local(r["created_at"], tz, lang),
            "responded_local": _local(r["first_response_at"], tz, lang) if r["first_response_at"] is not None
            and not pd.isna(r["first_response_at"]) else None,
            "score_text": "—" if r["score"] is None or pd.isna(r["score"]) else fmt_number(r["score"], lang, 0),
        })
    return {"items": items, "open": n_open, "waiting": waiting, "responded": n_resp,
            "median_ttfr": _duration(med, lang) if med is not None else "—"}


def _duration(secs: float, lang: str) -> str:
    if secs < 3600:
        return f"{fmt_number(secs / 60, lang, 0)} {'phút' if lang == 'vi' else 'min'}"
    if secs < 86400 * 2:
        return f"{fmt_number(secs / 3600, lang, 1)} {'giờ' if lang == 'vi' else 'h'}"
    return f"{fmt_number(secs / 86400, lang, 1)} {'ngày' if lang == 'vi' else 'days'}"


def respond_alert(store: Any, alert_id: str, *, by: str, now: _dt.datetime | None = None) -> bool:
    """Record the first response to an alert (kept if already set); ``False`` when no such alert.

    The closed loop's own :func:`centric.surveys.respond_alert` does the work (one row updated).
    """
    from centric.exceptions import InputError
    from centric.surveys import respond_alert as record_response

    try:
        record_response(store, alert_id, by=by, at=now)
    except InputError:
        return False
    return True


def persona_profiles(store: Any, lang: str) -> list[dict[str, Any]]:
    """Persona rows (name, size, revenue share, narrative) in ``lang``; empty before personas ran."""
    if "persona_profiles" not in table_names(store):
        return []
    df = run(store, "personas.profiles", lambda p: store.table("persona_profiles").order_by("persona_id"))
    return [
        {"persona_id": int(r["persona_id"]), "name": r[f"name_{lang}"], "n_customers": int(r["n_customers"]),
         "share": float(r["share"]) * 100, "revenue_share": float(r["revenue_share"]) * 100,
         "narrative": r[f"narrative_{lang}"]}
        for r in df.to_dict("records")
    ]


def overview(store: Any, workspace: Path, tz: str, lang: str) -> dict[str, Any]:
    """Everything the overview page shows."""
    res = load_results(workspace)
    summary = res[0] if res else None
    return {
        "cards": scorecard(summary, lang),
        "fresh": freshness(summary, tz, lang),
        "alerts": alerts_view(store, tz, lang),
        "trend_charts": charts(workspace, "trends", lang) if res else [],
        "warnings": (summary or {}).get("warnings", []),
    }


"""Render the offline HTML report (Jinja2 + Plotly, no CDN) from a run's results."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import plotly.offline

from centric.i18n import fmt_money, fmt_number, fmt_percent, t
from centric.report._charts import FIGURES

__all__ = ["CARD_ORDER", "render_report", "write_report", "write_summary"]

#: headline metrics in the order the scorecard shows them
CARD_ORDER = [
    "nps", "csat", "ces_v2", "ces_v1", "retention", "churn", "clv_hist", "clv_pred", "p_alive",
    "engagement", "life_impact",
]


def _fmt_value(m: dict[str, Any], v: float | None, lang: str) -> str:
    unit = m.get("unit", "")
    if v is None:
        return "—"
    if unit == "%":
        return fmt_percent(v, lang)
    if unit == "VND":
        return fmt_money(v, lang)
    if unit == "score":
        return fmt_number(v, lang, 0) if abs(v) >= 10 else fmt_number(v, lang, 1)
    return fmt_number(v, lang, 2 if "mean" in unit else 1)


def _cards(headline: dict[str, dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    cards = []
    for key in [k for k in CARD_ORDER if k in headline] + [k for k in headline if k not in CARD_ORDER]:
        m = headline[key]
        interval = None
        if m.get("low") is not None and m.get("high") is not None and not m.get("suppressed"):
            interval = f"{_fmt_value(m, m['low'], lang)} … {_fmt_value(m, m['high'], lang)}"
        cards.append(
            {
                "key": key,
                "label": t(f"metric.{key}", lang),
                "value": "—" if m.get("suppressed") else _fmt_value(m, m.get("value"), lang),
                "interval": interval,
                "n": fmt_number(m.get("n", 0), lang),
                "small": bool(m.get("small_sample")),
                "suppressed": bool(m.get("suppressed")),
                "definition": m.get("definition_vi" if lang == "vi" else "definition", ""),
            }
        )
    return cards


def render_report(summary: dict[str, Any], frames: dict[str, Any], out_dir: Path, *, lang: str = "vi") -> Path:
    """Write ``out_dir/index.html`` (one offline file) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("centric.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    charts: dict[str, list[str]] = {}
    first = True
    for section, builders in FIGURES.items():
        charts[section] = []
        for build in builders:
            made = build(frames, lang)
            for fig in made if isinstance(made, list | tuple) else [made]:
                if fig is None:
                    continue
                charts[section].append(
                    fig.to_html(full_html=False, include_plotlyjs=False,
                                config={"displaylogo": False, "responsive": True})
                )
            first = False
    del first
    tz = ZoneInfo(summary.get("timezone", "Asia/Ho_Chi_Minh"))
    gen = _dt.datetime.fromisoformat(summary["generated_at"]).astimezone(tz)
    s = dict(summary)
    s["generated_at_local"] = gen.strftime("%d/%m/%Y %H:%M") if lang == "vi" else gen.strftime("%Y-%m-%d %H:%M")
    s["imports"] = [dict(r, file=Path(r.get("path", "")).name) for r in summary.get("imports", [])]
    churn = summary.get("headline", {}).get("churn")
    sections = [
        ("trends", t("report.trends", lang)),
        ("cohorts", t("report.cohorts", lang)),
        ("churn", t("report.churn", lang)),
        ("clv", t("report.clv", lang)),
        ("engagement", t("report.engagement", lang)),
        ("personas", t("report.personas", lang)),
        ("journeys", t("report.journeys", lang)),
        ("churn_model", t("report.churn_model", lang)),
        ("recommend", t("recommend.title", lang)),
    ]
    html = env.get_template("report.html.j2").render(
        lang=lang,
        s=s,
        cards=_cards(summary.get("headline", {}), lang),
        charts=charts,
        sections=sections,
        churn_note=(churn or {}).get("definition_vi" if lang == "vi" else "definition"),
        t=lambda k: t(k, lang),
        num=lambda x: fmt_number(x, lang),
        group_label=lambda by, g: t("label.unknown", lang) if g is None else (
            t(f"{by}.{g}", lang) if by == "life_stage" else g),
        fmt=lambda metric, v: fmt_percent(v, lang) if metric == "csat" else fmt_number(v, lang, 0 if metric == "nps" else 1),
        plotly_js=plotly.offline.get_plotlyjs(),
    )
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def write_summary(summary: dict[str, Any], out_dir: Path) -> Path:
    """Write ``summary.json`` (every headline figure with n and interval)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def write_report(results: Any, out_dir: Path, *, lang: str = "vi") -> tuple[Path, Path]:
    """Write ``index.html`` and ``summary.json`` for a pipeline ``Results``; return both paths."""
    import time

    results.summary["lang"] = lang
    t0 = time.perf_counter()
    html = render_report(results.summary, results.frames, out_dir, lang=lang)
    results.summary["timings"]["report"] = round(time.perf_counter() - t0, 3)
    return html, write_summary(results.summary, out_dir)

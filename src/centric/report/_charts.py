"""Plotly figures for the report; each takes plain frames and a language."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from centric.i18n import t

__all__ = ["FIGURES"]

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 380,
    "font": {"family": "Inter, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13},
}


def _trend(df: pd.DataFrame, title: str, y_title: str, lang: str) -> go.Figure | None:
    if df is None or df.empty:
        return None
    d = df.copy()
    x = d.iloc[:, 0].astype(str)
    fig = go.Figure()
    ok = ~d["suppressed"].astype(bool)
    fig.add_trace(
        go.Scatter(
            x=pd.concat([x[ok], x[ok][::-1]]),
            y=pd.concat([d["high"][ok], d["low"][ok][::-1]]),
            fill="toself",
            fillcolor="rgba(37,99,235,0.15)",
            line={"width": 0},
            hoverinfo="skip",
            name=t("label.interval", lang),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x[ok],
            y=d["value"][ok],
            mode="lines+markers",
            name=title,
            line={"color": "#2563eb"},
            customdata=np.stack([d["n"][ok], d["low"][ok], d["high"][ok]], axis=-1),
            hovertemplate="%{x}: %{y:.1f} (n=%{customdata[0]}, %{customdata[1]:.1f}…%{customdata[2]:.1f})<extra></extra>",
        )
    )
    small = ok & d["small_sample"].astype(bool)
    if small.any():
        fig.add_trace(
            go.Scatter(
                x=x[small], y=d["value"][small], mode="markers", name=t("label.small_sample", lang),
                marker={"symbol": "circle-open", "size": 12, "color": "#d97706"},
            )
        )
    period = t("label.month", lang) if d.attrs.get("freq", "M") == "M" else ("Quarter" if lang == "en" else "Quý")
    fig.update_layout(title=title, xaxis_title=period, yaxis_title=y_title, **_LAYOUT)
    return fig


def nps_trend(frames: dict, lang: str) -> go.Figure | None:
    return _trend(frames.get("nps_by_month"), t("metric.nps", lang), "NPS", lang)


def csat_trend(frames: dict, lang: str) -> go.Figure | None:
    return _trend(frames.get("csat_by_month"), t("metric.csat", lang), "%", lang)


def _heatmap(shares: pd.DataFrame | None, title: str, lang: str, pct: bool) -> go.Figure | None:
    if shares is None or shares.empty:
        return None
    z = shares.to_numpy(dtype=float) * (100 if pct else 1)
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.0f}" if pct else f"{v:.2f}")(np.nan_to_num(z)))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in shares.columns],
            y=[str(i) for i in shares.index],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=float(np.nanpercentile(z[:, 1:], 99)) if z.shape[1] > 1 and np.isfinite(z[:, 1:]).any() else None,
            hovertemplate=f"{t('label.cohort', lang)} %{{y}}, {t('label.age', lang)} %{{x}}: %{{z:.1f}}<extra></extra>",
        )
    )
    fig.update_layout(title=title, xaxis_title=t("label.age", lang), yaxis_title=t("label.cohort", lang), **_LAYOUT)
    fig.update_layout(height=max(380, 22 * len(shares) + 120), yaxis={"autorange": "reversed"})
    return fig


def cohort_customers(frames: dict, lang: str) -> go.Figure | None:
    return _heatmap(frames.get("cohort_customers"), t("report.cohorts.customers", lang) + " (%)", lang, True)


def cohort_revenue(frames: dict, lang: str) -> go.Figure | None:
    return _heatmap(frames.get("cohort_revenue"), t("report.cohorts.revenue", lang), lang, False)


def _hist(values: pd.Series | None, title: str, x_title: str, lang: str, *, log: bool = False,
          vline: float | None = None) -> go.Figure | None:
    if values is None or len(values) == 0:
        return None
    v = pd.Series(values).astype(float).dropna()
    fig = go.Figure(go.Histogram(x=np.log10(v[v > 0]) if log else v, nbinsx=50, marker={"color": "#2563eb"}))
    if log:
        ticks = np.arange(np.floor(np.log10(v[v > 0].min())), np.ceil(np.log10(v.max())) + 1)
        fig.update_xaxes(tickvals=ticks, ticktext=[f"{10**k:,.0f}" for k in ticks])
    if vline is not None:
        fig.add_vline(x=vline, line_dash="dash", line_color="#dc2626")
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=t("label.customers", lang), **_LAYOUT)
    return fig


def clv_distribution(frames: dict, lang: str) -> go.Figure | None:
    return _hist(frames.get("clv_hist"), t("report.clv.hist", lang), t("label.revenue", lang), lang, log=True)


def clv_predicted(frames: dict, lang: str) -> go.Figure | None:
    return _hist(frames.get("clv_pred"), t("report.clv.pred", lang), t("label.revenue", lang), lang, log=True)


def churn_recency(frames: dict, lang: str) -> go.Figure | None:
    rule = frames.get("churn_rule_days")
    title = t("metric.churn", lang) + (" — " + ("ngày kể từ lần mua cuối" if lang == "vi" else "days since last purchase"))
    return _hist(frames.get("recency_days"), title, "days" if lang == "en" else "ngày", lang, vline=rule)


def engagement(frames: dict, lang: str) -> go.Figure | None:
    df = frames.get("engagement_bands")
    if df is None or len(df) == 0:
        return None
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    rev = "Mean revenue (VND)" if lang == "en" else "Doanh thu trung bình (VND)"
    ch = "Churned (%)" if lang == "en" else "Đã rời bỏ (%)"
    fig.add_trace(go.Bar(x=df["band"].astype(str), y=df["mean_revenue"], name=rev, marker={"color": "#2563eb"},
                         customdata=df["customers"], hovertemplate="%{x}: %{y:,.0f} (n=%{customdata})<extra></extra>"))
    fig.add_trace(go.Scatter(x=df["band"].astype(str), y=df["churned_pct"], name=ch, mode="lines+markers",
                             line={"color": "#dc2626"}), secondary_y=True)
    title = ("Value and churn by engagement band" if lang == "en"
             else "Giá trị và tỷ lệ rời bỏ theo mức tương tác")
    fig.update_layout(title=title, xaxis_title=t("label.index", lang), **_LAYOUT)
    fig.update_yaxes(title_text=rev, secondary_y=False)
    fig.update_yaxes(title_text=ch, secondary_y=True, range=[0, 100])
    return fig


def clv_calibration(frames: dict, lang: str) -> go.Figure | None:
    df = frames.get("clv_calibration")
    if df is None or len(df) == 0:
        return None
    x = df.iloc[:, 0].astype(str)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=df["actual"], name="actual" if lang == "en" else "thực tế", marker={"color": "#94a3b8"}))
    fig.add_trace(go.Bar(x=x, y=df["predicted"], name="predicted" if lang == "en" else "dự báo", marker={"color": "#2563eb"}))
    title = ("Holdout purchases by calibration frequency" if lang == "en"
             else "Số lần mua trong giai đoạn kiểm tra theo tần suất giai đoạn hiệu chỉnh")
    fig.update_layout(title=title, barmode="group", **_LAYOUT)
    return fig


def clv_tracking(frames: dict, lang: str) -> go.Figure | None:
    df = frames.get("clv_tracking")
    if df is None or len(df) == 0:
        return None
    x = df.iloc[:, 0]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=df["actual"], name="actual" if lang == "en" else "thực tế", line={"color": "#64748b"}))
    fig.add_trace(go.Scatter(x=x, y=df["predicted"], name="predicted" if lang == "en" else "dự báo",
                             line={"color": "#2563eb", "dash": "dash"}))
    title = "Cumulative repeat purchases" if lang == "en" else "Số lần mua lặp lại cộng dồn"
    fig.update_layout(title=title, **_LAYOUT)
    return fig


def _package_figures(module: str):  # type: ignore[no-untyped-def]
    """Figures a capability package draws itself (``module.figures(frames, lang)``), if it is installed."""

    def build(frames: dict, lang: str) -> list[go.Figure] | None:
        import importlib

        try:
            mod = importlib.import_module(module)
        except ImportError:
            return None
        try:
            return list(mod.figures(frames, lang))
        except KeyError:
            return None

    build.__name__ = f"figures_of_{module.rsplit('.', 1)[-1]}"
    return build


#: section -> figure builders, in the order they appear
FIGURES = {
    "trends": [nps_trend, csat_trend],
    "cohorts": [cohort_customers, cohort_revenue],
    "churn": [churn_recency],
    "clv": [clv_distribution, clv_predicted, clv_calibration, clv_tracking],
    "engagement": [engagement],
    "personas": [_package_figures("centric.personas")],
    "journeys": [_package_figures("centric.journeys")],
    "churn_model": [_package_figures("centric.churn")],
}

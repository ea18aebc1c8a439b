"""Plotly figures of the journeys analysis: funnel, Sankey of paths, friction bars, journey map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from centric.journeys._common import check_lang, label
from centric.journeys._paths import sankey

__all__ = ["figures", "friction_figure", "funnel_figure", "journey_map"]

_T = {
    "en": {
        "funnel": "Purchase funnel: share of sessions reaching each step",
        "funnel_by": "Purchase funnel by {by}",
        "share": "share of sessions that started",
        "friction": "Friction points: drop-off against expectation",
        "drop": "drop-off",
        "expected": "expected (all {by}s)",
        "map": "Journey map: customers reaching each stage and how they feel there",
        "map_by": "Journey map per {by}",
        "reach": "share of customers (%)",
        "conversion": "conversion from the previous stage (%)",
        "sentiment": "sentiment (positive − negative answers, %)",
    },
    "vi": {
        "funnel": "Phễu mua hàng: tỷ lệ phiên đi đến từng bước",
        "funnel_by": "Phễu mua hàng theo {by}",
        "share": "tỷ lệ trên số phiên bắt đầu",
        "friction": "Điểm ma sát: tỷ lệ rời bỏ so với kỳ vọng",
        "drop": "tỷ lệ rời bỏ",
        "expected": "kỳ vọng (mọi {by})",
        "map": "Bản đồ hành trình: khách hàng ở từng giai đoạn và cảm nhận của họ",
        "map_by": "Bản đồ hành trình theo {by}",
        "reach": "tỷ lệ khách hàng (%)",
        "conversion": "tỷ lệ chuyển tiếp từ giai đoạn trước (%)",
        "sentiment": "cảm nhận (tích cực − tiêu cực, %)",
    },
}
_BY_VI = {"channel": "kênh", "persona": "chân dung", "segment": "phân khúc"}


def _by_label(by: str, lang: str) -> str:
    return _BY_VI.get(by, by) if lang == "vi" else by


def funnel_figure(frame: pd.DataFrame, lang: str = "vi", *, by: str | None = None) -> Any:
    """Bars of the share of units reaching each step (one trace per ``by`` value), with step conversion."""
    import plotly.graph_objects as go

    T = _T[check_lang(lang)]
    fig = go.Figure()
    groups = [(None, frame)] if by is None else list(frame.groupby(by, sort=True))
    for g, part in groups:
        x = [label(s, lang) for s in part["step"]]
        y = 100 * part["share_of_start"].to_numpy(float)
        text = [f"{v:.1f}%" + (f" (n={n:,})" if by is None else "") for v, n in zip(y, part["entered"], strict=True)]
        fig.add_bar(
            x=x,
            y=y,
            name=label(g, lang) if g is not None else T["share"],
            text=text,
            textposition="outside",
            customdata=part[["entered"]].to_numpy(),
            hovertemplate="%{x}: %{y:.1f}% (n=%{customdata[0]:,})<extra></extra>",
        )
    title = T["funnel"] if by is None else T["funnel_by"].format(by=_by_label(by, lang))
    fig.update_layout(title=title, barmode="group", yaxis_title=T["share"], yaxis_range=[0, 115], height=400)
    return fig


def friction_figure(friction: pd.DataFrame, lang: str = "vi", *, top: int = 8) -> Any:
    """Horizontal bars of drop-off against expectation for the top ``top`` friction rows."""
    import plotly.graph_objects as go

    T = _T[check_lang(lang)]
    part = friction.head(top).iloc[::-1]
    by = friction.attrs.get("by", "channel")
    names = []
    for step, g in zip(part["step"], part["group"], strict=True):
        a, _, b = str(step).partition("→")
        names.append(f"{label(g, lang)}: {label(a, lang)} → {label(b, lang)}")
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=100 * part["drop_off"].to_numpy(float),
        orientation="h",
        name=T["drop"],
        marker_color=np.where(part["is_friction"].to_numpy(bool), "#d62728", "#7f7f7f").tolist(),
        hovertext=part[f"sentence_{lang}"].tolist(),
        hoverinfo="text+x",
    )
    fig.add_scatter(
        y=names,
        x=100 * part["expected_drop_off"].to_numpy(float),
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "color": "black"},
        name=T["expected"].format(by=_by_label(by, lang)),
    )
    fig.update_layout(
        title=T["friction"], xaxis_title=T["drop"] + " (%)", height=120 + 40 * len(part), margin={"l": 260}
    )
    return fig


def journey_map(stage_summary: pd.DataFrame, lang: str = "vi", *, by: str | None = None) -> Any:
    """The journey map: stages on x; reach and conversion (%) and sentiment on y; one panel per ``by`` value.

    Parameters
    ----------
    stage_summary
        The frame of :func:`~centric.journeys.stage_table`.
    lang
        ``"vi"`` or ``"en"``.
    by
        The persona (or other) column of ``stage_summary``, for one row of panels per value.

    Returns
    -------
    plotly.graph_objects.Figure
        Top: bars of the share of customers reaching each stage and a line of the conversion from
        the previous stage. Bottom: sentiment (share of positive minus negative answers) at the stage's
        touchpoints, red where negative.
    """
    from plotly.subplots import make_subplots

    T = _T[check_lang(lang)]
    groups = [(None, stage_summary)] if by is None else list(stage_summary.groupby(by, sort=True))
    rows = 2 * len(groups)
    titles = []
    for g, _ in groups:
        head = "" if g is None else f"{label(g, lang)} — "
        titles += [head + T["reach"], head + T["sentiment"]]
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        subplot_titles=titles,
        vertical_spacing=0.08 / max(1, len(groups)),
    )
    for i, (_g, part) in enumerate(groups):
        x = [label(s, lang, stage=True) for s in part["stage"]]
        top, bottom = 2 * i + 1, 2 * i + 2
        fig.add_bar(
            x=x,
            y=100 * part["share_of_first"].to_numpy(float),
            name=T["reach"],
            row=top,
            col=1,
            marker_color="#1f77b4",
            showlegend=i == 0,
            legendgroup="reach",
        )
        fig.add_scatter(
            x=x,
            y=100 * part["conversion"].to_numpy(float),
            name=T["conversion"],
            row=top,
            col=1,
            mode="lines+markers",
            marker_color="#ff7f0e",
            showlegend=i == 0,
            legendgroup="conv",
        )
        s = 100 * part["sentiment"].to_numpy(float)
        fig.add_bar(
            x=x,
            y=s,
            name=T["sentiment"],
            row=bottom,
            col=1,
            showlegend=i == 0,
            legendgroup="sent",
            marker_color=np.where(np.nan_to_num(s) < 0, "#d62728", "#2ca02c").tolist(),
        )
    title = T["map"] if by is None else T["map_by"].format(by=_by_label(by, lang))
    fig.update_layout(title=title, height=max(420, 300 * len(groups)))
    return fig


def figures(frames: dict[str, Any], lang: str = "vi") -> list[Any]:
    """The journeys figures for the report, from the frames :func:`~centric.journeys.journeys_step` wrote.

    Returns the funnel chart, the funnel by channel, the Sankey of top paths, the friction bars
    and the journey map(s), for those frames that are present and not empty.
    """
    check_lang(lang)
    out = []

    def has(key: str) -> bool:
        f = frames.get(key)
        return isinstance(f, pd.DataFrame) and not f.empty

    if has("funnel"):
        out.append(funnel_figure(frames["funnel"], lang))
    if has("funnel_by_channel"):
        out.append(funnel_figure(frames["funnel_by_channel"], lang, by="channel"))
    if has("paths"):
        out.append(sankey(frames["paths"], lang))
    if has("friction"):
        out.append(friction_figure(frames["friction"], lang))
    if has("stages"):
        out.append(journey_map(frames["stages"], lang))
    if has("stages_by_persona"):
        out.append(journey_map(frames["stages_by_persona"], lang, by="persona"))
    return out

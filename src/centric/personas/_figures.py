"""Persona charts for the report: size against revenue share, and the trait/lift heatmap."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from centric.personas._narrative import trait_phrase

__all__ = ["figures"]

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 380,
    "font": {"family": "Inter, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13},
}


def _sizes(frames: dict[str, Any], lang: str) -> go.Figure | None:
    df = frames.get("persona_sizes")
    if df is None or len(df) == 0:
        return None
    names = df["name_vi" if lang == "vi" else "name_en"]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=names,
            y=100 * df["share"],
            name="khách hàng" if lang == "vi" else "customers",
            marker={"color": "#94a3b8"},
            customdata=df["n_customers"],
            hovertemplate="%{x}: %{y:.1f}% (n=%{customdata})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=100 * df["revenue_share"].fillna(0.0),
            name="doanh thu" if lang == "vi" else "revenue",
            marker={"color": "#2563eb"},
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
    )
    title = (
        "Quy mô và doanh thu theo chân dung khách hàng" if lang == "vi" else "Persona size and revenue share"
    )
    fig.update_layout(title=title, barmode="group", yaxis_title="%", **_LAYOUT)
    return fig


def _traits(frames: dict[str, Any], lang: str) -> go.Figure | None:
    df = frames.get("persona_traits")
    if df is None or len(df) == 0:
        return None
    name = "name_vi" if lang == "vi" else "name_en"
    wide = df.pivot_table(index=name, columns="feature", values="lift", aggfunc="first", sort=False)
    order = df.drop_duplicates(name)[name]
    wide = wide.reindex(order)
    z = np.log2(wide.clip(lower=1 / 16, upper=16).to_numpy(dtype=float))
    text = [["" if np.isnan(v) else f"{v:.1f}×" for v in row] for row in wide.to_numpy(dtype=float)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[trait_phrase(c, lang) for c in wide.columns],
            y=list(wide.index),
            text=text,
            texttemplate="%{text}",
            colorscale="RdBu",
            zmid=0,
            showscale=False,
            hovertemplate="%{y}: %{x} %{text}<extra></extra>",
        )
    )
    title = (
        "Đặc điểm nổi bật (so với các khách hàng khác)"
        if lang == "vi"
        else "Distinguishing traits (lift vs everyone else)"
    )
    fig.update_layout(
        title=title,
        **{**_LAYOUT, "height": 120 + 40 * len(wide), "margin": {"l": 260, "r": 20, "t": 50, "b": 120}},
    )
    return fig


def figures(frames: dict[str, Any], lang: str = "en") -> list[go.Figure]:
    """The persona figures that the frames allow: size vs revenue share, then the trait heatmap."""
    return [f for f in (_sizes(frames, lang), _traits(frames, lang)) if f is not None]

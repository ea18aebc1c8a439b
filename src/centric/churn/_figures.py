"""Plotly figures of the churn step: calibration curve, lift by decile, risk distribution."""

from __future__ import annotations

from typing import Any

import pandas as pd

from centric.exceptions import InvalidParameterError

__all__ = ["figures"]

_TEXT = {
    "en": {
        "cal_title": "Churn risk calibration on the later window",
        "cal_x": "Predicted churn probability",
        "cal_y": "Observed churn rate",
        "diag": "Perfect calibration",
        "lift_title": "Lift by decile of predicted risk (later window)",
        "lift_x": "Decile (1 = riskiest 10%)",
        "lift_y": "Lift over the average churn rate",
        "risk_title": "Churn risk of current customers",
        "risk_x": "Churn risk",
        "risk_y": "Customers",
        "churn model": "Churn model",
        "recency baseline": "Recency baseline",
    },
    "vi": {
        "cal_title": "Hiệu chuẩn xác suất rời bỏ trên giai đoạn kiểm tra sau",
        "cal_x": "Xác suất rời bỏ dự báo",
        "cal_y": "Tỷ lệ rời bỏ thực tế",
        "diag": "Hiệu chuẩn hoàn hảo",
        "lift_title": "Độ nâng (lift) theo thập phân vị rủi ro (giai đoạn kiểm tra sau)",
        "lift_x": "Thập phân vị (1 = 10% rủi ro cao nhất)",
        "lift_y": "Lift so với tỷ lệ rời bỏ trung bình",
        "risk_title": "Phân bố rủi ro rời bỏ của khách hàng hiện tại",
        "risk_x": "Rủi ro rời bỏ",
        "risk_y": "Số khách hàng",
        "churn model": "Mô hình rời bỏ",
        "recency baseline": "Mô hình cơ sở (thời gian từ lần mua cuối)",
    },
}


def figures(frames: dict[str, Any], lang: str = "vi") -> list[Any]:
    """Plotly figures for the churn frames present in ``frames``.

    Parameters
    ----------
    frames : dict
        ``results.frames`` of the main job: ``"churn_calibration"`` (calibration
        curve vs the diagonal), ``"churn_lift"`` (lift by decile, model and
        baseline) and ``"churn_risk"`` (distribution of current risk); missing
        keys are skipped.
    lang : {"vi", "en"}, default "vi"

    Returns
    -------
    list of plotly.graph_objects.Figure
        In that order.

    Examples
    --------
    >>> import pandas as pd
    >>> len(figures({"churn_risk": pd.DataFrame({"churn_risk": [0.1, 0.9]})}, "en"))
    1
    """
    if lang not in _TEXT:
        raise InvalidParameterError(
            f"The 'lang' parameter must be one of ['vi', 'en']. Got {lang!r} instead."
        )
    import plotly.graph_objects as go

    tx = _TEXT[lang]
    figs: list[Any] = []
    cal = frames.get("churn_calibration")
    if isinstance(cal, pd.DataFrame) and not cal.empty:
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=[0, 1], y=[0, 1], mode="lines", name=tx["diag"], line={"dash": "dot", "color": "grey"}
            )
        )
        for name, part in cal.groupby("model", sort=False):
            fig.add_trace(
                go.Scatter(
                    x=part["mean_predicted"],
                    y=part["observed"],
                    mode="lines+markers",
                    name=tx.get(str(name), str(name)),
                    text=part["n"],
                    hovertemplate="%{x:.2f} → %{y:.2f} (n=%{text})",
                )
            )
        fig.update_layout(
            title=tx["cal_title"],
            xaxis_title=tx["cal_x"],
            yaxis_title=tx["cal_y"],
            xaxis={"range": [0, 1]},
            yaxis={"range": [0, 1]},
        )
        figs.append(fig)
    lift = frames.get("churn_lift")
    if isinstance(lift, pd.DataFrame) and not lift.empty:
        fig = go.Figure()
        for name, part in lift.groupby("model", sort=False):
            fig.add_trace(go.Bar(x=part["decile"], y=part["lift"], name=tx.get(str(name), str(name))))
        fig.add_hline(y=1.0, line_dash="dot", line_color="grey")
        fig.update_layout(
            title=tx["lift_title"],
            xaxis_title=tx["lift_x"],
            yaxis_title=tx["lift_y"],
            barmode="group",
            xaxis={"dtick": 1},
        )
        figs.append(fig)
    risk = frames.get("churn_risk")
    if isinstance(risk, pd.DataFrame | pd.Series) and len(risk):
        values = risk["churn_risk"] if isinstance(risk, pd.DataFrame) else risk
        fig = go.Figure(go.Histogram(x=values, xbins={"start": 0, "end": 1, "size": 0.05}))
        fig.update_layout(
            title=tx["risk_title"], xaxis_title=tx["risk_x"], yaxis_title=tx["risk_y"], showlegend=False
        )
        figs.append(fig)
    return figs

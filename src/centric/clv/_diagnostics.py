"""Calibration/holdout diagnostics: the numbers behind FHL (2005) Figures 2 and 4.

Functions return pandas DataFrames; :func:`figures` turns them into Plotly
figures for the report (plotting lives in the report, the numbers live here).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd

from centric.clv._base import CLVEstimator, as_frame, check_columns, check_is_fitted
from centric.clv._prep import _DAYS, _EPOCH, _days, _prepared, _to_date, _validate
from centric.exceptions import InvalidParameterError

__all__ = ["cumulative_transactions", "figures", "holdout_by_frequency"]


def holdout_by_frequency(model: CLVEstimator, cal_holdout: Any, /, *, max_frequency: int = 7) -> pd.DataFrame:
    """Mean predicted vs actual holdout purchases by calibration frequency (FHL 2005, Fig. 4).

    Parameters
    ----------
    model : BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel
        Model fitted on the calibration columns.
    cal_holdout : pandas.DataFrame or ibis.Table
        Output of :func:`calibration_holdout`.
    max_frequency : int, default 7
        The last bin holds ``max_frequency`` and more (``"7+"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency_cal`` bin (``"0"``, ``"1"``, ..., ``"7+"``): ``n_customers``,
        ``actual`` and ``predicted`` (mean holdout purchases per customer).

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoModel, holdout_by_frequency
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> bg = BetaGeoModel().fit(rfm)
    >>> ch = pd.DataFrame({"frequency_cal": [0, 1, 3, 8], "recency_cal": [0.0, 5.0, 20.0, 30.0], "T_cal": [39.0] * 4,
    ...                    "frequency_holdout": [0.0, 1.0, 2.0, 6.0], "duration_holdout": [39.0] * 4})
    >>> list(holdout_by_frequency(bg, ch).index)
    ['0', '1', '3', '7+']
    """
    check_is_fitted(model)
    if (
        isinstance(max_frequency, bool)
        or not isinstance(max_frequency, (int, np.integer))
        or max_frequency < 1
    ):
        raise InvalidParameterError(
            f"The 'max_frequency' parameter must be an int in the range [1, inf). Got {max_frequency!r} instead."
        )
    frame = as_frame(cal_holdout)
    cal_cols = [f"{c}_cal" for c in model._columns]
    check_columns(
        frame,
        [*cal_cols, "frequency_holdout", "duration_holdout"],
        hint="Hint: build inputs with centric.clv.calibration_holdout().",
    )
    data = frame[cal_cols].rename(columns=dict(zip(cal_cols, model._columns, strict=True)))
    pred = np.empty(len(frame))
    durations = frame["duration_holdout"].to_numpy(float)
    for dur in np.unique(durations):
        sel = durations == dur
        pred[sel] = model.expected_purchases(data[sel].reset_index(drop=True), t=float(dur)).to_numpy()  # type: ignore[attr-defined]
    x = frame["frequency_cal"].to_numpy(float).astype(int)
    bins = np.minimum(x, max_frequency)
    labels = [str(b) if b < max_frequency else f"{max_frequency}+" for b in bins]
    out = pd.DataFrame(
        {
            "bin": labels,
            "order": bins,
            "actual": frame["frequency_holdout"].to_numpy(float),
            "predicted": pred,
        }
    )
    res = out.groupby(["order", "bin"]).agg(
        n_customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    res = res.reset_index(level="order", drop=True)
    res.index.name = "frequency_cal"
    return res


def cumulative_transactions(
    model: CLVEstimator,
    transactions: Any,
    /,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    period: str = "W",
    customer_id_col: str = "customer_id",
    datetime_col: str = "ordered_at",
    status_col: str | None = "status",
    statuses: Sequence[str] = ("completed",),
) -> pd.DataFrame:
    """Actual vs predicted cumulative repeat transactions of the calibration cohort (FHL 2005, Fig. 2).

    The cohort is the customers whose first purchase is on or before
    ``calibration_end``; repeat transactions are distinct purchase days after the
    first. The prediction at the end of each period sums ``E[X(t - s_i)]`` over
    customers, ``s_i`` being their first purchase. The aggregation by day runs in
    the backend; only per-day counts come back.

    Parameters
    ----------
    model : BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel
        Fitted with time in ``period`` units (days / 7 for weeks).
    transactions : ibis.Table or pandas.DataFrame
        The transaction log (calibration and holdout).
    calibration_end, observation_end : date-like
        End of the calibration period and of the whole period (default: last purchase).
    period : {"W", "D", "M"}, default "W"
    customer_id_col, datetime_col, status_col, statuses
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        Indexed by period number ``1..K`` since the cohort's first purchase day:
        ``end`` (last day of the period), ``holdout`` (bool), ``actual``,
        ``predicted`` (per period) and ``actual_cumulative``, ``predicted_cumulative``.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoModel, cumulative_transactions
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> bg = BetaGeoModel().fit(rfm)
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
    ...                    "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-03", "2024-02-20", "2024-01-05"])})
    >>> ct = cumulative_transactions(bg, tx, calibration_end="2024-01-31", observation_end="2024-02-29")
    >>> int(ct["actual_cumulative"].iloc[-1])
    2
    """
    check_is_fitted(model)
    if period not in _DAYS:
        raise InvalidParameterError(
            f"The 'period' parameter must be one of {list(_DAYS)}. Got {period!r} instead."
        )
    t = _prepared(
        transactions,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=None,
        status_col=status_col,
        statuses=statuses,
        resolution="D",
    )
    obs_day = (
        None if observation_end is None else (_to_date(observation_end, "observation_end") - _EPOCH).days
    )
    row = _validate(t, end_day=obs_day, end_name="observation_end", has_amount=False)
    end_day = int(row["max_day"]) if obs_day is None else obs_day
    cal_day = (_to_date(calibration_end, "calibration_end") - _EPOCH).days
    days = t.select("customer_id", day=_days(t.day)).distinct()  # whole days since 1970-01-01
    days = days.mutate(first=days.day.min().over(group_by=days.customer_id))
    cohort = days.filter(days.first <= cal_day)
    firsts = cohort.filter(cohort.day == cohort.first).group_by("day").aggregate(n=ibis._.count()).execute()
    repeats = cohort.filter(cohort.day > cohort.first).group_by("day").aggregate(n=ibis._.count()).execute()
    start = int(firsts["day"].min())
    step = _DAYS[period]
    K = int(np.floor((end_day - start + 1) / step))
    ends = start + np.ceil(np.arange(1, K + 1) * step).astype(int) - 1  # last day of each period
    f_day = firsts["day"].to_numpy(int)
    f_n = firsts["n"].to_numpy(float)
    r_day = repeats["day"].to_numpy(int) if len(repeats) else np.zeros(0, int)
    r_n = repeats["n"].to_numpy(float) if len(repeats) else np.zeros(0)
    actual_cum = np.array([r_n[r_day <= e].sum() for e in ends])
    pred_cum = np.empty(K)
    for i, e in enumerate(ends):
        sel = f_day <= e
        pred_cum[i] = float(
            f_n[sel] @ np.asarray(model.expected_purchases_new_customer((e - f_day[sel]) / step))
        )  # type: ignore[attr-defined]
    out = pd.DataFrame(
        {
            "end": [(_EPOCH + _dt.timedelta(days=int(e))) for e in ends],
            "holdout": ends > cal_day,
            "actual": np.diff(actual_cum, prepend=0.0),
            "predicted": np.diff(pred_cum, prepend=0.0),
            "actual_cumulative": actual_cum,
            "predicted_cumulative": pred_cum,
        },
        index=pd.RangeIndex(1, K + 1, name="period"),
    )
    return out


def figures(
    *, by_frequency: pd.DataFrame | None = None, cumulative: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Plotly figures for the diagnostics frames (needs plotly).

    Parameters
    ----------
    by_frequency : pandas.DataFrame, optional
        Output of :func:`holdout_by_frequency`.
    cumulative : pandas.DataFrame, optional
        Output of :func:`cumulative_transactions`.

    Returns
    -------
    dict of str to plotly.graph_objects.Figure
        ``"by_frequency"`` and/or ``"cumulative"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import figures
    >>> bf = pd.DataFrame({"n_customers": [10, 5], "actual": [0.2, 1.1], "predicted": [0.25, 1.0]}, index=["0", "1"])
    >>> sorted(figures(by_frequency=bf))
    ['by_frequency']
    """
    import plotly.graph_objects as go

    figs: dict[str, Any] = {}
    if by_frequency is not None:
        fig = go.Figure()
        x = [str(i) for i in by_frequency.index]
        fig.add_trace(go.Scatter(x=x, y=by_frequency["actual"], mode="lines+markers", name="Actual"))
        fig.add_trace(
            go.Scatter(
                x=x, y=by_frequency["predicted"], mode="lines+markers", name="Model", line={"dash": "dash"}
            )
        )
        fig.update_layout(
            title="Holdout purchases by calibration frequency",
            xaxis_title="Repeat purchases in calibration",
            yaxis_title="Mean holdout purchases",
        )
        figs["by_frequency"] = fig
    if cumulative is not None:
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=list(cumulative.index), y=cumulative["actual_cumulative"], name="Actual"))
        fig.add_trace(
            go.Scatter(
                x=list(cumulative.index),
                y=cumulative["predicted_cumulative"],
                name="Model",
                line={"dash": "dash"},
            )
        )
        if cumulative["holdout"].any():
            first = int(cumulative.index[cumulative["holdout"].to_numpy()][0])
            fig.add_vline(x=first - 0.5, line_dash="dot")
        fig.update_layout(
            title="Cumulative repeat transactions",
            xaxis_title="Period",
            yaxis_title="Cumulative repeat transactions",
        )
        figs["cumulative"] = fig
    return figs

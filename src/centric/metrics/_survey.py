"""Survey metrics on the ``feedback`` table: NPS, CSAT (top-2-box and mean); CES is in :mod:`._ces`.

Each function filters ``feedback`` to its instrument, checks the scores are on
the instrument's scale, aggregates counts and sums **inside the backend** (one
row per group), and computes the interval in NumPy (:mod:`._intervals`).
Rows with a NULL ``score`` are unanswered questions and are not counted.

Grouping (``by=``)
------------------
``by=None`` returns a :class:`MetricResult`. ``by="touchpoint"`` (any column
of the table) or ``by="period"`` (with ``freq`` "M", "Q" or "W", from
``submitted_at`` in the workspace zone ``tz``) returns a pandas DataFrame with
one row per group and the columns ``[<by>, value, n, low, high, small_sample,
suppressed, method, <extras>]``, sorted by group. Suppression applies per group.

To segment by a customer attribute (province, life_stage, …) join it first::

    fb = store.table("feedback")
    cust = store.table("customers").select("customer_id", "province")
    nps(fb.left_join(cust, "customer_id").select(fb, cust.province), by="province")
"""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd

from centric.exceptions import InputError, InvalidParameterError
from centric.metrics._common import DEFAULT_TZ, check_by, check_table, group_labels, with_group
from centric.metrics._intervals import (
    NPS_METHODS,
    check_confidence,
    nps_interval,
    t_mean_interval,
    wilson_interval,
)
from centric.metrics._result import MetricResult, check_min_n, group_frame, make_result

__all__ = ["csat", "csat_mean", "nps"]

_FEEDBACK_COLUMNS = ("instrument", "score", "submitted_at")

#: Positive ("top-2-box") options by CSAT scale length (Zencity convention, DOMAIN.md §1.2).
CSAT_POSITIVE = {2: 2, 3: 3, 4: 3, 5: 4, 6: 4, 7: 5}

NPS_DEF = (
    "Net Promoter Score: the percentage of promoters (9–10) minus the percentage of detractors (0–6) "
    "among answers to the 0–10 likelihood-to-recommend question, reported as a score from −100 to +100."
)
NPS_DEF_VI = (
    "Chỉ số NPS: tỷ lệ phần trăm người ủng hộ (9–10) trừ tỷ lệ phần trăm người phản đối (0–6) "
    "trong các câu trả lời thang 0–10 về khả năng giới thiệu, là một điểm số từ −100 đến +100."
)


def _instrument_rows(feedback: ibis.Table, instrument: str) -> ibis.Table:
    check_table(feedback, _FEEDBACK_COLUMNS, name="feedback")
    return feedback.filter((feedback.instrument == instrument) & feedback.score.notnull())


def _aggregate(
    rows: ibis.Table,
    by: str | None,
    aggs: dict[str, Any],
    *,
    freq: str,
    tz: str,
    lo: float,
    hi: float,
    instrument: str,
    integer: bool = True,
) -> pd.DataFrame:
    """Aggregate per group inside the backend and check the score range on the way."""
    rows, label = with_group(rows, by, time_col="submitted_at", freq=freq, tz=tz)
    s = rows.score
    bad = (s < lo) | (s > hi)
    if integer:
        bad = bad | (s != s.floor())
    metrics = {
        **{k: f(rows) for k, f in aggs.items()},
        "_bad": bad.cast("int64").sum(),
        "_min": s.min(),
        "_max": s.max(),
    }
    expr = rows.group_by("_g").aggregate(**metrics) if label else rows.aggregate(**metrics)
    df = expr.execute()
    if label:
        df = df.sort_values("_g", na_position="last").reset_index(drop=True)
    n_bad = int(pd.to_numeric(df["_bad"]).fillna(0).sum())
    if n_bad:
        kind = "integer scores" if integer else "scores"
        raise InputError(
            f"feedback 'score' for instrument {instrument!r} must be {kind} from {lo:g} to {hi:g}; "
            f"{n_bad} row(s) are outside (min {float(df['_min'].min()):g}, max {float(df['_max'].max()):g}). "
            "Fix or quarantine them at import."
        )
    for c in aggs:
        df[c] = pd.to_numeric(df[c]).fillna(0)
    return df


def _count(cond: Any) -> Any:
    return lambda t: cond(t).cast("int64").sum()


def _base_aggs() -> dict[str, Any]:
    return {
        "n": lambda t: t.count(),
        "s": lambda t: t.score.sum(),
        "ss": lambda t: (t.score * t.score).sum(),
    }


def _check_common(feedback: Any, by: Any, confidence: Any, min_n: Any, suppress_below: Any) -> tuple:
    check_table(feedback, _FEEDBACK_COLUMNS, name="feedback")
    return (
        check_by(feedback, by, name="feedback"),
        check_confidence(confidence),
        *check_min_n(min_n, suppress_below),
    )


def nps(
    feedback: ibis.Table,
    *,
    method: str = "adjusted-wald",
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    by: str | None = None,
    freq: str = "M",
    tz: str = DEFAULT_TZ,
) -> MetricResult | pd.DataFrame:
    """Net Promoter Score with a confidence interval.

    Promoters score 9–10, passives 7–8, detractors 0–6; NPS = 100·(P − D)/n.
    The reported value is always the plain NPS. With ``method="adjusted-wald"``
    (default; Rocks 2016) the interval is computed with 0.75 added to P and D
    and 3 to n, and is centred on that adjusted NPS (``extra["adjusted_centre"]``);
    ``"wald"`` is the plain multinomial interval.

    Returns a :class:`MetricResult` (``extra``: promoters, passives, detractors,
    se, adjusted_centre) or, with ``by``, a DataFrame (extras: promoters,
    passives, detractors).

    Examples
    --------
    >>> r = nps(store.table("feedback"))            # doctest: +SKIP
    >>> r.value, r.low, r.high                       # doctest: +SKIP
    (30.0, 18.8, 40.3)
    """
    by, conf, min_n, suppress_below = _check_common(feedback, by, confidence, min_n, suppress_below)
    if method not in NPS_METHODS:
        raise InvalidParameterError(
            f"The 'method' parameter must be one of {list(NPS_METHODS)}. Got {method!r} instead."
        )
    rows = _instrument_rows(feedback, "nps")
    aggs = {
        "n": lambda t: t.count(),
        "P": _count(lambda t: t.score >= 9),
        "D": _count(lambda t: t.score <= 6),
    }
    df = _aggregate(rows, by, aggs, freq=freq, tz=tz, lo=0, hi=10, instrument="nps")
    n, p, d = (df[c].to_numpy(dtype="float64") for c in ("n", "P", "D"))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(n > 0, 100.0 * (p - d) / n, np.nan)
    centre, low, high, se = nps_interval(p, d, n, method=method, confidence=conf)
    if by is not None:
        return group_frame(
            pd.DataFrame({by: group_labels(df["_g"], by, freq)}),
            value=value,
            n=n,
            low=low,
            high=high,
            method=method,
            min_n=min_n,
            suppress_below=suppress_below,
            extra={"promoters": p, "passives": n - p - d, "detractors": d},
        )
    return make_result(
        "nps",
        value=value[0],
        n=int(n[0]),
        low=low[0],
        high=high[0],
        method=method,
        unit="score",
        definition=NPS_DEF,
        definition_vi=NPS_DEF_VI,
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=conf,
        extra={
            "promoters": int(p[0]),
            "passives": int(n[0] - p[0] - d[0]),
            "detractors": int(d[0]),
            "se": float(se[0]),
            "adjusted_centre": float(centre[0]) if method == "adjusted-wald" else None,
        },
    )


def _check_scale(scale: Any) -> int:
    if isinstance(scale, bool) or scale not in CSAT_POSITIVE:
        raise InvalidParameterError(
            f"The 'scale' parameter must be the number of CSAT points, one of {sorted(CSAT_POSITIVE)}. "
            f"Got {scale!r} instead."
        )
    return int(scale)


def csat(
    feedback: ibis.Table,
    *,
    scale: int = 5,
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    by: str | None = None,
    freq: str = "M",
    tz: str = DEFAULT_TZ,
) -> MetricResult | pd.DataFrame:
    """CSAT as top-2-box %: the share of answers in the positive options, with a Wilson interval.

    Positive options by scale (DOMAIN.md §1.2): 5-point → 4–5, 7-point → 5–7,
    4 → 3–4, 6 → 4–6, 3 → 3, 2 → 2. ``extra`` (or extra columns with ``by``)
    carries the mean score with its t interval: ``mean``, ``mean_low``, ``mean_high``.
    """
    scale = _check_scale(scale)
    by, conf, min_n, suppress_below = _check_common(feedback, by, confidence, min_n, suppress_below)
    top = CSAT_POSITIVE[scale]
    rows = _instrument_rows(feedback, "csat")
    aggs = {**_base_aggs(), "k": _count(lambda t: t.score >= top)}
    df = _aggregate(rows, by, aggs, freq=freq, tz=tz, lo=1, hi=scale, instrument="csat")
    n, k = df["n"].to_numpy(dtype="float64"), df["k"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(n > 0, 100.0 * k / n, np.nan)
    low, high = wilson_interval(k, n, confidence=conf)
    mean, mlow, mhigh, _ = t_mean_interval(n, df["s"], df["ss"], confidence=conf)
    box = f"{top}–{scale}" if top < scale else f"{scale}"
    definition = (
        f"CSAT: the percentage of answers to the 1–{scale} satisfaction question that are {box} "
        "(top-2-box), with a Wilson score interval."
    )
    definition_vi = (
        f"CSAT: tỷ lệ phần trăm câu trả lời cho câu hỏi mức độ hài lòng thang 1–{scale} đạt {box} "
        "(hai mức cao nhất), kèm khoảng tin cậy Wilson."
    )
    if by is not None:
        return group_frame(
            pd.DataFrame({by: group_labels(df["_g"], by, freq)}),
            value=value,
            n=n,
            low=100 * low,
            high=100 * high,
            method="wilson",
            min_n=min_n,
            suppress_below=suppress_below,
            extra={"mean": mean, "mean_low": mlow, "mean_high": mhigh},
        )
    return make_result(
        "csat",
        value=value[0],
        n=int(n[0]),
        low=100 * low[0],
        high=100 * high[0],
        method="wilson",
        unit="%",
        definition=definition,
        definition_vi=definition_vi,
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=conf,
        extra={
            "satisfied": int(k[0]),
            "mean": mean[0],
            "mean_low": mlow[0],
            "mean_high": mhigh[0],
            "scale": scale,
        },
    )


def _mean_metric(
    df: pd.DataFrame,
    *,
    metric: str,
    by: str | None,
    freq: str,
    conf: float,
    min_n: int,
    suppress_below: int,
    unit: str,
    definition: str,
    definition_vi: str,
    share_col: str,
    share_name: str,
    extra: dict[str, Any],
) -> MetricResult | pd.DataFrame:
    n = df["n"].to_numpy(dtype="float64")
    mean, low, high, _ = t_mean_interval(n, df["s"], df["ss"], confidence=conf)
    k = df[share_col].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, 100.0 * k / n, np.nan)
    slow, shigh = wilson_interval(k, n, confidence=conf)
    if by is not None:
        return group_frame(
            pd.DataFrame({by: group_labels(df["_g"], by, freq)}),
            value=mean,
            n=n,
            low=low,
            high=high,
            method="t",
            min_n=min_n,
            suppress_below=suppress_below,
            extra={share_name: share, f"{share_name}_low": 100 * slow, f"{share_name}_high": 100 * shigh},
        )
    return make_result(
        metric,
        value=mean[0],
        n=int(n[0]),
        low=low[0],
        high=high[0],
        method="t",
        unit=unit,
        definition=definition,
        definition_vi=definition_vi,
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=conf,
        extra={
            share_name: share[0],
            f"{share_name}_low": 100 * slow[0],
            f"{share_name}_high": 100 * shigh[0],
            **extra,
        },
    )


def csat_mean(
    feedback: ibis.Table,
    *,
    scale: int = 5,
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    by: str | None = None,
    freq: str = "M",
    tz: str = DEFAULT_TZ,
) -> MetricResult | pd.DataFrame:
    """Mean CSAT score (1…scale) with a Student-t interval; ``extra`` has the top-2-box % too."""
    scale = _check_scale(scale)
    by, conf, min_n, suppress_below = _check_common(feedback, by, confidence, min_n, suppress_below)
    top = CSAT_POSITIVE[scale]
    rows = _instrument_rows(feedback, "csat")
    aggs = {**_base_aggs(), "k": _count(lambda t: t.score >= top)}
    df = _aggregate(rows, by, aggs, freq=freq, tz=tz, lo=1, hi=scale, instrument="csat")
    return _mean_metric(
        df,
        metric="csat_mean",
        by=by,
        freq=freq,
        conf=conf,
        min_n=min_n,
        suppress_below=suppress_below,
        unit=f"mean 1–{scale}",
        definition=(
            f"Mean CSAT: the average answer to the 1–{scale} satisfaction question, with a t interval."
        ),
        definition_vi=(
            f"CSAT trung bình: điểm trung bình của câu hỏi mức độ hài lòng thang 1–{scale}, "
            "kèm khoảng tin cậy t."
        ),
        share_col="k",
        share_name="top2_pct",
        extra={"scale": scale},
    )

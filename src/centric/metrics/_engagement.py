"""Engagement Index: a behavioural, time-decayed activity score, ranked 0–100.

Behavioural (online activity) data is **sensitive** under Decree 356/2025:
compute and use this index only for customers whose consent covers it. The
name is "Engagement Index" so it is never confused with CES (effort).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import ibis
import pandas as pd

from centric._ibis import epoch_seconds
from centric.exceptions import InvalidParameterError
from centric.metrics._common import DEFAULT_TZ, check_table, customer_key, to_utc
from centric.metrics._intervals import check_confidence, t_mean_interval
from centric.metrics._result import MetricResult, check_min_n, make_result

__all__ = ["DEFAULT_WEIGHTS", "engagement_index", "engagement_summary"]

#: Default event weights (event ``name`` → weight). Unknown names weigh 1.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "page_view": 1.0,
        "product_view": 2.0,
        "add_to_cart": 4.0,
        "begin_checkout": 6.0,
        "purchase": 10.0,
        "email_open": 1.0,
        "email_click": 3.0,
    }
)

ENG_DEF = (
    "Engagement Index: each customer's percentile rank (0–100) of the weighted count of their web, app and "
    "e-mail events, each event halving in weight every {hl:g} days; built from behavioural data, which is "
    "sensitive personal data under Decree 356/2025."
)
ENG_DEF_VI = (
    "Chỉ số Gắn kết: thứ hạng phần trăm (0–100) của mỗi khách hàng theo tổng có trọng số các sự kiện web, "
    "ứng dụng và e-mail, trọng số mỗi sự kiện giảm một nửa sau mỗi {hl:g} ngày; "
    "được tính từ dữ liệu hành vi, là dữ liệu cá nhân nhạy cảm theo Nghị định 356/2025."
)


def _check(weights: Any, half_life_days: Any) -> dict[str, float]:
    if (
        isinstance(half_life_days, bool)
        or not isinstance(half_life_days, (int, float))
        or half_life_days <= 0
    ):
        raise InvalidParameterError(
            "The 'half_life_days' parameter must be a positive number of days. "
            f"Got {half_life_days!r} instead."
        )
    if not isinstance(weights, Mapping) or not all(
        isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
        for k, v in weights.items()
    ):
        raise InvalidParameterError(
            "The 'weights' parameter must map event names to non-negative numbers, e.g. "
            f"{{'purchase': 10, 'page_view': 1}}. Got {weights!r} instead."
        )
    return {k: float(v) for k, v in weights.items()}


def engagement_index(
    events: ibis.Table,
    *,
    as_of: Any,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    half_life_days: float = 90,
    default_weight: float = 1.0,
    tz: str = DEFAULT_TZ,
) -> ibis.Table:
    """Per-customer Engagement Index, as an Ibis expression (nothing is executed).

    ``raw = Σ w(name) · exp(−ln 2 · age_days / half_life_days)`` over the
    customer's events at or before ``as_of`` (``age_days`` is fractional; an
    event exactly one half-life old weighs half). ``index = 100 ·
    percent_rank(raw)``: 0 for the least engaged customer, 100 for the most;
    ties share a rank. Events without a customer (anonymous) are left out;
    customers with no events are not in the table (join and fill as needed).

    Default weights (:data:`DEFAULT_WEIGHTS`): page_view 1, product_view 2,
    add_to_cart 4, begin_checkout 6, purchase 10, email_open 1, email_click 3;
    any other event name weighs ``default_weight`` (1).

    Columns: ``customer_id``, ``events`` (int64), ``raw`` (float64), ``index`` (float64, 0–100).
    """
    check_table(events, ("customer_id", "occurred_at", "name"), name="events")
    w = _check(weights, half_life_days)
    if isinstance(default_weight, bool) or not isinstance(default_weight, (int, float)) or default_weight < 0:
        raise InvalidParameterError(
            f"The 'default_weight' parameter must be a non-negative number. Got {default_weight!r} instead."
        )
    cut = to_utc(as_of, name="as_of", tz=tz)
    e = events.filter(events.occurred_at <= ibis.literal(cut))
    e = e.mutate(_c=customer_key(e))
    e = e.filter(e._c.notnull())
    weight = (
        ibis.cases(*[(e.name == k, v) for k, v in w.items()], else_=float(default_weight))
        if w
        else ibis.literal(float(default_weight))
    )
    age_days = (ibis.literal(cut.timestamp()) - epoch_seconds(e.occurred_at).cast("float64")) / 86400.0
    e = e.mutate(_x=weight * (age_days * (-math.log(2) / float(half_life_days))).exp())
    per = e.group_by("_c").aggregate(events=e.count(), raw=e._x.sum())
    return per.select(
        customer_id=per._c, events=per.events, raw=per.raw, index=per.raw.percent_rank() * 100.0
    )


def engagement_summary(
    events: ibis.Table,
    *,
    as_of: Any,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    half_life_days: float = 90,
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    tz: str = DEFAULT_TZ,
) -> MetricResult:
    """Mean Engagement Index over customers with a t interval (one aggregate row executed).

    ``events`` is the events table, or a table built by :func:`engagement_index`
    (e.g. filtered to a segment). A percentile index averages about 50 over a
    whole tenant, so the summary is mostly useful per segment; ``extra`` also
    has ``mean_raw`` and ``events``.
    """
    conf = check_confidence(confidence)
    min_n, suppress_below = check_min_n(min_n, suppress_below)
    if isinstance(events, ibis.Table) and {"index", "raw"} <= set(events.columns):
        idx = events
    else:
        idx = engagement_index(events, as_of=as_of, weights=weights, half_life_days=half_life_days, tz=tz)
    agg = idx.aggregate(
        n=idx.count(),
        s=idx["index"].sum(),
        ss=(idx["index"] * idx["index"]).sum(),
        raw=idx.raw.sum(),
        ev=idx.events.sum(),
    ).execute()
    for c in agg.columns:
        agg[c] = pd.to_numeric(agg[c]).fillna(0).astype("float64")
    n = int(agg["n"].iloc[0])
    mean, low, high, _ = t_mean_interval(n, agg["s"].iloc[0], agg["ss"].iloc[0], confidence=conf)
    return make_result(
        "engagement_index",
        value=mean,
        n=n,
        low=low,
        high=high,
        method="t",
        unit="index 0–100",
        definition=ENG_DEF.format(hl=half_life_days),
        definition_vi=ENG_DEF_VI.format(hl=half_life_days),
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=conf,
        extra={
            "mean_raw": agg["raw"].iloc[0] / n if n else None,
            "events": int(agg["ev"].iloc[0]),
            "half_life_days": float(half_life_days),
        },
    )

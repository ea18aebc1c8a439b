"""Retention and churn on ``orders`` for non-contractual retail.

Definitions (DOMAIN.md §1.5)
----------------------------
A customer is **active in a period** when they have at least one counted order
(by default status ``completed``; a NULL status counts as completed, because
sources without a status column export only completed sales) whose
``ordered_at`` falls in that period in the workspace zone. The customer is
``customer_id``, falling back to ``customer_ref`` for unresolved rows.

For period *p*: **S** = customers active in *p − 1* (the calendar period
before, not the last non-empty one); **E** = customers active in *p*;
**N** = customers whose first-ever order is in *p*. Retention is
``(E − N) / S`` (DOMAIN.md). In retail ``E − N`` also counts *reactivated*
customers (active in *p*, not in *p − 1*, but earlier), so it can exceed
100%; the **retained** share (active in both *p − 1* and *p*) ÷ S is always a
proportion and carries the Wilson interval.

All set-based work (activity per customer and period, first periods, ages)
stays an Ibis expression; only one row per period or cohort cell is executed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from centric._ibis import epoch_seconds
from centric.exceptions import InputError, InvalidParameterError
from centric.metrics._common import (
    DEFAULT_TZ,
    check_freq,
    check_table,
    completed_orders,
    customer_key,
    index_to_period,
    period_freq,
    period_index,
    periods_column,
    to_utc,
    tz_offset_seconds,
)
from centric.metrics._intervals import check_confidence, wilson_interval
from centric.metrics._result import MetricResult, check_min_n, make_result

__all__ = [
    "CohortRetention",
    "InactivityRule",
    "churn",
    "cohort_retention",
    "inactivity_rule",
    "period_retention",
]

COMPLETED = ("completed",)
_ORDER_COLUMNS = ("customer_id", "ordered_at")


def _activity(orders: ibis.Table, *, freq: str, tz: str, statuses: Sequence[str] | None) -> ibis.Table:
    """One row per (customer ``_c``, period ``_p``) with the period's revenue ``_rev``."""
    check_table(orders, _ORDER_COLUMNS, name="orders")
    check_freq(freq)
    o = completed_orders(orders, statuses)
    amount = o.total_amount.cast("float64") if "total_amount" in o.columns else ibis.literal(0.0)
    o = o.mutate(_c=customer_key(o), _p=period_index(o.ordered_at, freq, tz), _a=amount)
    o = o.filter(o._c.notnull())
    return o.group_by(["_c", "_p"]).aggregate(_rev=o._a.sum())


def _py_period(value: Any, *, name: str, freq: str, tz: str) -> int:
    """Period index of a Python date/datetime, computed the same way as in the backend."""
    local = pd.Timestamp(to_utc(value, name=name, tz=tz)).tz_convert(tz)
    if freq == "M":
        return local.year * 12 + local.month - 1
    if freq == "Q":
        return local.year * 4 + local.quarter - 1
    days = (local.tz_localize(None).normalize() - pd.Timestamp("1970-01-01")).days
    return (days + 3) // 7


def period_retention(
    orders: ibis.Table,
    *,
    freq: str = "M",
    start: Any = None,
    end: Any = None,
    statuses: Sequence[str] | None = COMPLETED,
    confidence: float = 0.95,
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """Customer retention per period.

    Returns a DataFrame, one row per period from the first active period (or
    ``start``) to the last (or ``end``), with columns ``period`` (pandas
    Period), ``S``, ``E``, ``N``, ``retained`` (active in p−1 and p),
    ``reactivated`` (E − N − retained), ``churned`` (S − retained),
    ``retention`` = 100·(E − N)/S, ``retained_pct`` = 100·retained/S, and
    ``low``/``high`` (Wilson interval of ``retained_pct``) and ``method``.
    Rates are NaN where S = 0. Periods with no orders appear with zeros.
    """
    conf = check_confidence(confidence)
    act = _activity(orders, freq=freq, tz=tz, statuses=statuses)
    e = act.group_by("_p").aggregate(E=act.count())
    first = act.group_by("_c").aggregate(_p=act._p.min())
    n = first.group_by("_p").aggregate(N=first.count())
    prev = act.select(_c2="_c", _pn=act._p + 1)
    kept = act.join(prev, [act._c == prev._c2, act._p == prev._pn])
    r = kept.group_by("_p").aggregate(retained=kept.count())
    frames = [x.execute().set_index("_p") for x in (e, n, r)]
    if frames[0].empty and start is None and end is None:
        return pd.DataFrame(
            columns=[
                "period",
                "S",
                "E",
                "N",
                "retained",
                "reactivated",
                "churned",
                "retention",
                "retained_pct",
                "low",
                "high",
                "method",
            ]
        )
    lo = (
        _py_period(start, name="start", freq=freq, tz=tz) if start is not None else int(frames[0].index.min())
    )
    hi = _py_period(end, name="end", freq=freq, tz=tz) if end is not None else int(frames[0].index.max())
    if hi < lo:
        raise InvalidParameterError(f"The 'end' parameter ({end!r}) must not be before 'start' ({start!r}).")
    idx = pd.RangeIndex(lo - 1, hi + 1)
    df = pd.concat(frames, axis=1).reindex(idx).fillna(0).astype("int64")
    df["S"] = df["E"].shift(1).fillna(0).astype("int64")
    df = df.iloc[1:]
    s = df["S"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(s > 0, 100.0 * (df["E"] - df["N"]) / s, np.nan)
        retained_pct = np.where(s > 0, 100.0 * df["retained"] / s, np.nan)
    low, high = wilson_interval(df["retained"], s, confidence=conf)
    out = pd.DataFrame(
        {
            "period": periods_column(df.index, freq),
            "S": df["S"].to_numpy(),
            "E": df["E"].to_numpy(),
            "N": df["N"].to_numpy(),
            "retained": df["retained"].to_numpy(),
            "reactivated": (df["E"] - df["N"] - df["retained"]).to_numpy(),
            "churned": (df["S"] - df["retained"]).to_numpy(),
            "retention": retention,
            "retained_pct": retained_pct,
            "low": 100 * low,
            "high": 100 * high,
        }
    )
    out["method"] = "wilson"
    return out


@dataclass(frozen=True)
class CohortRetention:
    """A cohort triangle.

    Attributes
    ----------
    shares
        DataFrame indexed by acquisition cohort (``pandas.Period``, name
        "cohort"), columns ages 0…K (int, name "age"). ``basis="customers"``:
        share (0–1) of the cohort's customers active at age k;
        ``basis="revenue"``: cohort revenue at age k ÷ its age-0 revenue (can
        exceed 1). Cells not observed yet (cohort + k after the last period)
        are NaN; observed cells without activity are 0.
    counts
        Same shape: active customers (or revenue) per cell.
    sizes
        Series per cohort: customers acquired (both bases).
    basis, freq
        ``"customers"`` or ``"revenue"``; ``"M"``, ``"Q"`` or ``"W"``.
    """

    shares: pd.DataFrame
    counts: pd.DataFrame
    sizes: pd.Series
    basis: str
    freq: str


def cohort_retention(
    orders: ibis.Table,
    *,
    freq: str = "M",
    by: str = "customers",
    end: Any = None,
    statuses: Sequence[str] | None = COMPLETED,
    tz: str = DEFAULT_TZ,
) -> CohortRetention:
    """Acquisition-cohort retention triangle (rows cohorts, columns ages 0…K).

    A customer's cohort is the period of their first counted order; their age
    in period p is ``p − cohort``. The last observed period is the last period
    with orders, or the one containing ``end``.
    """
    if by not in ("customers", "revenue"):
        raise InvalidParameterError(
            f"The 'by' parameter must be 'customers' or 'revenue'. Got {by!r} instead."
        )
    act = _activity(orders, freq=freq, tz=tz, statuses=statuses)
    first = act.group_by("_c").aggregate(_cohort=act._p.min())
    j = act.join(first, "_c")
    j = j.mutate(_age=j._p - j._cohort)
    cells = j.group_by(["_cohort", "_age"]).aggregate(active=j.count(), revenue=j._rev.sum()).execute()
    empty = pd.DataFrame(index=pd.PeriodIndex([], freq=period_freq(freq), name="cohort"))
    if cells.empty:
        return CohortRetention(empty, empty.copy(), pd.Series(dtype="int64", name="size"), by, freq)
    last = (
        _py_period(end, name="end", freq=freq, tz=tz)
        if end is not None
        else int((cells._cohort + cells._age).max())
    )
    cohorts = range(int(cells._cohort.min()), int(cells._cohort.max()) + 1)
    ages = range(0, max(last - cohorts.start, 0) + 1)
    value = "active" if by == "customers" else "revenue"
    counts = cells.pivot_table(index="_cohort", columns="_age", values=value, aggfunc="sum")
    counts = counts.reindex(index=list(cohorts), columns=list(ages)).fillna(0).astype("float64")
    sizes = (
        cells[cells._age == 0].set_index("_cohort")["active"].reindex(list(cohorts)).fillna(0).astype("int64")
    )
    base = sizes.astype("float64") if by == "customers" else counts[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts.div(base.where(base > 0), axis=0)
    unobserved = np.add.outer(np.asarray(list(cohorts)), np.asarray(list(ages))) > last
    counts = counts.mask(unobserved)
    shares = shares.mask(unobserved)
    labels = pd.PeriodIndex([index_to_period(c, freq) for c in cohorts], name="cohort")
    for frame in (counts, shares):
        frame.index = labels
        frame.columns = pd.Index(list(ages), name="age")
    if by == "customers":
        counts = counts.astype("Float64").round().astype("Int64")
    sizes.index = labels
    sizes.name = "size"
    return CohortRetention(shares, counts, sizes, by, freq)


@dataclass(frozen=True)
class InactivityRule:
    """The default churn rule: no purchase for ``days`` (= multiplier × median gap)."""

    days: int
    median_gap_days: float
    multiplier: float
    n_repeat_customers: int

    @property
    def text(self) -> str:
        """E.g. 'no purchase in the last 126 days (3× the median gap of 42 days)'."""
        return (
            f"no purchase in the last {self.days} days ({self.multiplier:g}× the median gap of "
            f"{self.median_gap_days:.0f} days)"
        )


def inactivity_rule(
    orders: ibis.Table,
    *,
    as_of: Any = None,
    multiplier: float = 3.0,
    statuses: Sequence[str] | None = COMPLETED,
    tz: str = DEFAULT_TZ,
) -> InactivityRule:
    """Derive the default inactivity threshold from repeat customers.

    A repeat customer has purchases on at least two distinct local days
    (before ``as_of`` when given). Their gap is (last day − first day) ÷
    (purchase days − 1); the rule is ``round(multiplier × median gap)`` days
    (at least 1). Raises :class:`InputError` when there is no repeat customer.
    """
    check_table(orders, _ORDER_COLUMNS, name="orders")
    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float)) or multiplier <= 0:
        raise InvalidParameterError(
            f"The 'multiplier' parameter must be a positive number. Got {multiplier!r} instead."
        )
    o = completed_orders(orders, statuses)
    if as_of is not None:
        o = o.filter(o.ordered_at < ibis.literal(to_utc(as_of, name="as_of", tz=tz)))
    o = o.mutate(
        _c=customer_key(o), _d=((epoch_seconds(o.ordered_at) + tz_offset_seconds(tz)) / 86400).floor()
    )
    days = o.filter(o._c.notnull()).select("_c", "_d").distinct()
    per = days.group_by("_c").aggregate(k=days.count(), first=days._d.min(), last=days._d.max())
    per = per.filter(per.k >= 2)
    gaps = per.select(gap=(per["last"] - per["first"]).cast("float64") / (per.k - 1)).execute()["gap"]
    if gaps.empty:
        raise InputError(
            "Cannot derive the default churn rule: no customer has purchases on two different days. "
            "Pass inactive_days=… explicitly."
        )
    median = float(np.median(gaps.to_numpy(dtype="float64")))
    return InactivityRule(max(1, round(multiplier * median)), median, float(multiplier), len(gaps))


def churn(
    orders: ibis.Table,
    *,
    as_of: Any,
    inactive_days: int | None = None,
    statuses: Sequence[str] | None = COMPLETED,
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    tz: str = DEFAULT_TZ,
) -> MetricResult:
    """Share of customers who have lapsed, with a Wilson interval.

    Customers: those with at least one counted order before ``as_of``
    (a date is read as midnight in the workspace zone). Churned: their last
    such order is more than ``inactive_days`` days before ``as_of``. When
    ``inactive_days`` is None the rule is :func:`inactivity_rule` (3 × the
    median inter-purchase gap of repeat customers) and the definition says so.
    ``extra``: churned, active, inactive_days, rule, as_of.
    """
    check_table(orders, _ORDER_COLUMNS, name="orders")
    conf = check_confidence(confidence)
    min_n, suppress_below = check_min_n(min_n, suppress_below)
    cut = to_utc(as_of, name="as_of", tz=tz)
    if inactive_days is not None and (
        isinstance(inactive_days, bool)
        or not isinstance(inactive_days, (int, np.integer))
        or inactive_days < 1
    ):
        raise InvalidParameterError(
            f"The 'inactive_days' parameter must be a positive whole number of days, or None for the "
            f"default rule. Got {inactive_days!r} instead."
        )
    o = completed_orders(orders, statuses)
    o = o.filter(o.ordered_at < ibis.literal(cut)).mutate(_c=customer_key(o))
    o = o.filter(o._c.notnull())
    per = o.group_by("_c").aggregate(last=o.ordered_at.max())
    as_of_label = pd.Timestamp(cut).tz_convert(tz).strftime("%Y-%m-%d")
    if inactive_days is None:
        try:
            rule = inactivity_rule(orders, as_of=as_of, statuses=statuses, tz=tz)
            days, rule_text = rule.days, rule.text
        except InputError:
            if int(per.count().execute()):
                raise
            days, rule_text = 0, "no customers yet"
    else:
        days = int(inactive_days)
        rule_text = f"no purchase in the last {days} days"
    threshold = cut - _dt.timedelta(days=days)
    counts = per.aggregate(
        n=per.count(), churned=(per["last"] < ibis.literal(threshold)).cast("int64").sum()
    ).execute()
    n = int(counts["n"].iloc[0])
    churned = int(pd.to_numeric(counts["churned"]).fillna(0).iloc[0])
    low, high = wilson_interval(churned, n, confidence=conf)
    return make_result(
        "churn",
        value=100.0 * churned / n if n else None,
        n=n,
        low=100 * low,
        high=100 * high,
        method="wilson",
        unit="%",
        definition=(
            f"Churn: the percentage of customers with at least one completed order before {as_of_label} "
            f"whose last order is more than {days} days before it ({rule_text})."
        ),
        definition_vi=(
            f"Tỷ lệ rời bỏ: phần trăm khách hàng có ít nhất một đơn hàng hoàn tất trước ngày {as_of_label} "
            f"mà đơn hàng gần nhất cách ngày đó hơn {days} ngày (không mua hàng trong {days} ngày gần nhất)."
        ),
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=conf,
        extra={
            "churned": churned,
            "active": n - churned,
            "inactive_days": days,
            "rule": rule_text,
            "as_of": as_of_label,
        },
    )

"""Uplift of an automation: conversion of treated vs held-out customers, with a Newcombe interval.

Units are the customers assigned in ``assignments`` (experiment_id = automation id) at their first
firing. A unit converts when it has a completed order within ``conversion_days`` after its
assignment; only units whose window has closed by ``now`` are counted (the rest are "pending").
The difference of proportions gets Newcombe's hybrid score interval (method 10, built from two
Wilson intervals; Newcombe 1998, Statistics in Medicine 17:873-890).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import ibis

from centric.metrics._intervals import wilson_interval

__all__ = ["automation_report", "newcombe_interval"]


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """``(p1 - p2, low, high)``: Newcombe's hybrid score interval for a difference of proportions."""
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan, math.nan
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = (float(v) for v in wilson_interval(x1, n1, confidence=confidence))
    l2, u2 = (float(v) for v in wilson_interval(x2, n2, confidence=confidence))
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def automation_report(store: Any, automation: Any, *, now: _dt.datetime | None = None) -> dict[str, Any]:
    """Counts of messages by status and the conversion uplift (treated − held out) with its interval."""
    now = now or _dt.datetime.now(_dt.UTC)
    aid = automation.automation_id
    days = int(automation.conversion_days)
    m = store.table("messages")
    st = m.filter(m.automation_id == aid).group_by("status").aggregate(n=ibis._.count()).execute()
    status = {str(k): int(v) for k, v in zip(st.status, st.n, strict=True)}
    a = store.table("assignments")
    a = a.filter(a.experiment_id == aid)
    mature = a.filter(a.assigned_at <= now - _dt.timedelta(days=days))
    o = store.table("orders")
    o = o.filter(o.customer_id.notnull() & ((o.status == "completed") | o.status.isnull()))
    j = mature.join(o, mature.unit_id == o.customer_id)
    conv = j.filter((j.ordered_at > j.assigned_at) & (j.ordered_at <= j.assigned_at + ibis.interval(days=days)))
    conv = conv.select(unit_id=conv.unit_id).distinct()
    cu = conv.select(_u=conv.unit_id)
    per = mature.left_join(cu, mature.unit_id == cu._u)
    agg = per.group_by(per.variant).aggregate(n=per.count(), x=per._u.notnull().sum()).execute()
    groups = {str(r.variant): (int(r.x), int(r.n)) for r in agg.itertuples()}
    xt, nt = groups.get("treatment", (0, 0))
    xh, nh = groups.get("holdout", (0, 0))
    d, lo, hi = newcombe_interval(xt, nt, xh, nh)
    pending = int(a.count().execute()) - nt - nh
    return {
        "automation_id": aid,
        "messages": status,
        "conversion_days": days,
        "treated": {"n": nt, "converted": xt, "rate": xt / nt if nt else None},
        "holdout": {"n": nh, "converted": xh, "rate": xh / nh if nh else None},
        "uplift": None if math.isnan(d) else d,
        "interval": None if math.isnan(d) else [lo, hi],
        "pending": pending,
    }

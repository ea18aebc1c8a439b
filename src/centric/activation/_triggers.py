"""Trigger evaluation: which customers an automation fires for now, as an Ibis table.

Every trigger returns columns ``customer_id``, ``instance`` (what makes this firing distinct: the
cart's event id, the survey answer, the year of the birthday …), ``triggered_at`` and ``detail``.
The idempotency key of a message is ``automation_id:customer_id:instance``, so the same instance
never produces a second message, across reruns and restarts.

* ``cart_abandoned``: the customer's latest ``add_to_cart`` between ``lookback_hours`` and
  ``wait_hours`` ago with no purchase (``purchase`` event or order) from the add until now —
  a purchase within the wait cancels it, and so does a purchase after it.
* ``score_threshold``: the score crossed the threshold since the last run (state in
  ``automation_state``; on the first run everyone beyond the threshold counts as crossing).
* ``survey_detractor``: an answer of ``instrument`` with score ≤ ``max_score`` in ``lookback_days``.
* ``birthday``: ``birth_date`` (YYYY-MM-DD) in ``customers.attributes``; the canonical
  ``birth_year`` has no day, so customers with only a year are never birthday-triggered.
* ``first_purchase_anniversary``: the local day and month of the first completed order, ≥ 1 year ago.
* ``tet``: ``days_before`` Tết (Vietnamese lunar new year, table :data:`TET` for 2024–2035).
* ``schedule``: once per day / ISO week / month after ``at`` local time.
* ``manual``: every customer, once per ``campaign`` (one-off sends).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from centric.activation._filters import FIELDS, _predicate

__all__ = ["TET", "local_now", "trigger_candidates"]

#: Gregorian date of Tết Nguyên Đán (first day of the lunar year, Vietnam's UTC+7 calendar).
TET = {
    2024: _dt.date(2024, 2, 10),
    2025: _dt.date(2025, 1, 29),
    2026: _dt.date(2026, 2, 17),
    2027: _dt.date(2027, 2, 6),
    2028: _dt.date(2028, 1, 26),
    2029: _dt.date(2029, 2, 13),
    2030: _dt.date(2030, 2, 3),
    2031: _dt.date(2031, 1, 23),
    2032: _dt.date(2032, 2, 11),
    2033: _dt.date(2033, 1, 31),
    2034: _dt.date(2034, 2, 19),
    2035: _dt.date(2035, 2, 8),
}
COLUMNS = ("customer_id", "instance", "triggered_at", "detail")


def local_now(now: _dt.datetime, tz: str) -> _dt.datetime:
    """``now`` in the workspace zone."""
    return now.astimezone(ZoneInfo(tz))


def _empty(store: Any) -> ibis.Table:
    c = store.table("customers")
    return c.filter(ibis.literal(False)).select(
        customer_id=c.customer_id,
        instance=ibis.literal("", "string"),
        triggered_at=ibis.literal(None, "timestamp('UTC')"),
        detail=ibis.literal("", "string"),
    )


def _everyone(store: Any, instance: str, now: _dt.datetime) -> ibis.Table:
    c = store.table("customers")
    return c.select(
        customer_id=c.customer_id,
        instance=ibis.literal(instance),
        triggered_at=ibis.literal(now, "timestamp('UTC')"),
        detail=ibis.literal("", "string"),
    )


def _cart(store: Any, trig: dict[str, Any], now: _dt.datetime) -> ibis.Table:
    wait = _dt.timedelta(hours=float(trig["wait_hours"]))
    start = now - _dt.timedelta(hours=float(trig["lookback_hours"]))
    ev = store.table("events")
    carts = ev.filter(
        (ev.name == "add_to_cart")
        & ev.customer_id.notnull()
        & (ev.occurred_at >= start)
        & (ev.occurred_at <= now - wait)
    )
    buys = ev.filter((ev.name == "purchase") & ev.customer_id.notnull() & (ev.occurred_at >= start))
    o = store.table("orders")
    orders = o.filter(o.customer_id.notnull() & (o.ordered_at >= start))
    bought = ibis.union(
        buys.select(b_customer=buys.customer_id, b_at=buys.occurred_at),
        orders.select(b_customer=orders.customer_id, b_at=orders.ordered_at),
    )
    abandoned = carts.anti_join(bought, [carts.customer_id == bought.b_customer, bought.b_at >= carts.occurred_at])
    w = ibis.window(
        group_by=abandoned.customer_id, order_by=[ibis.desc(abandoned.occurred_at), ibis.desc(abandoned.event_id)]
    )
    ranked = abandoned.mutate(_rn=ibis.row_number().over(w))
    latest = ranked.filter(ranked._rn == 0)
    return latest.select(
        customer_id=latest.customer_id,
        instance=latest.event_id,
        triggered_at=latest.occurred_at,
        detail=latest.properties.cast("string"),
    )


def _score(store: Any, trig: dict[str, Any], now: _dt.datetime, automation_id: str) -> ibis.Table:
    spec = FIELDS[trig["field"]]
    if not store.has_table(spec.table):
        return _empty(store)
    src = store.table(spec.table)
    above = (
        src.filter(_predicate(src[spec.column], spec.kind, trig["op"], trig["value"])).select("customer_id").distinct()
    )
    st = store.table("automation_state")
    before = st.filter((st.automation_id == automation_id) & (st.state == "above")).select("customer_id")
    crossed = above.anti_join(before, "customer_id")
    key = f"{trig['field']}:{trig['op']}:{trig['value']}:{now.date().isoformat()}"
    return crossed.select(
        customer_id=crossed.customer_id,
        instance=ibis.literal(key),
        triggered_at=ibis.literal(now, "timestamp('UTC')"),
        detail=ibis.literal("", "string"),
    )


def _detractor(store: Any, trig: dict[str, Any], now: _dt.datetime) -> ibis.Table:
    f = store.table("feedback")
    start = now - _dt.timedelta(days=float(trig["lookback_days"]))
    hit = f.filter(
        (f.instrument == trig["instrument"])
        & (f.score <= float(trig["max_score"]))
        & f.customer_id.notnull()
        & (f.submitted_at >= start)
        & (f.submitted_at <= now)
    )
    return hit.select(
        customer_id=hit.customer_id,
        instance=hit.response_id,
        triggered_at=hit.submitted_at,
        detail=hit.comment.cast("string"),
    )


def _birthday(store: Any, trig: dict[str, Any], now: _dt.datetime, tz: str) -> ibis.Table:
    target = (local_now(now, tz) + _dt.timedelta(days=int(trig["days_before"]))).date()
    c = store.table("customers")
    df = c.filter(c.attributes.contains("birth_date")).select("customer_id", "attributes").execute()
    ids = []
    for r in df.itertuples():
        try:
            d = _dt.date.fromisoformat(str(json.loads(r.attributes).get("birth_date"))[:10])
        except (ValueError, TypeError, AttributeError):
            continue
        if (d.month, d.day) == (target.month, target.day):
            ids.append(r.customer_id)
    if not ids:
        return _empty(store)
    return _everyone(store, f"birthday:{target.year}", now).filter(ibis._.customer_id.isin(ids))


def _anniversary(store: Any, trig: dict[str, Any], now: _dt.datetime, tz: str) -> ibis.Table:
    loc = local_now(now, tz)
    target = (loc + _dt.timedelta(days=int(trig["days_before"]))).date()
    offset = loc.utcoffset() or _dt.timedelta(0)
    o = store.table("orders")
    o = o.filter(o.customer_id.notnull() & ((o.status == "completed") | o.status.isnull()))
    first = o.group_by("customer_id").aggregate(first_at=o.ordered_at.min())
    local = first.first_at + ibis.interval(seconds=int(offset.total_seconds()))
    hit = first.filter((local.month() == target.month) & (local.day() == target.day) & (local.year() < target.year))
    return hit.select(
        customer_id=hit.customer_id,
        instance=ibis.literal(f"anniversary:{target.year}"),
        triggered_at=ibis.literal(now, "timestamp('UTC')"),
        detail=hit.first_at.cast("string"),
    )


def _tet(store: Any, trig: dict[str, Any], now: _dt.datetime, tz: str) -> ibis.Table:
    target = (local_now(now, tz) + _dt.timedelta(days=int(trig["days_before"]))).date()
    if TET.get(target.year) != target:
        return _empty(store)
    return _everyone(store, f"tet:{target.year}", now)


def _schedule(store: Any, trig: dict[str, Any], now: _dt.datetime, tz: str) -> ibis.Table:
    loc = local_now(now, tz)
    hh, mm = (int(x) for x in str(trig["at"]).split(":"))
    if (loc.hour, loc.minute) < (hh, mm):
        return _empty(store)
    if trig["every"] == "day":
        period = loc.date().isoformat()
    elif trig["every"] == "week":
        y, w, _ = loc.isocalendar()
        period = f"{y}-W{w:02d}"
    else:
        period = f"{loc.year}-{loc.month:02d}"
    return _everyone(store, f"schedule:{period}", now)


def trigger_candidates(store: Any, automation: Any, now: _dt.datetime, tz: str) -> ibis.Table:
    """The customers ``automation``'s trigger fires for at ``now`` (an Ibis table, see module doc)."""
    trig = automation.trigger
    kind = trig["type"]
    if kind == "cart_abandoned":
        out = _cart(store, trig, now)
    elif kind == "score_threshold":
        out = _score(store, trig, now, automation.automation_id)
    elif kind == "survey_detractor":
        out = _detractor(store, trig, now)
    elif kind == "birthday":
        out = _birthday(store, trig, now, tz)
    elif kind == "first_purchase_anniversary":
        out = _anniversary(store, trig, now, tz)
    elif kind == "tet":
        out = _tet(store, trig, now, tz)
    elif kind == "manual":
        out = _everyone(store, f"campaign:{trig['campaign']}", now)
    else:
        out = _schedule(store, trig, now, tz)
    return out.select(*COLUMNS)


_ = pd

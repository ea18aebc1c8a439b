"""Sessions without sorting every event: time buckets narrower than the gap, then a window over buckets.

Two events of one actor that fall in the same time bucket, a bucket being narrower than the gap,
are less than the gap apart: the inactivity rule can never start a session between them. So a
session can only start at the first event of a bucket, and it does exactly when that event comes
at least the gap after the last event of the actor's previous non-empty bucket (or the bucket is
the actor's first). The events are therefore

1. grouped by ``(actor, bucket[, by])`` (a hash aggregation: count, first and last instant, the
   first time of each funnel step, whether a conversion happened);
2. the buckets — a few per session instead of one row per event — get their session number with
   the same ``lag`` and running sum :func:`~centric.journeys.sessionize` runs over events;
3. sessions and funnels are aggregated from the buckets.

Same sessions as the per-event window (tested side by side), with one window pass over the
buckets instead of two over every event. The bucket width is the gap less a millionth of it, so
rounding in ``floor(seconds / width)`` cannot put two events a full gap apart in one bucket; gaps
under a minute (and the source's own session ids) use the per-event window.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis

from centric._ibis import epoch_seconds
from centric.journeys._common import check_columns

__all__ = ["MIN_BUCKET_GAP_SECONDS", "bucketed", "session_buckets", "sessions_from_buckets", "use_buckets"]

#: Below this gap (seconds) sessions use the per-event window (bucket rounding needs some room).
MIN_BUCKET_GAP_SECONDS = 60.0
_NEEDED = ("customer_id", "anonymous_id", "occurred_at", "name")


def use_buckets(gap_minutes: float, source_sessions: bool) -> bool:
    """Whether sessions can come from time buckets (not with the source's session ids, gap ≥ 1 min)."""
    return not source_sessions and float(gap_minutes) * 60.0 >= MIN_BUCKET_GAP_SECONDS


def _width(gap_seconds: float) -> float:
    return gap_seconds * (1.0 - 1e-6)


def bucketed(events: ibis.Table, *, gap_minutes: float, exclude: Sequence[str]) -> ibis.Table:
    """The followable events with ``actor``, ``_s`` (epoch seconds) and ``_b`` (time bucket number)."""
    ev = events.filter(events.customer_id.notnull() | events.anonymous_id.notnull())
    if exclude:
        ev = ev.filter(~ev.name.isin(list(exclude)))
    ev = ev.mutate(actor=ibis.coalesce(ev.customer_id, ev.anonymous_id), _s=epoch_seconds(ev.occurred_at))
    return ev.mutate(_b=(ev._s / _width(float(gap_minutes) * 60.0)).floor())


def session_buckets(
    events: ibis.Table,
    *,
    gap_minutes: float,
    exclude: Sequence[str],
    by: str | None = None,
    steps: Sequence[str] = (),
    conversion: str | None = None,
) -> ibis.Table:
    """One row per ``(actor, bucket[, by])`` with its ``session_no``.

    Columns: ``actor, _b, [by], n`` (events), ``t_first, t_last`` (their first and last instant),
    ``_s0, _s1`` (the same in epoch seconds), ``known`` (an event had a ``customer_id``),
    ``converted`` (when ``conversion`` is given: an event of that name), ``m0, m1, …`` (epoch
    seconds of the first event of each of ``steps``, NULL when none) and ``session_no``
    (0-based, per actor, as :func:`~centric.journeys.sessionize` numbers them).
    """
    check_columns(events, _NEEDED + ((by,) if by else ()), what="events")
    gap = float(gap_minutes) * 60.0
    ev = bucketed(events, gap_minutes=gap_minutes, exclude=exclude)
    keys = ["actor", "_b", *([by] if by else [])]
    aggs = {
        "n": ev.count(),
        "t_first": ev.occurred_at.min(),
        "t_last": ev.occurred_at.max(),
        "known": ev.customer_id.notnull().any(),
    }
    if conversion is not None:
        aggs["converted"] = (ev.name == conversion).any()
    for k, name in enumerate(steps):
        aggs[f"m{k}"] = ev._s.min(where=ev.name == name)
    agg = ev.group_by(keys).aggregate(**aggs)
    agg = agg.mutate(_s0=epoch_seconds(agg.t_first), _s1=epoch_seconds(agg.t_last))
    if not by:
        w = ibis.window(group_by=agg.actor, order_by=agg._b)
        agg = agg.mutate(_prev=agg._s1.lag().over(w))
        order = [agg._b]
    else:
        # several rows per bucket (one per ``by`` value), in order of their first instant: a row
        # starts a session when it comes a gap after the latest instant of all rows before it (the
        # previous buckets'; rows of the same bucket are never a gap apart)
        w = ibis.window(group_by=agg.actor, order_by=[agg._b, agg._s0], rows=(None, -1))
        agg = agg.mutate(_prev=agg._s1.max().over(w))
        order = [agg._b, agg._s0]
    agg = agg.mutate(_new=(agg._prev.isnull() | ((agg._s0 - agg._prev) >= gap)).cast("int64"))
    cw = ibis.cumulative_window(group_by=agg.actor, order_by=[agg[c.get_name()] for c in order])
    agg = agg.mutate(session_no=(agg._new.sum().over(cw) - 1).cast("int64"))
    return agg.drop("_prev", "_new")


def sessions_from_buckets(bt: ibis.Table) -> ibis.Table:
    """The sessions table of :func:`~centric.journeys.sessions` from ``session_buckets(by="channel")``."""
    g = bt.group_by(["actor", "session_no"]).aggregate(
        _known=bt.known.any(),
        start=bt.t_first.min(),
        end=bt.t_last.max(),
        n_events=bt.n.sum(),
        channel=bt.channel.argmin(bt._s0),  # the first event's (at the same instant: any of them)
        converted=bt.converted.any(),
        _a=bt._s0.min(),
        _z=bt._s1.max(),
    )
    return g.select(
        session_key=g.actor.concat("#", g.session_no.cast("string")),
        actor=g.actor,
        customer_id=ibis.ifelse(g._known, g.actor, ibis.null("string")),
        start=g.start,
        end=g.end,
        duration_seconds=(g._z - g._a).cast("int64"),
        n_events=g.n_events.cast("int64"),
        channel=g.channel,
        converted=g.converted,
    )

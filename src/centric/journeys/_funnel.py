"""Ordered funnels with step conversion, Wilson intervals and the median time between steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import ibis
import numpy as np
import pandas as pd

from centric._ibis import epoch_seconds
from centric.exceptions import InvalidParameterError
from centric.journeys._buckets import bucketed, session_buckets, use_buckets
from centric.journeys._common import DEFAULT_STEPS, SYSTEM_EVENTS, check_columns, check_steps, step_name
from centric.journeys._sessions import _check_gap, _sessionize
from centric.metrics._intervals import wilson_interval

__all__ = ["FUNNEL_COLUMNS", "bucket_counts", "funnel", "funnel_and_cut", "reach_times", "step_events"]

#: Columns of :func:`funnel`'s frame, after the ``by`` column (when given).
FUNNEL_COLUMNS = [
    "position",
    "step",
    "next_step",
    "transition",
    "entered",
    "converted",
    "conversion",
    "low",
    "high",
    "drop_off",
    "share_of_start",
    "median_seconds_to_next",
    "small_sample",
]
MISSING = "(unknown)"
_SESSION_COLUMNS = ("event_id", "customer_id", "anonymous_id", "occurred_at", "name", "channel", "session_id")


def _units(
    events: ibis.Table,
    within: str,
    *,
    gap_minutes: float,
    source_sessions: bool,
    exclude: Sequence[str],
    extra: Sequence[str] = (),
) -> tuple[ibis.Table, list[str]]:
    if within == "session" and "session_no" in events.columns:  # already sessionised: share it
        keys = ["session_key"] if source_sessions and "session_key" in events.columns else ["actor", "session_no"]
        return events, keys
    if within == "session":
        # only the columns the funnel needs travel through the session window (not the JSON properties)
        keep = [c for c in events.columns if c in _SESSION_COLUMNS or c in extra]
        ev = _sessionize(
            events.select(*keep),
            gap_minutes=gap_minutes,
            source_sessions=source_sessions,
            exclude=exclude,
            seq=False,
            keep=["name", *extra],
        )
        return ev, (["session_key"] if source_sessions else ["actor", "session_no"])
    check_columns(events, ("customer_id", "anonymous_id", "occurred_at", "name"), what="events")
    ev = events.filter(events.customer_id.notnull() | events.anonymous_id.notnull())
    if exclude:
        ev = ev.filter(~ev.name.isin(list(exclude)))
    return ev.mutate(actor=ibis.coalesce(ev.customer_id, ev.anonymous_id)), ["actor"]


def step_events(
    events: ibis.Table,
    steps: Sequence[str],
    *,
    by: str | None = None,
    within: Literal["session", "customer"] = "session",
    gap_minutes: float = 30,
    source_sessions: bool = False,
    exclude: Sequence[str] = SYSTEM_EVENTS,
) -> tuple[ibis.Table, list[str]]:
    """The events of the funnel's steps reduced to ``unit keys, [by], name, _t`` (epoch seconds).

    Returns the table and the names of its key columns (the unit, then ``by``).
    """
    steps = check_steps(steps, func="funnel")
    if within not in ("session", "customer"):
        raise InvalidParameterError(
            f"The 'within' parameter of funnel must be 'session' or 'customer'. Got {within!r} instead."
        )
    if by is not None:
        check_columns(events, (by,), what="events")
    ev, unit = _units(
        events,
        within,
        gap_minutes=gap_minutes,
        source_sessions=source_sessions,
        exclude=exclude,
        extra=[by] if by is not None else [],
    )
    ev = ev.filter(ev.name.isin(list(steps)))
    keys = list(unit)
    if by is not None:
        ev = ev.mutate(**{by: ev[by].cast("string").fill_null(MISSING)})
        keys.append(by)
    return ev.select(*keys, "name", _t=epoch_seconds(ev.occurred_at)), keys


def reach_times(ev: ibis.Table, steps: Sequence[str], keys: list[str]) -> ibis.Table:
    """One row per unit that entered the funnel, with the time it reached each step (or NULL).

    ``ev`` is the output of :func:`step_events`. Step ``k`` is reached at the first event named
    ``steps[k]`` at or after the time step ``k - 1`` was reached, so the funnel is *ordered*.
    The result has the key columns and ``t0``, ``t1``, … (epoch seconds).

    One group-by gives each unit the first time of every step, ``m0``, ``m1``, …. Where they
    rise (``m[k] >= m[k - 1]``) up to the first step the unit never had, they *are* the reach
    times. Only the other units (a step's first event came before the previous step was
    reached: rare) follow the step-by-step join chain of :func:`_reach_chain`.
    """
    per = ev.group_by(keys).aggregate(**{f"m{k}": ev._t.min(where=ev.name == name) for k, name in enumerate(steps)})
    return _reach(per, steps, keys, lambda units: ev.semi_join(units, keys))


def _reach_columns(per: ibis.Table, steps: Sequence[str]) -> tuple[ibis.Table, list[str]]:
    """The units that entered, with ``_dirty`` and the reach times ``t0, t1, …`` of clean units."""
    per = per.filter(per.m0.notnull())
    ok = ibis.literal(True)
    dirty = ibis.literal(False)
    reach = {"t0": per.m0}
    for k in range(1, len(steps)):
        cur, prev = per[f"m{k}"], per[f"m{k - 1}"]
        dirty = dirty | (ok & cur.notnull() & (cur < prev))
        ok = ok & cur.notnull() & (cur >= prev)
        reach[f"t{k}"] = ibis.ifelse(ok, cur, ibis.null(cur.type()))
    return per.mutate(_dirty=dirty, **reach), list(reach)


def _reach(
    per: ibis.Table, steps: Sequence[str], keys: list[str], dirty_events: Callable[[ibis.Table], ibis.Table]
) -> ibis.Table:
    """Reach times from each unit's first time of every step (``m0``, ``m1``, …; see :func:`reach_times`).

    ``dirty_events(units)`` gives the step events (``keys, name, _t``) of the units whose steps
    came out of order; they follow :func:`_reach_chain`.
    """
    per, reach = _reach_columns(per, steps)
    per = per.cache()  # released with the returned expression
    clean = per.filter(~per._dirty).select(*keys, *reach)
    if not int(per.filter(per._dirty).count().execute()):  # no need to read any event again
        return clean
    # the units whose steps came out of order: their events only, step by step
    chain = _reach_chain(dirty_events(per.filter(per._dirty).select(*keys)), steps, keys)
    # one type on both sides (epoch seconds are float64 on DuckDB, integers on Spark)
    return clean.union(chain.select(*keys, **{t: chain[t].cast(clean[t].type()) for t in reach}))


def _bucket_units(
    bt: ibis.Table,
    events: ibis.Table,
    steps: Sequence[str],
    *,
    by: str | None,
    gap_minutes: float,
    exclude: Sequence[str],
) -> tuple[ibis.Table, list[str], Callable[[ibis.Table], ibis.Table]]:
    """Per session (and ``by``): first time of each step, ``_known``; the keys; the dirty-unit events."""
    keys = ["actor", "session_no"]
    src = bt
    if by is not None:
        src = bt.mutate(**{by: bt[by].cast("string").fill_null(MISSING)})
        keys.append(by)
    per = src.group_by(keys).aggregate(
        _known=src.known.any(), **{f"m{k}": src[f"m{k}"].min() for k in range(len(steps))}
    )

    def dirty_events(units: ibis.Table) -> ibis.Table:
        # the buckets of those sessions, then their step events (a hash join, no sort)
        where = bt.select("actor", "_b", "session_no").distinct().semi_join(units, ["actor", "session_no"])
        ev = bucketed(events.filter(events.name.isin(list(steps))), gap_minutes=gap_minutes, exclude=exclude)
        ev = ev.join(where, ["actor", "_b"])
        if by is not None:
            ev = ev.mutate(**{by: ev[by].cast("string").fill_null(MISSING)})
        return ev.semi_join(units, keys).select(*keys, "name", _t=ibis._._s)

    return per, keys, dirty_events


def bucket_counts(
    bt: ibis.Table,
    events: ibis.Table,
    steps: Sequence[str],
    *,
    by: str | None,
    gap_minutes: float,
    exclude: Sequence[str],
    attach: Callable[[ibis.Table], ibis.Table] | None = None,
    groups: Sequence[str | None] | None = None,
) -> list[pd.DataFrame]:
    """Per-step counts of the sessions of ``session_buckets(steps=steps)`` (cut by ``by``), one frame per group.

    ``bt`` must have been built from ``events`` with the same ``steps``, ``gap_minutes`` and
    ``exclude`` (and ``by`` when cutting); units are ``actor, session_no[, by]``; ``groups``
    defaults to ``[by]``.

    One query per group, unless some sessions' steps came out of order: the counts and medians
    are taken over the units whose first times rise step after step (``m0 ≤ m1 ≤ …``: their
    reach times are those first times), with the number of the other units alongside. When
    there are none (most data), that *is* the answer; otherwise the exact reach times
    (:func:`_reach`, the join chain for the out-of-order units) are computed. ``attach(units)``
    may add columns to the units (``actor, session_no, _known, t0…``), e.g. a customer's
    persona, to use as a group. With several groups the units are computed once and kept.
    """
    per, keys, dirty_events = _bucket_units(bt, events, steps, by=by, gap_minutes=gap_minutes, exclude=exclude)
    groups = [by] if groups is None else list(groups)
    quick, _ = _reach_columns(per, steps)
    if attach is not None:
        quick = attach(quick)
    if len(groups) > 1:
        quick = quick.cache()
    try:
        out = [_counts(quick, steps, g, where=~quick._dirty) for g in groups]
        if not any(int(c.pop("_dirty").sum()) for c in out):
            return out
    finally:
        if len(groups) > 1:
            quick.release()
    wide = _reach(per, steps, keys, dirty_events)
    if attach is not None:
        wide = attach(wide.join(per.select(*keys, "_known"), keys))
    return [_counts(wide, steps, g) for g in groups]


def _reach_chain(ev: ibis.Table, steps: Sequence[str], keys: list[str]) -> ibis.Table:
    """:func:`reach_times` step by step: one join per step (exact for every unit)."""
    first = ev.filter(ev.name == steps[0])
    wide = first.group_by(keys).aggregate(t0=first._t.min())
    prev = wide
    for k, name in enumerate(steps[1:], start=1):
        cand = ev.filter(ev.name == name)
        j = cand.join(prev.select(*keys, _p=prev[f"t{k - 1}"]), keys)
        j = j.filter(j._t >= j._p)
        prev = j.group_by(keys).aggregate(**{f"t{k}": j._t.min()})
        wide = wide.left_join(prev, keys).drop(*[f"{c}_right" for c in keys])
    return wide


def funnel(
    events: ibis.Table,
    steps: Sequence[str] = DEFAULT_STEPS,
    *,
    by: str | None = None,
    within: Literal["session", "customer"] = "session",
    gap_minutes: float = 30,
    source_sessions: bool = False,
    exclude: Sequence[str] = SYSTEM_EVENTS,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """An ordered funnel: per step, how many entered, went on to the next step, and how fast.

    A *unit* is a session (``within="session"``, see :func:`~centric.journeys.sessionize`) or
    an actor's whole history (``within="customer"``). A unit enters the funnel with its first
    ``steps[0]`` event and reaches step ``k`` with the first ``steps[k]`` event at or after the
    time it reached step ``k - 1``. Everything up to the per-step counts runs in the backend
    (one query), so DuckDB and Spark give the same numbers.

    Parameters
    ----------
    events
        The ``events`` table; join a customer attribute (persona, segment) onto it first to cut
        by that attribute.
    steps
        Event names in funnel order (default page_view → product_view → add_to_cart →
        begin_checkout → purchase).
    by
        Optional column of ``events`` to cut by (``"channel"``, ``"persona"``…). The funnel is
        followed within each value: a session that switches channel counts in each channel
        with the events it had there. NULL values are shown as ``"(unknown)"``.
    within
        ``"session"`` (default) or ``"customer"``.
    gap_minutes, source_sessions, exclude
        Session rules, as in :func:`~centric.journeys.sessionize`.
    min_n
        Steps entered by fewer units are flagged ``small_sample``.
    confidence
        Level of the Wilson interval of each step conversion.

    Returns
    -------
    pandas.DataFrame
        One row per step (and ``by`` value): ``position`` (0-based), ``step``, ``next_step``,
        ``transition`` (``"a→b"``), ``entered`` (units that reached the step), ``converted``
        (of those, units that reached the next step), ``conversion`` = converted / entered with
        its Wilson interval ``low``–``high`` (shares 0–1), ``drop_off`` = 1 − conversion,
        ``share_of_start`` = entered / entered at step 0, ``median_seconds_to_next`` (among
        converted units) and ``small_sample``. The last step has no next step (NaN there).

    Examples
    --------
    >>> funnel(store.table("events"), by="channel")  # doctest: +SKIP
    """
    steps = check_steps(steps, func="funnel")
    if _from_buckets(events, by=by, within=within, gap_minutes=gap_minutes, source_sessions=source_sessions):
        with session_buckets(events, gap_minutes=gap_minutes, exclude=exclude, by=by, steps=steps).cache() as bt:
            (counts,) = bucket_counts(bt, events, steps, by=by, gap_minutes=gap_minutes, exclude=exclude)
        return _frame(counts, steps, by=by, min_n=min_n, confidence=confidence)
    ev, keys = step_events(
        events,
        steps,
        by=by,
        within=within,
        gap_minutes=gap_minutes,
        source_sessions=source_sessions,
        exclude=exclude,
    )
    # sessions are a window over all events: compute the step events once, then chain the steps
    with ev.cache() as cached:
        counts = _counts(reach_times(cached, steps, keys), steps, by)
    return _frame(counts, steps, by=by, min_n=min_n, confidence=confidence)


def funnel_and_cut(
    events: ibis.Table,
    steps: Sequence[str] = DEFAULT_STEPS,
    *,
    by: str,
    within: Literal["session", "customer"] = "session",
    gap_minutes: float = 30,
    source_sessions: bool = False,
    exclude: Sequence[str] = SYSTEM_EVENTS,
    min_n: int = 30,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``funnel(events, steps)`` and ``funnel(events, steps, by=by)`` from one sessionisation.

    The units do not depend on ``by`` (it only splits them), so the step events with the ``by``
    column are computed and cached once; the overall funnel groups them by the unit alone.
    """
    steps = check_steps(steps, func="funnel")
    if _from_buckets(events, by=by, within=within, gap_minutes=gap_minutes, source_sessions=source_sessions):
        with session_buckets(events, gap_minutes=gap_minutes, exclude=exclude, by=by, steps=steps).cache() as bt:
            common = {"gap_minutes": gap_minutes, "exclude": exclude}
            (overall,) = bucket_counts(bt, events, steps, by=None, **common)
            (cut,) = bucket_counts(bt, events, steps, by=by, **common)
    else:
        ev, keys = step_events(
            events,
            steps,
            by=by,
            within=within,
            gap_minutes=gap_minutes,
            source_sessions=source_sessions,
            exclude=exclude,
        )
        with ev.cache() as cached:
            overall = _counts(reach_times(cached, steps, keys[:-1]), steps, None)
            cut = _counts(reach_times(cached, steps, keys), steps, by)
    return (
        _frame(overall, steps, by=None, min_n=min_n, confidence=confidence),
        _frame(cut, steps, by=by, min_n=min_n, confidence=confidence),
    )


def _from_buckets(
    events: ibis.Table, *, by: str | None, within: str, gap_minutes: float, source_sessions: bool
) -> bool:
    """Check the unit parameters; whether the sessions can come from time buckets (see ``_buckets``)."""
    if within not in ("session", "customer"):
        raise InvalidParameterError(
            f"The 'within' parameter of funnel must be 'session' or 'customer'. Got {within!r} instead."
        )
    if by is not None:
        check_columns(events, (by,), what="events")
    if within != "session" or "session_no" in events.columns:
        return False
    return use_buckets(_check_gap(gap_minutes, "funnel"), source_sessions)


def _counts(
    wide: ibis.Table, steps: Sequence[str], by: str | None, where: ibis.BooleanValue | None = None
) -> pd.DataFrame:
    """``n0, n1, …`` units that reached each step and ``m0, m1, …`` median seconds to the next.

    With ``where``: over those rows only, plus ``_dirty``, the number of the other rows.
    """

    def only(v: ibis.Value) -> ibis.Value:  # NULL outside ``where`` (Spark's median takes no filter)
        return v if where is None else ibis.ifelse(where, v, ibis.null(v.type()))

    aggs = {}
    for k in range(len(steps)):
        aggs[f"n{k}"] = only(wide[f"t{k}"]).count()
        if k + 1 < len(steps):
            aggs[f"m{k}"] = only(wide[f"t{k + 1}"] - wide[f"t{k}"]).median()
    if where is not None:
        aggs["_dirty"] = (~where).cast("int64").sum()
    group = [by] if by is not None else []
    counts = (wide.group_by(group).aggregate(**aggs) if group else wide.aggregate(**aggs)).execute()
    if by is not None:
        counts = counts.sort_values(by, kind="stable").reset_index(drop=True)
    return counts


def _frame(
    counts: pd.DataFrame, steps: Sequence[str], *, by: str | None, min_n: int, confidence: float
) -> pd.DataFrame:
    rows = []
    for _, r in counts.iterrows():
        n_start = int(r["n0"])
        for k, name in enumerate(steps):
            last = k + 1 == len(steps)
            n = int(r[f"n{k}"])
            c = np.nan if last else float(r[f"n{k + 1}"])
            row = {} if by is None else {by: r[by]}
            row.update(
                position=k,
                step=name,
                next_step=None if last else steps[k + 1],
                transition=None if last else step_name(name, steps[k + 1]),
                entered=n,
                converted=c,
                median_seconds_to_next=np.nan if last or pd.isna(r[f"m{k}"]) else float(r[f"m{k}"]),
                share_of_start=n / n_start if n_start else np.nan,
            )
            rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=([by] if by else []) + FUNNEL_COLUMNS)
    n = out["entered"].to_numpy(float)
    c = out["converted"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        conv = np.where(n > 0, c / n, np.nan)
    low, high = wilson_interval(np.nan_to_num(c), n, confidence=confidence)
    out["conversion"] = conv
    out["low"] = np.where(np.isnan(c), np.nan, low)
    out["high"] = np.where(np.isnan(c), np.nan, high)
    out["drop_off"] = 1.0 - conv
    out["small_sample"] = out["entered"] < min_n
    out["converted"] = out["converted"].astype("Int64")
    return out[([by] if by else []) + FUNNEL_COLUMNS]

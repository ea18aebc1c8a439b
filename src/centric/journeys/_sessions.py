"""Sessions from events: a new session after ``gap_minutes`` of inactivity (Ibis window functions)."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
from ibis import _

from centric._ibis import epoch_seconds
from centric.exceptions import InvalidParameterError
from centric.journeys._buckets import session_buckets, sessions_from_buckets, use_buckets
from centric.journeys._common import SYSTEM_EVENTS, check_columns

__all__ = ["sessionize", "sessions"]

_NEEDED = ("event_id", "customer_id", "anonymous_id", "occurred_at", "name", "channel", "session_id")


def _check_gap(gap_minutes: object, func: str) -> float:
    if isinstance(gap_minutes, bool) or not isinstance(gap_minutes, (int, float)) or not gap_minutes > 0:
        raise InvalidParameterError(
            f"The 'gap_minutes' parameter of {func} must be a number > 0. Got {gap_minutes!r} instead."
        )
    return float(gap_minutes)


def sessionize(
    events: ibis.Table,
    *,
    gap_minutes: float = 30,
    source_sessions: bool = False,
    exclude: Sequence[str] = SYSTEM_EVENTS,
) -> ibis.Table:
    """Give every event a session: a new one after ``gap_minutes`` or more without activity.

    Events are followed per *actor*: the resolved ``customer_id`` when the event has one, else
    its ``anonymous_id``. Within an actor, events are ordered by ``occurred_at`` (ties by
    ``event_id``); an event starts a new session when it is the actor's first or comes at least
    ``gap_minutes`` after the previous one. All work is window functions (``lag`` and a running
    sum) in the backend, so the same call runs on DuckDB and on Spark.

    Parameters
    ----------
    events
        The store's ``events`` table (or a filtered/joined version with the same columns).
    gap_minutes
        Inactivity that ends a session (default 30 minutes, the usual web-analytics rule).
    source_sessions
        Keep the source's own ``session_id`` where the event has one; the inactivity rule then
        only fills in events without it.
    exclude
        Event names that are not the actor's own activity (default ``("email_sent",)``: a
        campaign send). They are left out of the result; events with neither ``customer_id``
        nor ``anonymous_id`` are left out too (they cannot be followed).

    Returns
    -------
    ibis.Table
        The events' columns plus ``actor`` (string), ``seq`` (0-based position of the event in
        the actor's history), ``session_no`` (0-based session number within the actor) and
        ``session_key`` (``"{actor}#{session_no}"``, or the source ``session_id``).

    Examples
    --------
    >>> s = sessionize(store.table("events"), gap_minutes=30)  # doctest: +SKIP
    >>> s.session_key.nunique().execute()  # doctest: +SKIP
    """
    return _sessionize(events, gap_minutes=gap_minutes, source_sessions=source_sessions, exclude=exclude)


def _sessionize(
    events: ibis.Table,
    *,
    gap_minutes: float,
    source_sessions: bool,
    exclude: Sequence[str],
    seq: bool = True,
    keep: Sequence[str] | None = None,
) -> ibis.Table:
    """:func:`sessionize`; ``seq=False`` leaves out the event position (one window less, for funnels).

    ``keep``: when given, only ``actor``, ``occurred_at``, these columns (and ``session_id`` when
    ``source_sessions``) travel through the windows, and with ``seq=False`` the events are ordered
    by time alone: ``session_no`` does not depend on the order of events at the same instant (the
    second of them is 0 seconds after the first, never a new session), so the ``event_id``
    tie-break, a string sort key, is only needed for ``seq``.
    """
    gap = _check_gap(gap_minutes, "sessionize")
    check_columns(events, _NEEDED, what="events")
    ev = events.filter(_.customer_id.notnull() | _.anonymous_id.notnull())
    if exclude:
        ev = ev.filter(~_.name.isin(list(exclude)))
    ev = ev.mutate(actor=ibis.coalesce(ev.customer_id, ev.anonymous_id), _secs=epoch_seconds(ev.occurred_at))
    if keep is not None:
        cols = ["actor", "_secs", "occurred_at", *(["event_id"] if seq else [])]
        cols += [c for c in (*keep, *(["session_id"] if source_sessions else [])) if c not in cols]
        ev = ev.select(*cols)
    ordering = [ev.occurred_at, ev.event_id] if seq or keep is None else [ev.occurred_at]
    w = ibis.window(group_by=ev.actor, order_by=ordering)
    ev = ev.mutate(_prev=ev._secs.lag().over(w), **({"seq": ibis.row_number().over(w)} if seq else {}))
    new = (ev._prev.isnull() | ((ev._secs - ev._prev) >= gap * 60)).cast("int64")
    ev = ev.mutate(_new=new)
    cw = ibis.cumulative_window(group_by=ev.actor, order_by=[ev[c.get_name()] for c in ordering])
    ev = ev.mutate(session_no=(ev._new.sum().over(cw) - 1).cast("int64"))
    key = ev.actor.concat("#", ev.session_no.cast("string"))
    if source_sessions:
        key = ibis.coalesce(ev.session_id, key)
    ev = ev.mutate(session_key=key)
    return ev.drop("_secs", "_prev", "_new")


def sessions(
    events: ibis.Table,
    *,
    gap_minutes: float = 30,
    source_sessions: bool = False,
    exclude: Sequence[str] = SYSTEM_EVENTS,
    conversion: str = "purchase",
) -> ibis.Table:
    """One row per session: actor, start, end, number of events, channel, converted.

    Parameters
    ----------
    events
        The ``events`` table, or the output of :func:`sessionize` (then the other parameters
        except ``conversion`` are not used).
    gap_minutes, source_sessions, exclude
        As in :func:`sessionize`.
    conversion
        The event name that makes a session *converted* (default ``"purchase"``).

    Returns
    -------
    ibis.Table
        ``session_key, actor, customer_id, start, end, duration_seconds, n_events, channel,
        converted`` where ``channel`` is the channel of the session's first event and
        ``converted`` is true when the session has a ``conversion`` event.

    Examples
    --------
    >>> sessions(store.table("events")).converted.mean().execute()  # doctest: +SKIP
    """
    if "session_no" not in events.columns and use_buckets(_check_gap(gap_minutes, "sessions"), source_sessions):
        # one window pass over time buckets instead of two over every event (see _buckets)
        check_columns(events, ("channel",), what="events")
        return sessions_from_buckets(
            session_buckets(events, gap_minutes=gap_minutes, exclude=exclude, by="channel", conversion=conversion)
        )
    if "session_no" in events.columns:  # already sessionised (sessionize, or the step's shared table)
        ev = events
        keys = ["session_key"] if source_sessions and "session_key" in events.columns else ["actor", "session_no"]
    else:
        # only what the aggregates read travels through the windows; grouping by (actor, session_no)
        # and building the text key after the aggregation keeps strings out of the 1-row-per-event work
        ev = _sessionize(
            events,
            gap_minutes=gap_minutes,
            source_sessions=source_sessions,
            exclude=exclude,
            seq=False,
            keep=["customer_id", "channel", "name"],
        )
        keys = ["session_key"] if source_sessions else ["actor", "session_no"]
    secs = epoch_seconds(ev.occurred_at)
    aggs = {
        "customer_id": ev.customer_id.max(),
        "start": ev.occurred_at.min(),
        "end": ev.occurred_at.max(),
        "n_events": ev.count(),
        "channel": ev.channel.argmin(secs),  # the first event's (at the same instant: any of them)
        "converted": (ev.name == conversion).any(),
        "_s0": secs.min(),
        "_s1": secs.max(),
    }
    if "actor" not in keys:
        aggs["actor"] = ev.actor.min()
    out = ev.group_by(keys).aggregate(**aggs)
    if "session_key" not in keys:
        out = out.mutate(session_key=out.actor.concat("#", out.session_no.cast("string")))
    return out.mutate(duration_seconds=(out._s1 - out._s0).cast("int64")).select(
        "session_key",
        "actor",
        "customer_id",
        "start",
        "end",
        "duration_seconds",
        "n_events",
        "channel",
        "converted",
    )

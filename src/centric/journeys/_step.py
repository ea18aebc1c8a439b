"""The journeys step of the main job: sessions, funnels, top paths, friction points, stages.

Adds ``results.summary["journeys"]`` (JSON-ready numbers) and the frames ``funnel``,
``funnel_by_channel``, ``paths``, ``friction``, ``stages`` (and ``funnel_by_persona``,
``stages_by_persona`` when the store holds a persona per customer). :func:`figures` draws them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import ibis
import pandas as pd

from centric.exceptions import CentricError
from centric.journeys._buckets import session_buckets, sessions_from_buckets, use_buckets
from centric.journeys._common import DEFAULT_STEPS, SYSTEM_EVENTS, plain
from centric.journeys._feedback import NEGATIVE_RULES
from centric.journeys._friction import FRICTION_COLUMNS, rank_friction
from centric.journeys._funnel import MISSING, _frame, bucket_counts, funnel, funnel_and_cut
from centric.journeys._paths import top_paths
from centric.journeys._sessions import _check_gap, _sessionize, sessions
from centric.journeys._stages import stage_table, stage_tables

__all__ = ["PERSONA_SOURCES", "journeys_step", "persona_column"]

#: Where a persona per customer may be stored: (table, column), first found wins.
PERSONA_SOURCES: tuple[tuple[str, str], ...] = (
    ("customer_personas", "persona_name_en"),
    ("customer_personas", "persona"),
    ("personas", "persona"),
    ("customer_scores", "persona"),
)
_FUNNEL_KEYS = [
    "step",
    "next_step",
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
_FRICTION_KEYS = list(FRICTION_COLUMNS)  # the summary keeps every friction column


def persona_column(store: Any) -> ibis.Table | None:
    """``customer_id, persona`` from the first of :data:`PERSONA_SOURCES` the store has, else ``None``."""
    for table, col in PERSONA_SOURCES:
        if store.has_table(table):
            t = store.table(table)
            if "customer_id" in t.columns and col in t.columns:
                return t.select("customer_id", persona=t[col].cast("string")).distinct()
    return None


def _rows(frame: pd.DataFrame, keys: Sequence[str]) -> list[dict[str, Any]]:
    return [{k: plain(r.get(k)) for k in keys} for r in frame.to_dict("records")]


def _funnel_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in _rows(frame, _FUNNEL_KEYS):
        r["n"] = r.pop("entered")
        out.append(r)
    return out


def journeys_step(
    store: Any,
    results: Any,
    as_of: pd.Timestamp | None = None,
    *,
    steps: Sequence[str] = DEFAULT_STEPS,
    gap_minutes: float = 30,
) -> None:
    """Compute sessions, the main funnel (overall, by channel, by persona), top paths and friction points.

    Parameters
    ----------
    store
        The :class:`~centric.store.Store`.
    results
        The run's :class:`~centric.pipeline.Results`: writes ``summary["journeys"]`` and frames.
    as_of
        Only events (and answers, tickets) up to this instant are used.
    steps, gap_minutes
        The funnel and the session rule.
    """
    summary, frames = results.summary, results.frames
    t0 = time.perf_counter()
    events, feedback, tickets = store.table("events"), store.table("feedback"), store.table("tickets")
    if as_of is not None:
        cut = pd.Timestamp(as_of)
        cut = cut.tz_localize("UTC") if cut.tzinfo is None else cut.tz_convert("UTC")
        lit = ibis.literal(cut.to_pydatetime(), type="timestamp('UTC')")
        events = events.filter(events.occurred_at <= lit)
        feedback = feedback.filter(feedback.submitted_at <= lit)
        tickets = tickets.filter(tickets.opened_at <= lit)
    out: dict[str, Any] = {
        "steps": list(steps),
        "gap_minutes": gap_minutes,
        "unit": "session",
        "negative_rules": dict(NEGATIVE_RULES),
    }
    summary["journeys"] = out
    try:
        n_funnel = int(events.filter(events.name == steps[0]).count().execute())
        if n_funnel == 0:
            summary.setdefault("warnings", []).append(
                f"journeys: no '{steps[0]}' events, so there is no funnel to follow."
            )
            out["status"] = "no events"
            return
        clock = _Clock(out)
        sess_funnels = _bucket_part if use_buckets(_check_gap(gap_minutes, "journeys"), False) else _window_part
        overall, by_channel, fp = sess_funnels(store, events, out, steps, gap_minutes, clock)
        frames["funnel"], frames["funnel_by_channel"] = overall, by_channel
        out["funnel"] = _funnel_json(overall)
        out["funnel_by_channel"] = {str(g): _funnel_json(part) for g, part in by_channel.groupby("channel")}
        if fp is not None:
            frames["funnel_by_persona"] = fp
            out["funnel_by_persona"] = {str(g): _funnel_json(p) for g, p in fp.groupby("persona")}
        friction = rank_friction(overall, by_channel, by="channel", feedback=feedback, tickets=tickets)
        frames["friction"] = friction
        out["friction"] = _rows(friction, _FRICTION_KEYS)
        out["friction_found"] = int(friction["is_friction"].sum())
        clock.lap("friction")
        paths = top_paths(events, to=steps[-1])
        clock.lap("paths")
        frames["paths"] = paths
        out["paths"] = {
            "converters": paths.attrs.get("converters", 0),
            "distinct": paths.attrs.get("distinct", 0),
            "top": _rows(paths, ["rank", "path", "steps", "truncated", "customers", "share"]),
        }
        personas = persona_column(store)
        if personas is not None:  # one pass over the events for both tables
            stages, sp = stage_tables(events, feedback, personas, by="persona")
            frames["stages_by_persona"] = sp
            out["stages_by_persona"] = _rows(sp, list(sp.columns))
        else:
            stages = stage_table(events, feedback)
        frames["stages"] = stages
        out["stages"] = _rows(stages, list(stages.columns))
        clock.lap("stages")
        out["status"] = "ok"
    except CentricError as exc:
        summary.setdefault("warnings", []).append(f"journeys: {exc}")
        out["status"] = "failed"
    finally:
        out["seconds"] = round(time.perf_counter() - t0, 3)


class _Clock:
    """Seconds per part of the step, into ``out["timings"]``."""

    def __init__(self, out: dict[str, Any]) -> None:
        self.t = time.perf_counter()
        self.timings: dict[str, float] = out.setdefault("timings", {})

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.t, 3)
        self.t = now


def _sessions_json(out: dict[str, Any], sess: ibis.Table) -> None:
    per_channel = (
        sess.group_by("channel")
        .aggregate(
            sessions=sess.count(),
            converted=sess.converted.cast("int64").sum(),
            median_seconds=sess.duration_seconds.median(),
        )
        .execute()
        .sort_values("channel")
        .reset_index(drop=True)
    )
    out["sessions"] = {
        "n": int(per_channel["sessions"].sum()),
        "converted": int(per_channel["converted"].sum()),
        "by_channel": _rows(per_channel, ["channel", "sessions", "converted", "median_seconds"]),
    }


_Parts = tuple[pd.DataFrame, pd.DataFrame, "pd.DataFrame | None"]


def _bucket_part(
    store: Any, events: ibis.Table, out: dict[str, Any], steps: Sequence[str], gap: float, clock: _Clock | None = None
) -> _Parts:
    """Sessions and the funnels (overall, by channel, by persona) from one bucket table (see ``_buckets``).

    The persona of a session is its actor's (a customer's persona; ``"(unknown)"`` for
    anonymous visitors), so the persona cut reuses the overall sessions' reach times.
    """
    common = {"gap_minutes": gap, "exclude": SYSTEM_EVENTS}
    lap = clock.lap if clock is not None else (lambda name: None)
    with session_buckets(events, by="channel", steps=steps, conversion="purchase", **common).cache() as bt:
        lap("session_buckets")
        _sessions_json(out, sessions_from_buckets(bt))
        lap("sessions")
        (cut,) = bucket_counts(bt, events, steps, by="channel", **common)
        lap("funnel_by_channel")
        personas = persona_column(store)
        fp = None
        if personas is None:
            (overall,) = bucket_counts(bt, events, steps, by=None, **common)
        else:
            # one persona per customer (the persona step writes one; a second row must not count a session twice)
            personas = personas.group_by("customer_id").aggregate(persona=personas.persona.min())

            def attach(units: ibis.Table) -> ibis.Table:
                # a customer's sessions get their persona (an equality join: anonymous actors have no key)
                units = units.mutate(_cid=ibis.ifelse(units._known, units.actor, ibis.null("string")))
                w = units.left_join(personas, units._cid == personas.customer_id)
                return w.mutate(persona=w.persona.cast("string").fill_null(MISSING))

            overall, counts = bucket_counts(
                bt, events, steps, by=None, attach=attach, groups=[None, "persona"], **common
            )
            fp = _frame(counts, steps, by="persona", min_n=30, confidence=0.95)
        lap("funnel_and_by_persona")
    return (
        _frame(overall, steps, by=None, min_n=30, confidence=0.95),
        _frame(cut, steps, by="channel", min_n=30, confidence=0.95),
        fp,
    )


def _window_part(
    store: Any, events: ibis.Table, out: dict[str, Any], steps: Sequence[str], gap: float, clock: _Clock | None = None
) -> _Parts:
    """:func:`_bucket_part` with the per-event window (gaps under a minute)."""
    with _sessionize(
        events,
        gap_minutes=gap,
        source_sessions=False,
        exclude=SYSTEM_EVENTS,
        seq=False,
        keep=["customer_id", "channel", "name"],
    ).cache() as shared:
        _sessions_json(out, sessions(shared))
        overall, by_channel = funnel_and_cut(shared, steps, by="channel", gap_minutes=gap)
    fp = None
    personas = persona_column(store)
    if personas is not None:
        ev_p = events.left_join(personas, "customer_id").drop("customer_id_right")
        fp = funnel(ev_p, steps, by="persona", gap_minutes=gap)
    if clock is not None:
        clock.lap("sessions_and_funnels")
    return overall, by_channel, fp

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
from centric.journeys._common import DEFAULT_STEPS, SYSTEM_EVENTS, plain
from centric.journeys._feedback import NEGATIVE_RULES
from centric.journeys._friction import FRICTION_COLUMNS, rank_friction
from centric.journeys._funnel import funnel, funnel_and_cut
from centric.journeys._paths import top_paths
from centric.journeys._sessions import _sessionize, sessions
from centric.journeys._stages import stage_table

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
        # one sessionisation, materialised once, for the sessions table and both funnels
        with _sessionize(
            events, gap_minutes=gap_minutes, source_sessions=False, exclude=SYSTEM_EVENTS, seq=False,
            keep=["customer_id", "channel", "name"],
        ).cache() as shared:
            sess = sessions(shared)
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
            # one sessionisation for both cuts (the by-channel step events also give the overall funnel)
            overall, by_channel = funnel_and_cut(shared, steps, by="channel", gap_minutes=gap_minutes)
        frames["funnel"], frames["funnel_by_channel"] = overall, by_channel
        out["funnel"] = _funnel_json(overall)
        out["funnel_by_channel"] = {str(g): _funnel_json(part) for g, part in by_channel.groupby("channel")}
        friction = rank_friction(overall, by_channel, by="channel", feedback=feedback, tickets=tickets)
        frames["friction"] = friction
        out["friction"] = _rows(friction, _FRICTION_KEYS)
        out["friction_found"] = int(friction["is_friction"].sum())
        paths = top_paths(events, to=steps[-1])
        frames["paths"] = paths
        out["paths"] = {
            "converters": paths.attrs.get("converters", 0),
            "distinct": paths.attrs.get("distinct", 0),
            "top": _rows(paths, ["rank", "path", "steps", "truncated", "customers", "share"]),
        }
        stages = stage_table(events, feedback)
        frames["stages"] = stages
        out["stages"] = _rows(stages, list(stages.columns))
        personas = persona_column(store)
        if personas is not None:
            ev_p = events.left_join(personas, "customer_id").drop("customer_id_right")
            fp = funnel(ev_p, steps, by="persona", gap_minutes=gap_minutes)
            sp = stage_table(ev_p, feedback, by="persona")
            frames["funnel_by_persona"], frames["stages_by_persona"] = fp, sp
            out["funnel_by_persona"] = {str(g): _funnel_json(p) for g, p in fp.groupby("persona")}
            out["stages_by_persona"] = _rows(sp, list(sp.columns))
        out["status"] = "ok"
    except CentricError as exc:
        summary.setdefault("warnings", []).append(f"journeys: {exc}")
        out["status"] = "failed"
    finally:
        out["seconds"] = round(time.perf_counter() - t0, 3)

"""The stage model (awareness → consideration → purchase → retention → advocacy) and its table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import ibis
import numpy as np
import pandas as pd

from centric.exceptions import InvalidParameterError
from centric.journeys._common import SYSTEM_EVENTS, check_columns
from centric.journeys._feedback import polarity
from centric.metrics._intervals import wilson_interval

__all__ = ["DEFAULT_STAGES", "STAGE_COLUMNS", "StageModel", "stage_table"]

DEFAULT_STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")
_EVENTS = MappingProxyType(
    {
        "page_view": "awareness",
        "email_open": "awareness",
        "email_click": "awareness",
        "product_view": "consideration",
        "add_to_cart": "consideration",
        "begin_checkout": "purchase",
        "purchase": "purchase",
        "referral": "advocacy",
        "review": "advocacy",
    }
)
_TOUCHPOINTS = MappingProxyType(
    {
        "website": "awareness",
        "product_page": "consideration",
        "checkout": "purchase",
        "delivery": "retention",
        "support_ticket": "retention",
        "post_purchase": "advocacy",
    }
)
STAGE_COLUMNS = [
    "position",
    "stage",
    "customers",
    "share_of_first",
    "conversion",
    "low",
    "high",
    "feedback_n",
    "negative_share",
    "positive_share",
    "sentiment",
]


@dataclass(frozen=True)
class StageModel:
    """Which event (or answer) puts a customer in which stage of the journey.

    Parameters
    ----------
    stages
        Stage names in journey order.
    events
        Event name → stage. Events not named are ignored.
    repeat_events
        Events that mean *retention* when they come after the customer's first
        ``first_purchase`` event (a repeat purchase, a click on a campaign).
    first_purchase
        The event that marks the first purchase.
    promoter_min
        An NPS answer at or above this score puts the customer in ``advocacy``.
    touchpoints
        Survey touchpoint → stage, for the sentiment of each stage.

    Examples
    --------
    >>> m = StageModel()
    >>> m.stage_of("add_to_cart")
    'consideration'
    >>> StageModel(events={**StageModel().events, "wishlist_add": "consideration"}).stage_of("wishlist_add")
    'consideration'
    """

    stages: tuple[str, ...] = DEFAULT_STAGES
    events: Mapping[str, str] = field(default_factory=lambda: dict(_EVENTS))
    repeat_events: tuple[str, ...] = ("purchase", "email_click")
    first_purchase: str = "purchase"
    promoter_min: float = 9.0
    touchpoints: Mapping[str, str] = field(default_factory=lambda: dict(_TOUCHPOINTS))
    retention_stage: str = "retention"
    advocacy_stage: str = "advocacy"

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        if len(stages) < 2 or len(set(stages)) != len(stages):
            raise InvalidParameterError(
                f"A StageModel needs at least two distinct stages. Got {list(stages)!r}."
            )
        for what, mapping in (("events", self.events), ("touchpoints", self.touchpoints)):
            bad = sorted({v for v in mapping.values() if v not in stages})
            if bad:
                raise InvalidParameterError(
                    f"StageModel {what} map to unknown stage(s) {bad}; the stages are {list(stages)}."
                )
        for name in ("retention_stage", "advocacy_stage"):
            if getattr(self, name) not in stages:
                raise InvalidParameterError(
                    f"StageModel {name} {getattr(self, name)!r} is not one of the stages {list(stages)}."
                )
        object.__setattr__(self, "stages", stages)

    def stage_of(self, name: str) -> str | None:
        """The stage of event ``name`` (before any first purchase), or ``None``."""
        return self.events.get(name)

    def event_stages(self, events: ibis.Table) -> ibis.Table:
        """``actor, stage`` for every event that maps to a stage (repeat events become retention)."""
        ev = events.filter(events.customer_id.notnull() | events.anonymous_id.notnull())
        ev = ev.mutate(actor=ibis.coalesce(ev.customer_id, ev.anonymous_id))
        buy = ibis.ifelse(ev.name == self.first_purchase, ev.occurred_at, ibis.null(ev.occurred_at.type()))
        ev = ev.mutate(_first=buy.min().over(ibis.window(group_by=ev.actor)))
        repeat = ev.name.isin(list(self.repeat_events)) & ev._first.notnull() & (ev.occurred_at > ev._first)
        mapped = ibis.cases(*[(ev.name == k, v) for k, v in self.events.items()], else_=ibis.null("string"))
        ev = ev.mutate(stage=ibis.ifelse(repeat, ibis.literal(self.retention_stage), mapped))
        return ev.filter(ev.stage.notnull())


def stage_table(
    events: ibis.Table,
    feedback: ibis.Table | None = None,
    *,
    model: StageModel | None = None,
    by: str | None = None,
    exclude: Sequence[str] = SYSTEM_EVENTS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How many customers reach each stage, how many move on, and how they feel there.

    A customer (an actor: ``customer_id``, else ``anonymous_id``) *reaches* a stage with any
    event that maps to it (:class:`StageModel`); promoters (NPS ≥ ``promoter_min``) reach
    advocacy. Conversion into stage ``k`` is the share of customers in stage ``k − 1`` who also
    reached stage ``k`` (Wilson interval). Sentiment is the share of positive minus the share of
    negative answers at the touchpoints of the stage (see :func:`~centric.journeys.polarity`).

    Parameters
    ----------
    events, feedback
        The store's tables; ``feedback`` is optional (no advocacy by NPS and no sentiment without it).
    model
        The stage model (default :class:`StageModel()`).
    by
        Optional column of ``events`` (a persona joined by the caller) to give one journey per value.
        Sentiment is cut by it too when ``feedback`` has the same column.
    exclude
        Event names left out (default: campaign sends).
    confidence
        Level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per stage (and ``by`` value): ``position, stage, customers, share_of_first,
        conversion, low, high, feedback_n, negative_share, positive_share, sentiment``.
    """
    model = model or StageModel()
    check_columns(events, ("customer_id", "anonymous_id", "occurred_at", "name"), what="events")
    if by is not None:
        check_columns(events, (by,), what="events")
    ev = events.filter(~events.name.isin(list(exclude))) if exclude else events
    staged = model.event_stages(ev)
    long = staged.select("actor", "stage")
    if feedback is not None:
        fb = feedback.filter(
            (feedback.instrument == "nps")
            & (feedback.score >= model.promoter_min)
            & feedback.customer_id.notnull()
        )
        long = long.union(
            fb.select(actor=fb.customer_id, stage=ibis.literal(model.advocacy_stage)), distinct=False
        )
    flags = long.group_by("actor").aggregate(
        **{f"f{i}": (long.stage == s).any().cast("int64") for i, s in enumerate(model.stages)}
    )
    group: list[str] = []
    if by is not None:
        who = ev.filter(ev.customer_id.notnull() | ev.anonymous_id.notnull())
        who = who.mutate(actor=ibis.coalesce(who.customer_id, who.anonymous_id))
        who = who.group_by("actor").aggregate(_by=who[by].cast("string").max())
        flags = flags.left_join(who, "actor").drop("actor_right")
        flags = flags.mutate(**{by: flags._by.fill_null("(unknown)")}).drop("_by")
        group = [by]
    aggs = {}
    for i in range(len(model.stages)):
        aggs[f"n{i}"] = flags[f"f{i}"].sum()
        if i:
            aggs[f"b{i}"] = (flags[f"f{i}"] * flags[f"f{i - 1}"]).sum()
    counts = (flags.group_by(group).aggregate(**aggs) if group else flags.aggregate(**aggs)).execute()
    sentiment = _sentiment(feedback, model, by)
    rows = []
    for _, r in counts.iterrows():
        first = float(r["n0"] or 0)
        for i, stage in enumerate(model.stages):
            n = int(r[f"n{i}"] or 0)
            prev = int(r[f"n{i - 1}"] or 0) if i else 0
            both = int(r[f"b{i}"] or 0) if i else 0
            row = {} if by is None else {by: r[by]}
            row.update(
                position=i,
                stage=stage,
                customers=n,
                share_of_first=n / first if first else np.nan,
                _k=both,
                _n=prev,
            )
            rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=([by] if by else []) + STAGE_COLUMNS)
    k, n = out.pop("_k").to_numpy(float), out.pop("_n").to_numpy(float)
    low, high = wilson_interval(k, n, confidence=confidence)
    first_row = out["position"].to_numpy() == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out["conversion"] = np.where(first_row | (n == 0), np.nan, k / n)
    out["low"] = np.where(first_row, np.nan, low)
    out["high"] = np.where(first_row, np.nan, high)
    out = _join_sentiment(out, sentiment, by)
    if by is not None:
        out = out.sort_values([by, "position"], kind="stable").reset_index(drop=True)
    return out[([by] if by else []) + STAGE_COLUMNS]


def _sentiment(feedback: ibis.Table | None, model: StageModel, by: str | None) -> pd.DataFrame | None:
    if feedback is None:
        return None
    fb = polarity(feedback)
    stage = ibis.cases(
        *[(fb.touchpoint == k, v) for k, v in model.touchpoints.items()], else_=ibis.null("string")
    )
    fb = fb.mutate(stage=stage).filter(stage.notnull())
    group = ["stage"] + ([by] if by is not None and by in feedback.columns else [])
    if len(group) > 1:
        fb = fb.mutate(**{by: fb[by].cast("string").fill_null("(unknown)")})
    return (
        fb.group_by(group)
        .aggregate(
            feedback_n=fb.count(), _neg=fb.negative.cast("int64").sum(), _pos=fb.positive.cast("int64").sum()
        )
        .execute()
    )


def _join_sentiment(out: pd.DataFrame, s: pd.DataFrame | None, by: str | None) -> pd.DataFrame:
    if s is None or s.empty:
        out["feedback_n"] = 0
        for c in ("negative_share", "positive_share", "sentiment"):
            out[c] = np.nan
        return out
    keys = [c for c in s.columns if c in ("stage", by)]
    out = out.merge(s, on=keys, how="left")
    n = out["feedback_n"].fillna(0).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["negative_share"] = np.where(n > 0, out["_neg"].to_numpy(float) / n, np.nan)
        out["positive_share"] = np.where(n > 0, out["_pos"].to_numpy(float) / n, np.nan)
    out["sentiment"] = out["positive_share"] - out["negative_share"]
    out["feedback_n"] = n.astype("int64")
    return out.drop(columns=["_neg", "_pos"])

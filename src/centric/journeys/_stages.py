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

__all__ = ["DEFAULT_STAGES", "STAGE_COLUMNS", "StageModel", "actor_flags", "stage_table", "stage_tables"]

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
            raise InvalidParameterError(f"A StageModel needs at least two distinct stages. Got {list(stages)!r}.")
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
    ev = _checked(events, by, exclude)
    with actor_flags(ev, feedback, model, by=by).cache() as flags:
        counts = _counts(flags, model, [by] if by is not None else [])
    return _frame(counts, _sentiment(feedback, model, by), model, by, confidence)


def stage_tables(
    events: ibis.Table,
    feedback: ibis.Table | None,
    customer_attr: ibis.Table,
    *,
    by: str,
    model: StageModel | None = None,
    exclude: Sequence[str] = SYSTEM_EVENTS,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`stage_table` overall and cut by a customer attribute, from one pass over the events.

    ``customer_attr`` holds ``customer_id`` and ``by`` (a persona per customer); a customer's
    actor gets its value, anonymous visitors ``"(unknown)"``. The same as
    ``stage_table(events joined with customer_attr, by=by)`` without joining every event.
    """
    model = model or StageModel()
    check_columns(customer_attr, ("customer_id", by), what="customer attribute")
    ev = _checked(events, None, exclude)
    with actor_flags(ev, feedback, model, by=None).cache() as flags:
        overall = _counts(flags, model, [])
        key = flags.mutate(_cid=ibis.ifelse(flags._known, flags.actor, ibis.null("string")))
        attr = customer_attr.select("customer_id", _v=customer_attr[by])
        cut = key.left_join(attr, key._cid == attr.customer_id)
        cut = cut.mutate(**{by: cut._v.cast("string").fill_null("(unknown)")})
        by_counts = _counts(cut, model, [by])
    sentiment = _sentiment(feedback, model, None)
    return (
        _frame(overall, sentiment, model, None, confidence),
        _frame(by_counts, sentiment, model, by, confidence),
    )


def _checked(events: ibis.Table, by: str | None, exclude: Sequence[str]) -> ibis.Table:
    check_columns(events, ("customer_id", "anonymous_id", "occurred_at", "name"), what="events")
    if by is not None:
        check_columns(events, (by,), what="events")
    return events.filter(~events.name.isin(list(exclude))) if exclude else events


def actor_flags(
    events: ibis.Table, feedback: ibis.Table | None, model: StageModel, *, by: str | None = None
) -> ibis.Table:
    """``actor, f0, f1, …`` (1 when the actor reached stage ``k``), ``_known`` and ``by``: one group-by.

    The same stages as :meth:`StageModel.event_stages` without a window: per actor, the first
    ``first_purchase`` (``_fb``), the last repeat event (``_lr``) and the first time of each
    repeat event that maps to a stage. An event maps to its stage unless it is a repeat event
    after the first purchase; such an event of name ``n`` exists exactly when the first ``n``
    comes at or before ``_fb`` (or there is no purchase), and retention by repeat exactly when
    ``_lr > _fb``. Promoters reach advocacy.
    """
    ev = events.filter(events.customer_id.notnull() | events.anonymous_id.notnull())
    ev = ev.mutate(actor=ibis.coalesce(ev.customer_id, ev.anonymous_id))
    t = ev.occurred_at
    repeat = list(model.repeat_events)
    aggs: dict[str, ibis.Value] = {
        "_fb": t.min(where=ev.name == model.first_purchase),
        "_lr": t.max(where=ev.name.isin(repeat)),
        "_known": ev.customer_id.notnull().any(),
    }
    if by is not None:
        aggs["_by"] = ev[by].cast("string").max()
    plain: dict[int, list[str]] = {}
    firsts: dict[int, list[str]] = {}
    for name, stage in model.events.items():
        i = model.stages.index(stage)
        (firsts if name in repeat else plain).setdefault(i, []).append(name)
    for i, names in plain.items():
        aggs[f"_p{i}"] = ev.name.isin(names).any()
    for i, names in firsts.items():
        for j, name in enumerate(names):
            aggs[f"_r{i}_{j}"] = t.min(where=ev.name == name)
    g = ev.group_by("actor").aggregate(**aggs)
    flags = {}
    for i, stage in enumerate(model.stages):
        hit = ibis.literal(False)
        if i in plain:
            hit = hit | g[f"_p{i}"].fill_null(False)
        for j in range(len(firsts.get(i, []))):
            r = g[f"_r{i}_{j}"]
            hit = hit | (r.notnull() & (g._fb.isnull() | (r <= g._fb)))
        if stage == model.retention_stage:
            hit = hit | (g._fb.notnull() & g._lr.notnull() & (g._lr > g._fb))
        flags[f"f{i}"] = hit.cast("int64")
    extra = {"_by": g._by} if by is not None else {}
    out = g.select("actor", "_known", **extra, **flags)
    if feedback is not None:
        fb = feedback.filter(
            (feedback.instrument == "nps") & (feedback.score >= model.promoter_min) & feedback.customer_id.notnull()
        )
        adv = model.stages.index(model.advocacy_stage)
        promoters = fb.select(
            actor=fb.customer_id,
            _known=ibis.literal(True),
            **({"_by": ibis.null("string")} if by is not None else {}),
            **{f"f{i}": ibis.literal(int(i == adv), type="int64") for i in range(len(model.stages))},
        )
        both = out.union(promoters, distinct=False)
        out = both.group_by("actor").aggregate(
            _known=both._known.any(),
            **({"_by": both._by.max()} if by is not None else {}),
            **{f"f{i}": both[f"f{i}"].max() for i in range(len(model.stages))},
        )
    if by is not None:
        out = out.mutate(**{by: out._by.fill_null("(unknown)")}).drop("_by")
    return out


def _counts(flags: ibis.Table, model: StageModel, group: list[str]) -> pd.DataFrame:
    aggs = {}
    for i in range(len(model.stages)):
        aggs[f"n{i}"] = flags[f"f{i}"].sum()
        if i:
            aggs[f"b{i}"] = (flags[f"f{i}"] * flags[f"f{i - 1}"]).sum()
    return (flags.group_by(group).aggregate(**aggs) if group else flags.aggregate(**aggs)).execute()


def _frame(
    counts: pd.DataFrame, sentiment: pd.DataFrame | None, model: StageModel, by: str | None, confidence: float
) -> pd.DataFrame:
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
    stage = ibis.cases(*[(fb.touchpoint == k, v) for k, v in model.touchpoints.items()], else_=ibis.null("string"))
    fb = fb.mutate(stage=stage).filter(stage.notnull())
    group = ["stage"] + ([by] if by is not None and by in feedback.columns else [])
    if len(group) > 1:
        fb = fb.mutate(**{by: fb[by].cast("string").fill_null("(unknown)")})
    return (
        fb.group_by(group)
        .aggregate(feedback_n=fb.count(), _neg=fb.negative.cast("int64").sum(), _pos=fb.positive.cast("int64").sum())
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

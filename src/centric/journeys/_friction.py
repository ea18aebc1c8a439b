"""Friction points: where a channel (or persona) drops off more than expected, and what customers said."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import ibis
import numpy as np
import pandas as pd

from centric.i18n import fmt_number, fmt_percent
from centric.journeys._common import DEFAULT_STEPS, SYSTEM_EVENTS, check_steps, label, plain, step_name
from centric.journeys._feedback import polarity
from centric.journeys._funnel import funnel

__all__ = ["DEFAULT_TICKET_TOPICS", "DEFAULT_TOUCHPOINTS", "FRICTION_COLUMNS", "friction_points"]

#: The survey touchpoint of each funnel step (``"a→b"``): where answers about that step are given.
DEFAULT_TOUCHPOINTS: Mapping[str, str] = MappingProxyType(
    {
        step_name("page_view", "product_view"): "website",
        step_name("product_view", "add_to_cart"): "product_page",
        step_name("add_to_cart", "begin_checkout"): "cart",
        step_name("begin_checkout", "purchase"): "checkout",
    }
)
#: Words in a ticket topic (lower case, vi and en) that tie the ticket to a step.
DEFAULT_TICKET_TOPICS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        step_name("begin_checkout", "purchase"): ("thanh toán", "thanh toan", "payment", "checkout"),
        step_name("add_to_cart", "begin_checkout"): ("giỏ hàng", "gio hang", "cart"),
    }
)
FRICTION_COLUMNS = [
    "rank",
    "step",
    "touchpoint",
    "group",
    "entered",
    "dropped",
    "drop_off",
    "expected_drop_off",
    "ratio",
    "z",
    "excess_drop_offs",
    "feedback_n",
    "negative_n",
    "negative_share",
    "expected_negative_share",
    "z_negative",
    "ces_mean",
    "ces_n",
    "csat_mean",
    "csat_n",
    "tickets",
    "negative_comments",
    "score",
    "is_friction",
    "sentence_en",
    "sentence_vi",
]


def friction_points(
    events: ibis.Table,
    feedback: ibis.Table | None = None,
    tickets: ibis.Table | None = None,
    *,
    steps: Sequence[str] = DEFAULT_STEPS,
    by: str = "channel",
    touchpoints: Mapping[str, str] = DEFAULT_TOUCHPOINTS,
    ticket_topics: Mapping[str, Sequence[str]] = DEFAULT_TICKET_TOPICS,
    within: str = "session",
    gap_minutes: float = 30,
    exclude: Sequence[str] = SYSTEM_EVENTS,
    min_n: int = 30,
    z_threshold: float = 1.96,
    min_ratio: float = 1.25,
) -> pd.DataFrame:
    """Rank funnel steps × groups by how much worse they are than expected, with their evidence.

    For each step ``a→b`` of the funnel and each value ``g`` of ``by`` (a channel by default):

    * **drop-off vs expectation**: the share of units that reached ``a`` in ``g`` but not ``b``,
      against the *expected* drop-off, the same step's drop-off over all groups together; the
      ratio, a z score ``(d − e) / sqrt(e(1 − e) / n)`` and the drop-offs in excess of expectation;
    * **what customers said there**: the answers at the step's touchpoint (``touchpoints``) in
      ``g`` (when ``feedback`` has the ``by`` column, as it has ``channel``), the CES 2.0 and CSAT
      means, the share of negative answers (NPS ≤ 6, CSAT ≤ 2, CES 2.0 ≤ 3) against that share
      over all groups (with a z score) and the most frequent negative comments;
    * **support tickets** whose topic names the step (``ticket_topics``), over all groups.

    Rows are ranked by ``score = max(z, 0) + max(z_negative, 0)``: a step that loses more
    customers than expected *and* where customers complain more comes first. ``is_friction``
    marks rows whose drop-off is clearly (``z ≥ z_threshold``) and materially (at least
    ``min_ratio`` × expected) above expectation, on at least ``min_n`` units. Each row carries a
    sentence in English and in Vietnamese.

    Parameters
    ----------
    events, feedback, tickets
        The store's tables (feedback and tickets are optional).
    steps
        The funnel (default page_view → … → purchase).
    by
        Column of ``events`` to compare (default ``"channel"``; a persona column joined by the
        caller works too).
    touchpoints
        Step key ``"a→b"`` → the survey ``touchpoint`` about that step.
    ticket_topics
        Step key → words that, found in a ticket's ``topic`` (case-insensitive), tie it to the step.
    within, gap_minutes, exclude
        Funnel units and session rules, as in :func:`~centric.journeys.funnel`.
    min_n
        Rows with fewer units are never flagged as friction.
    z_threshold
        z score from which a higher drop-off counts as friction (default 1.96).
    min_ratio
        Drop-off relative to expectation from which it counts as friction (default 1.25: a
        quarter more drop-offs than expected); with large samples tiny differences are significant.

    Returns
    -------
    pandas.DataFrame
        :data:`FRICTION_COLUMNS`, best first (``rank`` from 1).

    Examples
    --------
    >>> tables = [store.table(n) for n in ("events", "feedback", "tickets")]  # doctest: +SKIP
    >>> f = friction_points(*tables)  # doctest: +SKIP
    >>> f.iloc[0]["sentence_en"]  # doctest: +SKIP
    """
    steps = check_steps(steps, func="friction_points")
    kw: dict[str, Any] = {"within": within, "gap_minutes": gap_minutes, "exclude": exclude}
    overall = funnel(events, steps, **kw)
    grouped = funnel(events, steps, by=by, **kw)
    return rank_friction(
        overall,
        grouped,
        by=by,
        feedback=feedback,
        tickets=tickets,
        touchpoints=touchpoints,
        ticket_topics=ticket_topics,
        unit="session" if within == "session" else "customer",
        min_n=min_n,
        z_threshold=z_threshold,
        min_ratio=min_ratio,
    )


def rank_friction(
    overall: pd.DataFrame,
    grouped: pd.DataFrame,
    *,
    by: str,
    feedback: ibis.Table | None = None,
    tickets: ibis.Table | None = None,
    touchpoints: Mapping[str, str] = DEFAULT_TOUCHPOINTS,
    ticket_topics: Mapping[str, Sequence[str]] = DEFAULT_TICKET_TOPICS,
    unit: str = "session",
    min_n: int = 30,
    z_threshold: float = 1.96,
    min_ratio: float = 1.25,
) -> pd.DataFrame:
    """:func:`friction_points` from funnels already computed (overall and cut ``by``)."""
    expected = overall.dropna(subset=["transition"]).set_index("transition")["drop_off"]
    rows = grouped.dropna(subset=["transition"]).copy()
    rows = rows.drop(columns=["step"]).rename(columns={by: "group", "transition": "step"})
    rows["group"] = rows["group"].astype(str)
    rows["touchpoint"] = rows["step"].map(lambda s: touchpoints.get(s))
    rows["dropped"] = (rows["entered"] - rows["converted"].astype(float)).astype("int64")
    rows["expected_drop_off"] = rows["step"].map(expected).astype(float)
    d, e, n = (rows[c].to_numpy(float) for c in ("drop_off", "expected_drop_off", "entered"))
    with np.errstate(invalid="ignore", divide="ignore"):
        rows["ratio"] = np.where(e > 0, d / e, np.nan)
        rows["z"] = np.where((e > 0) & (e < 1) & (n > 0), (d - e) / np.sqrt(e * (1 - e) / n), 0.0)
    rows["excess_drop_offs"] = np.round(n * (d - e), 1)
    rows = _with_feedback(rows, feedback, by)
    rows["tickets"] = _tickets(rows["step"], tickets, ticket_topics)
    z, zn = rows["z"].fillna(0).to_numpy(float), rows["z_negative"].fillna(0).to_numpy(float)
    rows["score"] = np.maximum(z, 0) + np.maximum(zn, 0)
    ratio = rows["ratio"].fillna(0).to_numpy(float)
    rows["is_friction"] = (z >= z_threshold) & (ratio >= min_ratio) & (rows["entered"].to_numpy() >= min_n)
    rows = rows.sort_values(
        ["score", "excess_drop_offs", "step", "group"], ascending=[False, False, True, True], kind="stable"
    ).reset_index(drop=True)
    rows["rank"] = np.arange(1, len(rows) + 1)
    records = rows.to_dict("records")
    rows["sentence_en"] = [_sentence(r, "en", unit, by) for r in records]
    rows["sentence_vi"] = [_sentence(r, "vi", unit, by) for r in records]
    out = rows[FRICTION_COLUMNS].copy()
    out.attrs.update(by=by, unit=unit)
    return out


def _with_feedback(rows: pd.DataFrame, feedback: ibis.Table | None, by: str) -> pd.DataFrame:
    cols = [
        "feedback_n",
        "negative_n",
        "negative_share",
        "expected_negative_share",
        "z_negative",
        "ces_mean",
        "ces_n",
        "csat_mean",
        "csat_n",
    ]
    tps = sorted({t for t in rows["touchpoint"].dropna()})
    if feedback is None or not tps or "touchpoint" not in feedback.columns:
        for c in cols:
            rows[c] = np.nan
        rows["negative_comments"] = [[] for _ in range(len(rows))]
        return rows
    fb = polarity(feedback)
    fb = fb.filter(fb.touchpoint.isin(tps))
    grouped = by in feedback.columns
    g = fb[by].cast("string").fill_null("(unknown)") if grouped else ibis.literal("(all)")
    fb = fb.mutate(_g=g)
    agg = (
        fb.group_by(["touchpoint", "_g"])
        .aggregate(
            feedback_n=fb.count(),
            negative_n=fb.negative.cast("int64").sum(),
            ces_mean=fb.ces2.mean(),
            ces_n=fb.ces2.count(),
            csat_mean=fb.csat_score.mean(),
            csat_n=fb.csat_score.count(),
        )
        .execute()
    )
    tot = agg.groupby("touchpoint")[["feedback_n", "negative_n"]].sum()
    exp_neg = (tot["negative_n"] / tot["feedback_n"]).to_dict()
    if "comment" in feedback.columns:
        neg = fb.filter(fb.negative & fb.comment.notnull() & (fb.comment.strip() != ""))
        com = neg.group_by(["touchpoint", "_g", "comment"]).aggregate(n=neg.count()).execute()
        com = com.sort_values(["n", "comment"], ascending=[False, True], kind="stable")
    else:
        com = pd.DataFrame(columns=["touchpoint", "_g", "comment", "n"])
    key = rows["group"] if grouped else pd.Series("(all)", index=rows.index)
    merged = pd.DataFrame({"touchpoint": rows["touchpoint"], "_g": key}).merge(agg, on=["touchpoint", "_g"], how="left")
    for c in ("feedback_n", "negative_n", "ces_mean", "ces_n", "csat_mean", "csat_n"):
        rows[c] = merged[c].to_numpy()
    nf = rows["feedback_n"].fillna(0).to_numpy(float)
    rows["feedback_n"] = nf.astype("int64")
    for c in ("negative_n", "ces_n", "csat_n"):
        rows[c] = rows[c].fillna(0).astype("int64")
    e = rows["touchpoint"].map(exp_neg).astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(nf > 0, rows["negative_n"].to_numpy(float) / nf, np.nan)
        zn = np.where((nf > 0) & (e > 0) & (e < 1) & grouped, (share - e) / np.sqrt(e * (1 - e) / nf), np.nan)
    rows["negative_share"], rows["expected_negative_share"], rows["z_negative"] = share, e, zn
    rows["negative_comments"] = [
        [
            {"comment": c, "n": int(k)}
            for c, k in com[(com["touchpoint"] == tp) & (com["_g"] == g)][["comment", "n"]]
            .head(3)
            .itertuples(index=False)
        ]
        for tp, g in zip(rows["touchpoint"], key, strict=True)
    ]
    return rows


def _tickets(step: pd.Series, tickets: ibis.Table | None, topics: Mapping[str, Sequence[str]]) -> np.ndarray:
    if tickets is None or "topic" not in tickets.columns or not topics:
        return np.full(len(step), np.nan)
    low = tickets.topic.lower()
    counts = {}
    for key, words in topics.items():
        if not words:
            continue
        hit = ibis.or_(*[low.contains(w.lower()) for w in words])
        counts[key] = int(tickets.filter(hit).count().execute())
    return step.map(lambda s: counts.get(s, np.nan)).to_numpy(float)


_TEXT = {
    "en": {
        "drop": "On {g}, {d} of the {n} {units} that reached {a} did not go on to {b} ({k} {units}), "
        "against {e} across all {groups}: {ratio}× expected (z = {z}, {x} more drop-offs than expected).",
        "less": "On {g}, {d} of the {n} {units} that reached {a} did not go on to {b} ({k} {units}), "
        "against {e} across all {groups}: no more than expected ({ratio}×, z = {z}).",
        "on": {"channel": "the {g} channel"},
        "on_other": "{by} “{g}”",
        "fb": " At the {tp} touchpoint on {g}, {neg} of {nf} survey answers were negative, against {eneg} overall",
        "ces": "; CES 2.0 mean {ces} of 7 (n = {cn})",
        "com": "; most frequent negative comment: “{c}”",
        "tk": " {t} support tickets are about this step (all channels).",
        "units": {"session": "sessions", "customer": "customers"},
        "groups": {"channel": "channels", "persona": "personas", "segment": "segments"},
    },
    "vi": {
        "drop": "Trên {g}, {d} trong {n} {units} đã đến bước {a} không đi tiếp đến {b} ({k} {units}), "
        "so với {e} trên mọi {groups}: gấp {ratio} lần kỳ vọng (z = {z}, nhiều hơn kỳ vọng {x} lượt rời bỏ).",
        "less": "Trên {g}, {d} trong {n} {units} đã đến bước {a} không đi tiếp đến {b} ({k} {units}), "
        "so với {e} trên mọi {groups}: không cao hơn kỳ vọng ({ratio} lần, z = {z}).",
        "on": {"channel": "kênh {g}"},
        "on_other": "nhóm {by} “{g}”",
        "fb": " Tại điểm chạm {tp} trên {g}, {neg} trong {nf} câu trả lời khảo sát là tiêu cực, so với {eneg} chung",
        "ces": "; CES 2.0 trung bình {ces}/7 (n = {cn})",
        "com": "; nhận xét tiêu cực thường gặp nhất: “{c}”",
        "tk": " {t} phiếu hỗ trợ liên quan đến bước này (mọi kênh).",
        "units": {"session": "phiên", "customer": "khách hàng"},
        "groups": {"channel": "kênh", "persona": "chân dung khách hàng", "segment": "phân khúc"},
    },
}


def _sentence(r: dict[str, Any], lang: str, unit: str, by: str) -> str:
    T = _TEXT[lang]
    a, _, b = str(r["step"]).partition("→")

    def pct(x: Any) -> str:
        return fmt_percent(None if x is None or (isinstance(x, float) and math.isnan(x)) else 100 * x, lang)

    def num(x: Any, dec: int = 0) -> str:
        return fmt_number(plain(x), lang, dec)

    group = label(r["group"], lang)
    group = T["on"][by].format(g=group) if by in T["on"] else T["on_other"].format(by=by, g=group)
    worse = float(r["z"] or 0) > 0
    text = T["drop" if worse else "less"].format(
        g=group,
        d=pct(r["drop_off"]),
        n=num(r["entered"]),
        units=T["units"].get(unit, unit),
        a=label(a, lang),
        b=label(b, lang),
        k=num(r["dropped"]),
        e=pct(r["expected_drop_off"]),
        groups=T["groups"].get(by, by + "s" if lang == "en" else by),
        ratio=num(r["ratio"], 1) if pd.notna(r["ratio"]) else "—",
        z=num(r["z"], 1),
        x=num(max(float(r["excess_drop_offs"]), 0.0)),
    )
    if r.get("feedback_n") and pd.notna(r.get("negative_share")):
        text += T["fb"].format(
            tp=label(r["touchpoint"], lang),
            g=group,
            neg=pct(r["negative_share"]),
            nf=num(r["feedback_n"]),
            eneg=pct(r["expected_negative_share"]),
        )
        if r.get("ces_n"):
            text += T["ces"].format(ces=num(r["ces_mean"], 2), cn=num(r["ces_n"]))
        if r.get("negative_comments"):
            text += T["com"].format(c=r["negative_comments"][0]["comment"])
        text += "."
    if pd.notna(r.get("tickets")) and r.get("tickets"):
        text += T["tk"].format(t=num(r["tickets"]))
    return text

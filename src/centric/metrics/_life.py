"""Life Impact Index: how much customers say a brand improves their everyday life.

The items (instrument ``"life_impact"``, answered 1–5) are Centric's own
proposal (DOMAIN.md §2.2 e) and are **not yet a validated scale**: the index is
a descriptive average, to be piloted and validated (CFA, reliability) before it
is called a scale. Answers are health-adjacent wellbeing data (sensitive).
"""

from __future__ import annotations

import ibis
import pandas as pd

from centric._ibis import epoch_seconds
from centric.exceptions import InputError, InvalidParameterError
from centric.metrics._common import (
    DEFAULT_TZ,
    check_by,
    check_table,
    group_labels,
    tz_offset_seconds,
    with_group,
)
from centric.metrics._intervals import check_confidence, t_mean_interval
from centric.metrics._result import MetricResult, check_min_n, group_frame, make_result

__all__ = ["life_impact_index"]

LIFE_DEF = (
    "Life Impact Index: each respondent's mean answer to the 1–5 life-impact items, rescaled to 0–100 "
    "and averaged over response sets, with a t interval; a descriptive index that is not yet a "
    "validated scale."
)
LIFE_DEF_VI = (
    "Chỉ số Tác động đến Cuộc sống: điểm trung bình của mỗi người trả lời cho các câu hỏi tác động đến "
    "cuộc sống thang 1–5, quy đổi sang 0–100 rồi lấy trung bình theo lượt trả lời, kèm khoảng tin cậy t; "
    "đây là chỉ số mô tả, chưa phải là thang đo đã được kiểm định."
)


def life_impact_index(
    feedback: ibis.Table,
    *,
    scale: int = 5,
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    by: str | None = None,
    freq: str = "M",
    tz: str = DEFAULT_TZ,
) -> MetricResult | pd.DataFrame:
    """Life Impact Index (0–100) with a t interval over response sets.

    A *response set* is the life-impact answers one respondent gave in one
    survey on one local day: rows sharing ``survey_id``, the respondent
    (``customer_id``, else ``customer_ref``, else the row's own ``response_id``)
    and the local date of ``submitted_at``. Each set's mean item score ``m``
    (1…scale) is rescaled to ``100 · (m − 1) / (scale − 1)``; the index is the
    mean over sets, and ``n`` counts sets. Scores outside 1…scale are refused.

    Returns a :class:`MetricResult` (unit "index 0–100"; ``extra``: answers,
    mean_items_per_set) or, with ``by``, a DataFrame as for :func:`nps`.
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
        raise InvalidParameterError(
            f"The 'scale' parameter must be an integer ≥ 2 (the top answer). Got {scale!r} instead."
        )
    check_table(feedback, ("instrument", "score", "submitted_at", "response_id"), name="feedback")
    by = check_by(feedback, by, name="feedback")
    conf = check_confidence(confidence)
    min_n, suppress_below = check_min_n(min_n, suppress_below)
    rows = feedback.filter((feedback.instrument == "life_impact") & feedback.score.notnull())
    s = rows.score
    bad = rows.filter((s < 1) | (s > scale)).count().execute()
    if bad:
        raise InputError(
            f"feedback 'score' for instrument 'life_impact' must be from 1 to {scale}; "
            f"{int(bad)} row(s) are outside. Fix or quarantine them at import."
        )
    who = [c for c in ("customer_id", "customer_ref", "response_id") if c in rows.columns]
    rows = rows.mutate(
        _who=ibis.coalesce(*[rows[c] for c in who]) if len(who) > 1 else rows[who[0]],
        _sv=rows.survey_id if "survey_id" in rows.columns else ibis.literal("", type="string"),
        _day=((epoch_seconds(rows.submitted_at) + tz_offset_seconds(tz)) / 86400).floor(),
    )
    rows, label = with_group(rows, by, time_col="submitted_at", freq=freq, tz=tz)
    keys = ["_who", "_sv", "_day"] + (["_g"] if label else [])
    sets = rows.group_by(keys).aggregate(_m=rows.score.mean(), _k=rows.count())
    sets = sets.mutate(_x=(sets._m - 1) * (100.0 / (scale - 1)))
    aggs = {"n": sets.count(), "s": sets._x.sum(), "ss": (sets._x * sets._x).sum(), "answers": sets._k.sum()}
    df = (sets.group_by("_g").aggregate(**aggs) if label else sets.aggregate(**aggs)).execute()
    if label:
        df = df.sort_values("_g", na_position="last").reset_index(drop=True)
    for c in aggs:
        df[c] = pd.to_numeric(df[c]).fillna(0).astype("float64")
    n = df["n"].to_numpy()
    mean, low, high, _ = t_mean_interval(n, df["s"], df["ss"], confidence=conf)
    if label:
        return group_frame(
            pd.DataFrame({label: group_labels(df["_g"], by, freq)}),
            value=mean,
            n=n,
            low=low,
            high=high,
            method="t",
            min_n=min_n,
            suppress_below=suppress_below,
        )
    answers = float(df["answers"].iloc[0])
    return make_result(
        "life_impact_index",
        value=mean[0],
        n=int(n[0]),
        low=low[0],
        high=high[0],
        method="t",
        unit="index 0–100",
        definition=LIFE_DEF,
        definition_vi=LIFE_DEF_VI,
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=conf,
        extra={
            "answers": int(answers),
            "mean_items_per_set": answers / n[0] if n[0] else None,
            "validated": False,
        },
    )

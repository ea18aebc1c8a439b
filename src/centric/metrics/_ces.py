"""Customer Effort Score, version-aware: CES 1.0 and CES 2.0 are never pooled (DOMAIN.md §1.3)."""

from __future__ import annotations

import ibis
import pandas as pd

from centric.exceptions import InputError, InvalidParameterError
from centric.metrics._common import DEFAULT_TZ, check_table
from centric.metrics._result import MetricResult
from centric.metrics._survey import (
    _aggregate,
    _base_aggs,
    _check_common,
    _count,
    _instrument_rows,
    _mean_metric,
)

__all__ = ["ces"]

_CES_VERSIONS = ("1.0", "2.0")


def _version_expr(rows: ibis.Table) -> ibis.Value:
    """Normalise instrument_version: '2', '2.0', 'CES 2.0', 'v2' → '2.0'; '1…' → '1.0'."""
    v = rows.instrument_version.strip().lower().replace("ces", "").replace("v", "").strip()
    return ibis.cases((v.startswith("2"), "2.0"), (v.startswith("1"), "1.0"), else_=ibis.null("string"))


def ces(
    feedback: ibis.Table,
    *,
    version: str | None = "2.0",
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    by: str | None = None,
    freq: str = "M",
    tz: str = DEFAULT_TZ,
) -> MetricResult | pd.DataFrame:
    """Customer Effort Score, version-aware; CES 1.0 and 2.0 are never pooled.

    * ``"2.0"``: 1–7 agreement with "[Company] made it easy…", higher is better.
      Value = mean with a t interval; ``extra["agree_pct"]`` = % answering 5–7.
    * ``"1.0"``: 1–5 effort, lower is better. Value = mean with a t interval;
      ``extra["low_effort_pct"]`` = % answering 1–2.
    * ``None``: use the one version present; raises :class:`InputError` if
      both are present.

    The version comes from ``instrument_version`` ("2", "2.0", "CES 2.0" all
    read as 2.0). Rows with a missing or unknown version are not counted;
    their number is in ``extra["unversioned"]``.
    """
    if version is not None and version not in _CES_VERSIONS:
        raise InvalidParameterError(
            f"The 'version' parameter must be '1.0', '2.0' or None (the single version present). "
            f"Got {version!r} instead."
        )
    by, conf, min_n, suppress_below = _check_common(feedback, by, confidence, min_n, suppress_below)
    check_table(feedback, ("instrument_version",), name="feedback")
    rows = _instrument_rows(feedback, "ces")
    rows = rows.mutate(_v=_version_expr(rows))
    counts = rows.group_by("_v").aggregate(n=rows.count()).execute()
    present = {v: int(c) for v, c in zip(counts["_v"], counts["n"], strict=True) if isinstance(v, str)}
    unversioned = int(counts.loc[counts["_v"].isna(), "n"].sum())
    if version is None:
        if len(present) > 1:
            raise InputError(
                "CES 1.0 and 2.0 are never pooled: the feedback holds both "
                f"({present}). Pass version='1.0' or version='2.0'."
            )
        version = next(iter(present), "2.0")
    rows = rows.filter(rows._v == version)
    if version == "2.0":
        lo, hi, share_name = 1, 7, "agree_pct"
        aggs = {**_base_aggs(), "k": _count(lambda t: t.score >= 5)}
        definition = (
            "CES 2.0: the mean agreement (1 strongly disagree – 7 strongly agree, higher is easier) with "
            "“[Company] made it easy for me to handle my issue”, with a t interval; "
            "never pooled with CES 1.0."
        )
        definition_vi = (
            "CES 2.0: mức đồng ý trung bình (1 hoàn toàn không đồng ý – 7 hoàn toàn đồng ý, "
            "càng cao càng dễ) "
            "với câu “[Công ty] giúp tôi xử lý vấn đề một cách dễ dàng”, kèm khoảng tin cậy t; "
            "không bao giờ gộp với CES 1.0."
        )
    else:
        lo, hi, share_name = 1, 5, "low_effort_pct"
        aggs = {**_base_aggs(), "k": _count(lambda t: t.score <= 2)}
        definition = (
            "CES 1.0: the mean effort (1 very low – 5 very high, lower is better) customers report to handle "
            "their request, with a t interval; never pooled with CES 2.0."
        )
        definition_vi = (
            "CES 1.0: mức nỗ lực trung bình (1 rất thấp – 5 rất cao, càng thấp càng tốt) khách hàng bỏ ra "
            "để xử lý yêu cầu, kèm khoảng tin cậy t; không bao giờ gộp với CES 2.0."
        )
    df = _aggregate(rows, by, aggs, freq=freq, tz=tz, lo=lo, hi=hi, instrument=f"ces {version}")
    return _mean_metric(
        df,
        metric="ces",
        by=by,
        freq=freq,
        conf=conf,
        min_n=min_n,
        suppress_below=suppress_below,
        unit=f"mean {lo}–{hi}",
        definition=definition,
        definition_vi=definition_vi,
        share_col="k",
        share_name=share_name,
        extra={"version": version, "unversioned": unversioned},
    )

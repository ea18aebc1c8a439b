"""The result type of every scalar metric, and the grouped-frame builder."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from centric.exceptions import InvalidParameterError

__all__ = ["GROUP_COLUMNS", "MetricResult"]

#: Columns of every grouped metric frame, after the group column(s).
GROUP_COLUMNS = ["value", "n", "low", "high", "small_sample", "suppressed", "method"]


@dataclass(frozen=True)
class MetricResult:
    """One metric value with its sample size, interval and plain-language definition.

    Attributes
    ----------
    metric
        Short name, e.g. ``"nps"``, ``"csat"``, ``"churn"``.
    value
        The estimate, or ``None`` when suppressed (n below ``suppress_below``)
        or undefined (n = 0).
    n
        Number of units behind the value (responses, customers, response sets).
    low, high
        The interval at ``confidence`` (default 95%); ``None`` when not defined.
    method
        How the interval was computed, e.g. ``"adjusted-wald"``, ``"wilson"``, ``"t"``.
    unit
        ``"score"``, ``"%"``, ``"mean 1–5"``, ``"mean 1–7"``, ``"VND"``, ``"index 0–100"``.
    definition, definition_vi
        One sentence saying exactly what was counted, in English and Vietnamese.
    small_sample
        ``n < min_n`` (default 30): show the value with a warning.
    suppressed
        ``n < suppress_below`` (default 10): value and interval withheld
        (privacy, k-anonymity, and honesty about noise). Always true when n = 0.
    extra
        Metric-specific details (e.g. promoter/passive/detractor counts);
        emptied when suppressed so small groups cannot be reconstructed.
    confidence
        Confidence level of the interval.

    Examples
    --------
    >>> r = MetricResult("nps", 30.0, 200, 18.8, 40.3, "adjusted-wald", "score", "…", "…")
    >>> r.to_dict()["value"]
    30.0
    """

    metric: str
    value: float | None
    n: int
    low: float | None
    high: float | None
    method: str
    unit: str
    definition: str
    definition_vi: str
    small_sample: bool = False
    suppressed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NumPy scalars converted to Python ones)."""
        return {k: _plain(v) for k, v in asdict(self).items()}


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (pd.Period, pd.Timestamp)):
        return str(v)
    return v


def check_min_n(min_n: Any, suppress_below: Any) -> tuple[int, int]:
    """Validate the small-sample and suppression thresholds."""
    for name, val in (("min_n", min_n), ("suppress_below", suppress_below)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 0:
            raise InvalidParameterError(
                f"The {name!r} parameter must be a non-negative integer. Got {val!r} instead."
            )
    return int(min_n), int(suppress_below)


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def make_result(
    metric: str,
    *,
    value: Any,
    n: int,
    low: Any,
    high: Any,
    method: str,
    unit: str,
    definition: str,
    definition_vi: str,
    min_n: int,
    suppress_below: int,
    extra: dict[str, Any] | None = None,
    confidence: float = 0.95,
) -> MetricResult:
    """Build a :class:`MetricResult`, applying the small-sample and suppression rules."""
    n = int(n)
    suppressed = n == 0 or n < suppress_below
    if suppressed:
        value = low = high = None
        extra = {}
    return MetricResult(
        metric=metric,
        value=_num(value),
        n=n,
        low=_num(low),
        high=_num(high),
        method=method,
        unit=unit,
        definition=definition,
        definition_vi=definition_vi,
        small_sample=n < min_n,
        suppressed=suppressed,
        extra={k: _plain(v) for k, v in (extra or {}).items()},
        confidence=confidence,
    )


def group_frame(
    keys: pd.DataFrame,
    *,
    value: Any,
    n: Any,
    low: Any,
    high: Any,
    method: str,
    min_n: int,
    suppress_below: int,
    extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The grouped output: group column(s), then :data:`GROUP_COLUMNS`, then extras.

    Suppressed groups keep their ``n`` but get NaN value/low/high (and NaN extras).
    """
    out = keys.reset_index(drop=True).copy()
    n_arr = np.asarray(n, dtype="int64")
    suppressed = (n_arr == 0) | (n_arr < suppress_below)
    out["value"] = np.where(suppressed, np.nan, np.asarray(value, dtype="float64"))
    out["n"] = n_arr
    out["low"] = np.where(suppressed, np.nan, np.asarray(low, dtype="float64"))
    out["high"] = np.where(suppressed, np.nan, np.asarray(high, dtype="float64"))
    out["small_sample"] = n_arr < min_n
    out["suppressed"] = suppressed
    out["method"] = method
    for name, col in (extra or {}).items():
        out[name] = np.where(suppressed, np.nan, np.asarray(col, dtype="float64"))
    return out

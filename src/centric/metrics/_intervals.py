"""Interval maths on aggregated counts (plain NumPy/SciPy, vectorised).

Every function takes counts or sums already aggregated by the backend (one
value per group, or arrays of them) and returns arrays, so grouped results are
computed in one call. Undefined intervals (n = 0, or n = 1 for a t interval)
come back as NaN; callers turn NaN into ``None`` for :class:`MetricResult`.

Formulas (DOMAIN.md §1.1, §1.2 and §5):

* NPS, Wald: ``se = 100 * sqrt(((P+D)/n - ((P-D)/n)**2) / n)``, NPS ± z·se.
* NPS, adjusted-Wald (Rocks 2016): the same with ``P+0.75, D+0.75, n+3``;
  the interval is centred on the adjusted NPS.
* Wilson score interval for a proportion k/n.
* t interval for a mean from ``(n, sum, sum of squares)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from centric.exceptions import InvalidParameterError

__all__ = ["check_confidence", "nps_interval", "t_mean_interval", "wilson_interval", "z_value"]

NPS_METHODS = ("adjusted-wald", "wald")


def check_confidence(confidence: Any) -> float:
    """Validate a confidence level (0 < c < 1) and return it as a float."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise InvalidParameterError(
            f"The 'confidence' parameter must be a number strictly between 0 and 1 "
            f"(e.g. 0.95). Got {confidence!r} instead."
        )
    return float(confidence)


def z_value(confidence: float) -> float:
    """Two-sided normal quantile, e.g. 1.959964 for 0.95."""
    return float(stats.norm.ppf(0.5 + check_confidence(confidence) / 2))


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype="float64")


def nps_interval(
    promoters: Any, detractors: Any, n: Any, *, method: str = "adjusted-wald", confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """NPS interval from counts.

    Returns ``(centre, low, high, se)`` in NPS points (−100…100). ``centre`` is
    the NPS the interval is built around: the plain NPS for ``"wald"``, the
    adjusted NPS for ``"adjusted-wald"``. Bounds are clipped to [−100, 100].
    """
    if method not in NPS_METHODS:
        raise InvalidParameterError(
            f"The 'method' parameter must be one of {list(NPS_METHODS)}. Got {method!r} instead."
        )
    p, d, m = _arr(promoters), _arr(detractors), _arr(n)
    if method == "adjusted-wald":
        p, d, m = p + 0.75, d + 0.75, m + 3.0
    with np.errstate(invalid="ignore", divide="ignore"):
        ps, ds = p / m, d / m
        centre = 100.0 * (ps - ds)
        var = np.clip((ps + ds) - (ps - ds) ** 2, 0.0, None) / m
        se = 100.0 * np.sqrt(var)
    z = z_value(confidence)
    low = np.clip(centre - z * se, -100.0, 100.0)
    high = np.clip(centre + z * se, -100.0, 100.0)
    undefined = _arr(n) <= 0
    centre, low, high, se = (np.where(undefined, np.nan, a) for a in (centre, low, high, se))
    return centre, low, high, se


def wilson_interval(k: Any, n: Any, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion ``k / n`` (as a share, 0…1)."""
    k_, n_ = _arr(k), _arr(n)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_ / n_
        denom = 1.0 + z**2 / n_
        centre = (p + z**2 / (2 * n_)) / denom
        half = z * np.sqrt(p * (1 - p) / n_ + z**2 / (4 * n_**2)) / denom
    low = np.where(n_ > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n_ > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def t_mean_interval(
    n: Any, total: Any, total_sq: Any, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean and Student-t interval from ``(n, Σx, Σx²)``.

    Returns ``(mean, low, high, sd)``; the interval (and sd) is NaN when n < 2.
    """
    n_, s, ss = _arr(n), _arr(total), _arr(total_sq)
    conf = check_confidence(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n_
        var = np.clip((ss - n_ * mean**2) / (n_ - 1), 0.0, None)
        sd = np.sqrt(var)
        tq = stats.t.ppf(0.5 + conf / 2, np.where(n_ >= 2, n_ - 1, 1.0))
        half = tq * sd / np.sqrt(n_)
    mean = np.where(n_ > 0, mean, np.nan)
    low = np.where(n_ >= 2, mean - half, np.nan)
    high = np.where(n_ >= 2, mean + half, np.nan)
    sd = np.where(n_ >= 2, sd, np.nan)
    return mean, low, high, sd

"""Per-customer reasons for churn risk, in plain Vietnamese and English.

Related features form one *driver* (recency with the usual gap between orders,
the order trend, e-mail engagement, CSAT …). A driver's weight for a customer is
the sum of its features' TreeSHAP contributions to the log-odds of churn; the
drivers that push the risk up most are written out with the customer's own
numbers by the templates of :mod:`centric.churn._templates` (no external
model). A driver whose values are missing for the customer (never answered a
survey, say) is not written out: an absence is not a reason a marketer can act on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from centric.churn._templates import INPUTS, KEYS, TEMPLATES, Row, generic
from centric.exceptions import InvalidParameterError

__all__ = ["DRIVERS", "INPUTS", "TEMPLATES", "render_reasons", "render_reasons_vi_en", "top_drivers"]

#: driver -> the features whose contributions it sums
DRIVERS: dict[str, tuple[str, ...]] = {
    "recency": ("recency_days", "mean_gap_days", "recency_gap_ratio"),
    "frequency": ("frequency", "tenure_days"),
    "trend": (
        "orders_90d",
        "orders_prev_90d",
        "orders_trend",
        "revenue_90d",
        "revenue_prev_90d",
        "revenue_trend",
    ),
    "spend": ("monetary", "avg_order_value"),
    "bad_orders": ("bad_order_share", "bad_orders"),
    "browsing": ("web_events_30d", "web_events_90d", "days_since_event"),
    "email": ("emails_sent_90d", "email_opens_90d", "email_clicks_90d"),
    "nps": ("nps_last", "nps_mean"),
    "csat": ("csat_last", "csat_mean"),
    "ces": ("ces_last",),
    "negative": ("negative_answers",),
    "tickets": ("tickets", "tickets_open"),
    "late_delivery": ("tickets_late_delivery",),
    "p_alive": ("p_alive",),
}
MIN_CONTRIBUTION = 0.02  # log-odds; smaller pushes are not worth a sentence


def _groups(columns: list[str]) -> dict[str, list[str]]:
    """Drivers present among ``columns``; a column in no driver is its own driver."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for name, feats in DRIVERS.items():
        cols = [f for f in feats if f in columns]
        if cols:
            out[name] = cols
            seen.update(cols)
    for c in columns:
        if c not in seen and c != "bias":
            out[c] = [c]
    return out


def top_drivers(contrib: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """The drivers pushing each customer's risk up most (names), from per-feature contributions."""
    groups = _groups(list(contrib.columns))
    names = list(groups)
    sums = np.column_stack([contrib[cols].to_numpy(float).sum(axis=1) for cols in groups.values()])
    order = np.argsort(-sums, axis=1, kind="stable")
    out = {}
    for k in range(min(top, len(names))):
        idx = order[:, k]
        val = sums[np.arange(len(sums)), idx]
        out[f"driver_{k + 1}"] = np.where(val > MIN_CONTRIBUTION, np.array(names, dtype=object)[idx], None)
    return pd.DataFrame(out, index=contrib.index)


def _check(top: Any, lang: str = "vi") -> None:
    if lang not in ("vi", "en"):
        raise InvalidParameterError(f"The 'lang' parameter must be one of ['vi', 'en']. Got {lang!r} instead.")
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise InvalidParameterError(f"The 'top' parameter must be an int in the range [1, inf). Got {top!r} instead.")


def _texts(name: str, rows: np.ndarray, values: dict[str, np.ndarray], ref: Row) -> tuple[np.ndarray, ...]:
    """(en, vi) of driver ``name`` for ``rows``: one template call per distinct key (or tuple of inputs)."""
    render = TEMPLATES.get(name) or generic(name)
    wanted = INPUTS.get(name, (name,))
    cols = [c for c in wanted if c in values]
    if cols:
        V = np.column_stack([values[c][rows] for c in cols])
        key = KEYS.get(name)
        K = key(dict(zip(cols, V.T, strict=True)), ref) if key and len(cols) == len(wanted) else V
        bits = np.where(np.isnan(K), np.nan, K.astype(np.float64)).view(np.int64)  # one NaN; exact equality
        _, rep, inverse = np.unique(bits, axis=0, return_index=True, return_inverse=True)
        inputs = V[rep].tolist()
    else:
        inputs, inverse = [[]], np.zeros(len(rows), dtype=np.int64)
    en, vi = np.full(len(inputs), None, dtype=object), np.full(len(inputs), None, dtype=object)
    for k, vals in enumerate(inputs):
        row = dict(zip(cols, vals, strict=True))
        row.update(ref)
        text = render(row)
        if text is not None:
            en[k], vi[k] = text
    inverse = inverse.reshape(-1)
    return en[inverse], vi[inverse]


def _reason_texts(
    X: pd.DataFrame, contrib: pd.DataFrame, top: int, reference: dict[str, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Reasons as two ``(n, top)`` object arrays, English and Vietnamese (None where none).

    Per customer the drivers are walked in decreasing order of their summed
    contribution; each one above :data:`MIN_CONTRIBUTION` whose template has
    something to say becomes a reason, until ``top``. The walk runs rank by
    rank over all customers still short of reasons, and each driver's template
    runs once per distinct set of its inputs.
    """
    groups = _groups([c for c in contrib.columns if c != "bias"])
    names = list(groups)
    sums = np.column_stack([contrib[cols].to_numpy(float).sum(axis=1) for cols in groups.values()])
    order = np.argsort(-sums, axis=1, kind="stable")
    n = len(sums)
    needed = {c for name in names for c in INPUTS.get(name, (name,))}
    values = {c: X[c].to_numpy(np.float64) for c in X.columns if c in needed}
    ref = {f"_ref_{k}": v for k, v in (reference or {}).items()}
    en, vi = np.full((n, top), None, dtype=object), np.full((n, top), None, dtype=object)
    filled = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    for rank in range(len(names)):
        driver = order[active, rank]
        keep = sums[active, driver] > MIN_CONTRIBUTION
        active, driver = active[keep], driver[keep]
        if not len(active):
            break
        for d in np.unique(driver):
            rows = active[driver == d]
            t_en, t_vi = _texts(names[d], rows, values, ref)
            said = np.fromiter((t is not None for t in t_en), dtype=bool, count=len(t_en))
            rows = rows[said]
            en[rows, filled[rows]], vi[rows, filled[rows]] = t_en[said], t_vi[said]
            filled[rows] += 1
        active = active[filled[active] < top]
    return en, vi


def render_reasons(
    X: pd.DataFrame,
    contrib: pd.DataFrame,
    *,
    top: int = 3,
    lang: str = "vi",
    reference: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Reasons ``reason_1`` … ``reason_{top}`` per customer, in ``lang`` ("vi" or "en").

    ``reference`` holds typical values (training medians) that some templates
    compare with, e.g. a low average order value. :func:`render_reasons_vi_en`
    gives both languages for the price of one.
    """
    _check(top, lang)
    en, vi = _reason_texts(X, contrib, top, reference)
    return pd.DataFrame(vi if lang == "vi" else en, index=X.index, columns=[f"reason_{k + 1}" for k in range(top)])


def render_reasons_vi_en(
    X: pd.DataFrame,
    contrib: pd.DataFrame,
    *,
    top: int = 3,
    reference: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(vi, en)``: :func:`render_reasons` in both languages, each driver's template run once."""
    _check(top)
    en, vi = _reason_texts(X, contrib, top, reference)
    columns = [f"reason_{k + 1}" for k in range(top)]
    return pd.DataFrame(vi, index=X.index, columns=columns), pd.DataFrame(en, index=X.index, columns=columns)

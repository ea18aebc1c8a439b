"""Scoring customers: predictions on distinct rows, joined back in the backend (in NumPy for pandas)."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from centric.clv._base import CLVEstimator, _check_finite, check_columns, check_is_fitted, unique_rows
from centric.clv._clv import _PER_MONTH, _check_horizon, discounted_purchases, monthly_discount_rate
from centric.clv._gamma_gamma import GammaGammaModel
from centric.exceptions import InvalidParameterError

__all__ = ["score"]

_YEAR = {"W": 52.0, "D": 365.0, "M": 12.0}


def score(
    rfm: Any,
    model: CLVEstimator,
    /,
    *,
    t: float | None = None,
    gamma_gamma: GammaGammaModel | None = None,
    horizon_months: int = 12,
    discount_rate_monthly: float | None = None,
    annual_discount_rate: float | None = None,
    period: str = "W",
    customer_id_col: str = "customer_id",
) -> ir.Table:
    """Per-customer predictions as an Ibis expression, computed on the distinct rows.

    For an Ibis table only the distinct (frequency, recency, T) rows are pulled
    into Python; the predictions are computed on them with NumPy and joined back
    to the customers inside the backend (a memtable join), so scoring 100M
    customers on Spark never brings the customers into Python. A pandas frame is
    already in memory: the predictions are computed on its distinct rows and
    broadcast back with the inverse index, and the finished frame is returned
    as an Ibis memtable (rows in the input order).

    Parameters
    ----------
    rfm : ibis.Table or pandas.DataFrame
        Output of :func:`rfm_summary` (``customer_id``, ``frequency``, ``recency``,
        ``T`` and, for CLV, ``monetary_value``).
    model : BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel or BetaGeoBetaBinomModel
        Fitted transaction model.
    t : float, optional
        Horizon of ``expected_purchases`` in periods; one year by default (52 weeks,
        365 days or 12 months).
    gamma_gamma : GammaGammaModel, optional
        When given, adds ``expected_average_value`` and ``clv`` (see
        :func:`customer_lifetime_value`).
    horizon_months, discount_rate_monthly, annual_discount_rate, period
        As in :func:`customer_lifetime_value`.
    customer_id_col : str, default "customer_id"

    Returns
    -------
    ibis.Table
        ``customer_id``, the model's columns, ``p_alive``, ``expected_purchases``
        (+ ``monetary_value``, ``expected_average_value``, ``clv``).

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoModel, score
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> bg = BetaGeoModel().fit(rfm)
    >>> scored = score(rfm.assign(customer_id=list("abcdefgh")), bg).execute().sort_values("customer_id")
    >>> scored["p_alive"].round(3).tolist()[0]
    1.0
    """
    check_is_fitted(model)
    if not hasattr(model, "_expected_fn"):
        raise InvalidParameterError(f"model must be a fitted transaction model; got {type(model).__name__}.")
    if period not in _PER_MONTH:
        raise InvalidParameterError(
            f"The 'period' parameter must be one of {list(_PER_MONTH)}. Got {period!r} instead."
        )
    horizon = _YEAR[period] if t is None else float(t)
    if not np.isfinite(horizon) or horizon < 0:
        raise InvalidParameterError(
            f"The 't' parameter must be a float in the range [0, inf). Got {t!r} instead."
        )
    keys = list(model._columns)
    need = [customer_id_col, *keys] + (["monetary_value"] if gamma_gamma is not None else [])
    if not isinstance(rfm, ir.Table):
        rfm = rfm if isinstance(rfm, pd.DataFrame) else pd.DataFrame(rfm)
    check_columns(rfm, need)
    if gamma_gamma is not None:
        check_is_fitted(gamma_gamma)
        _check_horizon(horizon_months, period)
    rate = (
        monthly_discount_rate(
            discount_rate_monthly=discount_rate_monthly, annual_discount_rate=annual_discount_rate
        )
        if gamma_gamma is not None
        else 0.0
    )
    if isinstance(rfm, pd.DataFrame):  # in memory: distinct rows with NumPy, broadcast back, no backend
        cols = {k: rfm[k].to_numpy(dtype=float) for k in keys}
        for k, v in cols.items():
            _check_finite(k, v, owner="score")
        uniq, _, inv = unique_rows(cols, sort=False)
        pred = _predict(model, uniq, horizon, gamma_gamma is not None, horizon_months, rate, period)
        out = {customer_id_col: rfm[customer_id_col].to_numpy(), **{k: rfm[k].to_numpy() for k in keys}}
        out["p_alive"] = pred["p_alive"][inv]
        out["expected_purchases"] = pred["expected_purchases"][inv]
        if gamma_gamma is not None:
            m = rfm["monetary_value"].to_numpy(dtype=float)
            out["monetary_value"] = m
            out["expected_average_value"] = ev = _expected_value(gamma_gamma, cols["frequency"], m)
            out["clv"] = pred["_disc"][inv] * ev
        return ibis.memtable(pd.DataFrame(out, copy=False))
    distinct = rfm.select(*keys).distinct().execute()
    pred = pd.DataFrame(
        _predict(
            model,
            {k: distinct[k].to_numpy(dtype=float) for k in keys},
            horizon,
            gamma_gamma is not None,
            horizon_months,
            rate,
            period,
        )
    )
    for k in keys:
        pred[k] = distinct[k]
    joined = rfm.inner_join(ibis.memtable(pred), keys)
    out: dict[str, Any] = {customer_id_col: joined[customer_id_col], **{k: joined[k] for k in keys}}
    out["p_alive"] = joined.p_alive
    out["expected_purchases"] = joined.expected_purchases
    if gamma_gamma is not None:
        out["monetary_value"] = m = joined.monetary_value.cast("float64")
        out["expected_average_value"] = ev = _expected_value(gamma_gamma, joined.frequency.cast("float64"), m)
        out["clv"] = joined["_disc"] * ev
    return joined.select(**out)


def _expected_value(gamma_gamma: GammaGammaModel, x: Any, m: Any) -> Any:
    """Gamma-Gamma E[M | x, m] on arrays or Ibis columns alike."""
    p, q, v = (float(c) for c in gamma_gamma.params_.to_numpy())
    return (p * (v + x * m)) / (p * x + (q - 1))


def _predict(
    model: CLVEstimator,
    cols: dict[str, np.ndarray],
    horizon: float,
    with_clv: bool,
    horizon_months: int,
    rate: float,
    period: str,
) -> dict[str, np.ndarray]:
    """Predictions on distinct rows (NumPy)."""
    model._check_values(cols)
    theta = model.params_.to_numpy(float)
    args = [cols[k] for k in model._columns]
    out = dict(cols)
    with np.errstate(all="ignore"):
        out["p_alive"] = model._p_alive_fn(theta, *args)  # type: ignore[attr-defined]
        out["expected_purchases"] = model._expected_fn(theta, horizon, *args)  # type: ignore[attr-defined]
        if with_clv:
            out["_disc"] = discounted_purchases(
                model, theta, cols, horizon_months=horizon_months, rate=rate, period=period
            )
    return out

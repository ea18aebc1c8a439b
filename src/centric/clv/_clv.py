"""Customer lifetime value: discounted expected purchases times expected spend, with intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from centric.clv._base import CLVEstimator, check_columns, check_is_fitted, unique_rows
from centric.clv._gamma_gamma import GammaGammaModel, expected_value
from centric.exceptions import InputError, InvalidParameterError

__all__ = ["clv_interval", "customer_lifetime_value", "monthly_discount_rate"]

# periods per month, as lifetimes' _customer_lifetime_value
_PER_MONTH = {"W": 4.345, "M": 1.0, "D": 30.0}


def monthly_discount_rate(
    *, discount_rate_monthly: float | None = None, annual_discount_rate: float | None = None
) -> float:
    """The monthly discount rate: given, or converted from an annual one as (1 + a)^(1/12) - 1.

    Examples
    --------
    >>> round(monthly_discount_rate(annual_discount_rate=0.10), 6)
    0.007974
    """
    if discount_rate_monthly is not None and annual_discount_rate is not None:
        raise InvalidParameterError(
            "Pass either discount_rate_monthly or annual_discount_rate, not both "
            f"(got {discount_rate_monthly!r} and {annual_discount_rate!r})."
        )
    if annual_discount_rate is not None:
        a = float(annual_discount_rate)
        if not np.isfinite(a) or a <= -1:
            raise InvalidParameterError(
                f"The 'annual_discount_rate' parameter must be a float in the range (-1, inf). Got {annual_discount_rate!r} instead."
            )
        return float((1 + a) ** (1 / 12) - 1)
    d = 0.01 if discount_rate_monthly is None else float(discount_rate_monthly)
    if not np.isfinite(d) or d <= -1:
        raise InvalidParameterError(
            f"The 'discount_rate_monthly' parameter must be a float in the range (-1, inf). Got {discount_rate_monthly!r} instead."
        )
    return d


def _check_horizon(horizon_months: Any, period: str) -> None:
    if (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, (int, np.integer))
        or horizon_months < 1
    ):
        raise InvalidParameterError(
            f"The 'horizon_months' parameter must be an int in the range [1, inf). Got {horizon_months!r} instead."
        )
    if period not in _PER_MONTH:
        raise InvalidParameterError(
            f"The 'period' parameter must be one of {list(_PER_MONTH)}. Got {period!r} instead."
        )


def discounted_purchases(
    model: CLVEstimator,
    theta: np.ndarray,
    cols: dict[str, np.ndarray],
    *,
    horizon_months: int,
    rate: float,
    period: str,
) -> np.ndarray:
    """Σ_k (E[X(k months)] - E[X(k-1 months)]) / (1 + rate)^k, on arrays of the model's columns."""
    fn = model._expected_fn  # type: ignore[attr-defined]
    args = [cols[c] for c in model._columns]
    factor = _PER_MONTH[period]
    prev = np.zeros(len(args[0]))
    total = np.zeros(len(args[0]))
    with np.errstate(all="ignore"):
        for k in range(1, horizon_months + 1):
            cur = fn(theta, k * factor, *args)
            total += (cur - prev) / (1 + rate) ** k
            prev = cur
    return total


def _prepare(transaction_model: CLVEstimator, gamma_gamma: GammaGammaModel, data: Any) -> tuple[Any, ...]:
    check_is_fitted(transaction_model)
    check_is_fitted(gamma_gamma)
    if not isinstance(gamma_gamma, GammaGammaModel):
        raise InvalidParameterError(
            f"gamma_gamma must be a fitted GammaGammaModel; got {type(gamma_gamma).__name__}."
        )
    if not hasattr(transaction_model, "_expected_fn"):
        raise InvalidParameterError(
            f"transaction_model must be a fitted transaction model (BetaGeoModel, ...); got "
            f"{type(transaction_model).__name__}."
        )
    cols, _, index = transaction_model._frame_arrays(data)
    transaction_model._check_values(cols)
    from centric.clv._base import as_frame

    frame = as_frame(data)
    check_columns(frame, ["monetary_value"])
    m = np.asarray(frame["monetary_value"], dtype=float)
    if not np.all(np.isfinite(m)):
        raise InputError("Column 'monetary_value' has missing or non-finite values; fill or drop them first.")
    if np.any(m < 0):
        raise InputError("Column 'monetary_value' must be non-negative.")
    return cols, m, index


def customer_lifetime_value(
    transaction_model: CLVEstimator,
    gamma_gamma: GammaGammaModel,
    data: Any,
    /,
    *,
    horizon_months: int = 12,
    discount_rate_monthly: float | None = None,
    annual_discount_rate: float | None = None,
    period: str = "W",
) -> pd.Series:
    """Predicted CLV per customer over a horizon, discounted monthly.

    Follows lifetimes' ``_customer_lifetime_value``: for each month k of the
    horizon, the expected purchases in that month (difference of cumulative
    expectations at ``k`` and ``k-1`` months) times the Gamma-Gamma expected
    average value, discounted by ``(1 + d)^k``.

    Parameters
    ----------
    transaction_model : BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel
        Fitted purchase model.
    gamma_gamma : GammaGammaModel
        Fitted spend model.
    data : pandas.DataFrame or ibis.Table
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer.
    horizon_months : int, default 12
    discount_rate_monthly : float, optional
        Monthly discount rate; 0.01 when neither rate is given.
    annual_discount_rate : float, optional
        Annual rate, converted to monthly as ``(1 + a)^(1/12) - 1``.
    period : {"W", "D", "M"}, default "W"
        Time unit of ``recency`` and ``T`` (4.345 weeks or 30 days a month).

    Returns
    -------
    pandas.Series
        CLV per customer (in the currency of ``monetary_value``), named ``clv``.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    >>> import numpy as np
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "monetary_value": [0.0, 12.0, 85.0, 18.0, 50.0, 25.0, 30.0, 40.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> bg = BetaGeoModel().fit(rfm)
    >>> rng = np.random.default_rng(0)  # repeat buyers' mean spend, for the Gamma-Gamma model
    >>> x = rng.integers(1, 8, 500)
    >>> spend = pd.DataFrame({"frequency": x, "monetary_value": rng.gamma(6.0 * x, 1 / (rng.gamma(4.0, 1 / 15.0, 500) * x))})
    >>> gg = GammaGammaModel().fit(spend)
    >>> bool((customer_lifetime_value(bg, gg, rfm) > 0).all())
    True

    References
    ----------
    .. [1] Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves", JMR 42(4).
    .. [2] lifetimes, ``lifetimes.utils._customer_lifetime_value``.
    """
    _check_horizon(horizon_months, period)
    rate = monthly_discount_rate(
        discount_rate_monthly=discount_rate_monthly, annual_discount_rate=annual_discount_rate
    )
    cols, m, index = _prepare(transaction_model, gamma_gamma, data)
    uniq, _, inv = unique_rows(cols)
    theta = transaction_model.params_.to_numpy(float)
    disc = discounted_purchases(
        transaction_model, theta, uniq, horizon_months=horizon_months, rate=rate, period=period
    )
    ev = expected_value(gamma_gamma.params_.to_numpy(float), cols["frequency"], m)
    return pd.Series(disc[inv] * ev, index=index, name="clv")


def _draws(model: CLVEstimator, n: int, rng: np.random.Generator) -> np.ndarray:
    cov = model.covariance_log_.to_numpy(float)  # type: ignore[attr-defined]
    if not np.all(np.isfinite(cov)):
        raise InputError(
            f"{type(model).__name__} has no finite covariance (singular Hessian at the optimum), so "
            "CLV intervals cannot be drawn. Try a penalizer or more data."
        )
    mu = np.log(model.params_.to_numpy(float))
    return np.exp(rng.multivariate_normal(mu, cov, size=n))


def clv_interval(
    transaction_model: CLVEstimator,
    gamma_gamma: GammaGammaModel,
    data: Any,
    /,
    *,
    horizon_months: int = 12,
    discount_rate_monthly: float | None = None,
    annual_discount_rate: float | None = None,
    period: str = "W",
    n_draws: int = 200,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """CLV with an interval from the parameters' sampling distribution.

    Parameter vectors of both models are drawn from the asymptotic normal of
    the log-parameters (mean: the estimates; covariance: the inverse Hessian),
    CLV is recomputed for each draw on the distinct rows, and the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` percentiles are reported.

    Parameters
    ----------
    transaction_model, gamma_gamma, data, horizon_months, discount_rate_monthly, annual_discount_rate, period
        As in :func:`customer_lifetime_value`.
    n_draws : int, default 200
    level : float, default 0.95
    random_state : int or numpy.random.Generator, optional
        Seed for reproducible draws.

    Returns
    -------
    pandas.DataFrame
        ``clv`` (at the estimates), ``lower`` and ``upper``, per customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoModel, GammaGammaModel, clv_interval
    >>> import numpy as np
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "monetary_value": [0.0, 12.0, 85.0, 18.0, 50.0, 25.0, 30.0, 40.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> bg = BetaGeoModel().fit(rfm)
    >>> rng = np.random.default_rng(0)  # repeat buyers' mean spend, for the Gamma-Gamma model
    >>> x = rng.integers(1, 8, 500)
    >>> spend = pd.DataFrame({"frequency": x, "monetary_value": rng.gamma(6.0 * x, 1 / (rng.gamma(4.0, 1 / 15.0, 500) * x))})
    >>> gg = GammaGammaModel().fit(spend)
    >>> ci = clv_interval(bg, gg, rfm, random_state=0)
    >>> bool(((ci.lower <= ci.clv) & (ci.clv <= ci.upper)).all())
    True
    """
    _check_horizon(horizon_months, period)
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise InvalidParameterError(
            f"The 'n_draws' parameter must be an int in the range [2, inf). Got {n_draws!r} instead."
        )
    if not (0 < float(level) < 1):
        raise InvalidParameterError(
            f"The 'level' parameter must be a float in the range (0, 1). Got {level!r} instead."
        )
    rate = monthly_discount_rate(
        discount_rate_monthly=discount_rate_monthly, annual_discount_rate=annual_discount_rate
    )
    cols, m, index = _prepare(transaction_model, gamma_gamma, data)
    rng = np.random.default_rng(random_state)
    tdraws = _draws(transaction_model, int(n_draws), rng)
    gdraws = _draws(gamma_gamma, int(n_draws), rng)
    trip, _, inv_t = unique_rows(cols)
    quad, _, inv_q = unique_rows({"t": inv_t.astype(float), "x": cols["frequency"], "m": m})
    tid = quad["t"].astype(np.int64)
    disc = np.stack(
        [
            discounted_purchases(
                transaction_model, th, trip, horizon_months=horizon_months, rate=rate, period=period
            )
            for th in tdraws
        ]
    )  # (draws, triples)
    lo_q, hi_q = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    lower = np.empty(len(tid))
    upper = np.empty(len(tid))
    chunk = 20000
    for s in range(0, len(tid), chunk):
        sl = slice(s, s + chunk)
        ev = np.stack([expected_value(g, quad["x"][sl], quad["m"][sl]) for g in gdraws])
        vals = disc[:, tid[sl]] * ev
        lower[sl], upper[sl] = np.percentile(vals, [lo_q, hi_q], axis=0)
    point = customer_lifetime_value(
        transaction_model,
        gamma_gamma,
        data,
        horizon_months=horizon_months,
        discount_rate_monthly=rate,
        period=period,
    ).to_numpy()
    return pd.DataFrame({"clv": point, "lower": lower[inv_q], "upper": upper[inv_q]}, index=index)

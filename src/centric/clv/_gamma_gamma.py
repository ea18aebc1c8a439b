"""Gamma-Gamma model of spend per transaction (Colombo & Jiang 1999; Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import gammaln, psi

from centric.clv._base import HINT, CLVEstimator, unique_rows
from centric.exceptions import InputError

__all__ = ["GammaGammaModel"]


def _loglik(theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
    """Density of the mean m of x transactions: m ~ Gamma(px, νx), ν ~ Gamma(q, γ)."""
    p, q, v = theta
    x, m = d["frequency"], d["monetary_value"]
    px = p * x
    lxm = np.log(v + m * x)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * lxm
    )
    if not grad:
        return ll, None
    g = np.empty((len(x), 3))
    g[:, 0] = x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - lxm)
    g[:, 1] = psi(px + q) - psi(q) + np.log(v) - lxm
    g[:, 2] = q / v - (px + q) / (v + m * x)
    return ll, g


def expected_value(theta: np.ndarray, x: Any, m: Any) -> Any:
    """E[M | x, m] = (p (γ + x m)) / (p x + q - 1); the population mean pγ/(q-1) at x = 0."""
    p, q, v = theta
    return p * (v + x * m) / (p * x + q - 1)


class GammaGammaModel(CLVEstimator):
    """Gamma-Gamma model of the average value of a customer's transactions.

    Each transaction value is Gamma(p, ν) with ν ~ Gamma(q, γ) across customers,
    so a customer's observed mean ``m`` of ``x`` repeat transactions follows
    Gamma(px, νx): customers with more transactions weigh more, as in the paper.
    It is fitted on the customers with ``frequency > 0`` (the repeat buyers);
    the others are ignored. It assumes spend is independent of purchase frequency.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.
    maxiter : int, default 1000
        Maximum optimiser iterations.

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``gamma`` (lifetimes calls the last one ``v``).
    log_likelihood_, standard_errors_, confidence_intervals_, summary_
        As for :class:`BetaGeoModel`.
    n_customers_ : int
        Number of repeat customers fitted on.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import GammaGammaModel
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 8, 500)
    >>> nu = rng.gamma(4.0, 1 / 15.0, 500)
    >>> rfm = pd.DataFrame({"frequency": x, "monetary_value": np.where(x > 0, rng.gamma(6.0 * x + (x == 0), 1 / (nu * np.maximum(x, 1))), 0.0)})
    >>> gg = GammaGammaModel().fit(rfm)
    >>> gg.expected_average_value(rfm).shape
    (500,)

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: Using
       Iso-Value Curves for Customer Base Analysis. JMR 42(4), 415-430.
    .. [2] Fader and Hardie (2013). The Gamma-Gamma Model of Monetary Value.
       http://brucehardie.com/notes/025/
    """

    _param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    _columns: ClassVar[tuple[str, ...]] = ("frequency", "monetary_value")
    _shape_params: ClassVar[tuple[str, ...]] = ("p", "q")
    _init: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0)
    _extra_starts: ClassVar[tuple[tuple[float, ...], ...]] = ((6.0, 4.0, 15.0),)

    def _check_values(self, cols: dict[str, np.ndarray]) -> None:
        owner = type(self).__name__
        x = cols["frequency"]
        if np.any(x < 0) or np.any(x != np.round(x)):
            raise InputError(f"Column 'frequency' passed to {owner} must hold whole numbers >= 0. {HINT}")

    def _start(self, d: dict[str, np.ndarray], w: np.ndarray) -> list[np.ndarray]:
        starts = super()._start(d, w)
        mean = float(np.average(d["monetary_value"], weights=w))
        for s in starts:
            s[2] *= mean / (s[0] / max(s[1] - 1, 0.5) * s[2])  # start at the observed mean spend
        return starts

    def _prepare_fit(self, data: Any, weights: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
        cols, w_col, _ = self._frame_arrays(data)
        n = len(cols["frequency"])
        owner = type(self).__name__
        if n == 0:
            raise InputError(f"Cannot fit {owner} on empty data (0 rows). {HINT}")
        w = np.asarray(weights, dtype=float).ravel() if weights is not None else w_col
        if w is not None and (len(w) != n or not np.all(np.isfinite(w)) or np.any(w < 0)):
            raise InputError(f"weights must be finite, non-negative and one per row ({n}).")
        self._check_values(cols)
        rep = cols["frequency"] > 0
        if w is not None:
            rep &= w > 0
        if not rep.any():
            raise InputError(
                f"Cannot fit {owner}: no repeat customers (frequency > 0). The model needs the mean "
                "value of repeat transactions; customers with one purchase only carry none."
            )
        m = cols["monetary_value"][rep]
        if np.any(m <= 0):
            k = int((m <= 0).sum())
            raise InputError(
                f"{owner} needs monetary_value > 0 for every repeat customer; {k} have "
                f"monetary_value <= 0 (e.g. {float(m[m <= 0][0])!r}). Drop them or use revenue > 0."
            )
        sub = {k: v[rep] for k, v in cols.items()}
        uniq, wu, _ = unique_rows(sub, None if w is None else w[rep])
        return uniq, wu

    def _check_fit_data(self, d: dict[str, np.ndarray], w: np.ndarray) -> None:
        return None

    def _loglik(self, theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
        return _loglik(theta, d, grad)

    def expected_average_value(self, data: Any, /) -> pd.Series:
        """Conditional expected average transaction value E[M | frequency, monetary_value].

        Customers with frequency 0 get the population mean pγ/(q-1).
        """
        theta = self._theta()
        return self._predict_rows(data, lambda d: expected_value(theta, d["frequency"], d["monetary_value"]))

    def _predict_rows(self, data: Any, fn: Any) -> pd.Series:
        cols, _, index = self._frame_arrays(data)
        self._check_values(cols)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(cols), dtype=float)
        return pd.Series(out, index=index)

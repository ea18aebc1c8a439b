"""MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi
from scipy.stats import nbinom

from centric.clv._base import PurchaseModel, cached_unique

__all__ = ["ModifiedBetaGeoModel"]


def _loglik(theta: np.ndarray, d: dict[str, Any], grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    r, alpha, a, b = theta
    x = d["frequency"]
    ux, ix = cached_unique(d, "frequency")
    uT, iT = cached_unique(d, "T")
    utx, itx = cached_unique(d, "recency")
    A12 = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux + 1) - betaln(a, b))[ix]
    lT = np.log(alpha + uT)[iT]
    ltx = np.log(alpha + utx)[itx]
    rx = r + x
    A3 = -rx * lT
    A4 = (np.log(a) - np.log(b + ux))[ix] - rx * ltx
    L = np.logaddexp(A3, A4)
    ll = A12 + L
    if not grad:
        return ll, None
    w4 = np.exp(A4 - L)
    w3 = 1.0 - w4
    g = np.empty((len(x), 4))
    g[:, 0] = (psi(r + ux) - psi(r) + np.log(alpha))[ix] - w3 * lT - w4 * ltx
    g[:, 1] = r / alpha - rx * (w3 * (1 / (alpha + uT))[iT] + w4 * (1 / (alpha + utx))[itx])
    g[:, 2] = (psi(a + b) - psi(a + b + ux + 1))[ix] + w4 / a
    g[:, 3] = (psi(a + b) + psi(b + ux + 1) - psi(b) - psi(a + b + ux + 1))[ix] - w4 * (1 / (b + ux))[ix]
    return ll, g


def p_alive(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T); below 1 even for x = 0 (a customer can drop out at once)."""
    r, alpha, a, b = theta
    lo = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return expit(-lo)


def expected(theta: np.ndarray, t: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[X(T, T+t) | x, t_x, T] (Batislam et al. 2007), Euler-transformed."""
    r, alpha, a, b = theta
    z = t / (alpha + T + t)
    # hyp2f1(r+x, b+x+1; a+b+x; z) (1-z)^(r+x) == (1-z)^(a-1) hyp2f1(a+b-r, a-1; a+b+x; z)
    second = 1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - r, a - 1, a + b + x, z)
    return (a + b + x) / (a - 1) * second * p_alive(theta, x, tx, T)


def expected_new(theta: np.ndarray, t: Any) -> Any:
    """E[X(t)] for a customer who has just made a first purchase."""
    r, alpha, a, b = theta
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return b / (a - 1) * (1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - r, a - 1, a + b, z))


class ModifiedBetaGeoModel(PurchaseModel):
    """MBG/NBD: the BG/NBD with a drop-out opportunity at time zero too.

    Unlike the BG/NBD, a customer with no repeat purchase can be inactive, so
    P(alive) is below 1 for frequency 0.

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
        ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_, standard_errors_, confidence_intervals_, summary_, n_customers_
        As for :class:`BetaGeoModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import ModifiedBetaGeoModel
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "monetary_value": [0.0, 12.0, 85.0, 18.0, 50.0, 25.0, 30.0, 40.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> model = ModifiedBetaGeoModel().fit(rfm)
    >>> bool(model.probability_alive(rfm).iloc[0] < 1)
    True

    References
    ----------
    .. [1] Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation
       and comparison of models for customer base analysis. IJRM 24(3), 201-209.
    .. [2] Wagner, U. and Hoppe, D. (2008). Erratum on the MBG/NBD model.
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "a", "b")
    _init: ClassVar[tuple[float, ...]] = (0.5, 5.0, 0.8, 2.5)
    _extra_starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0),)

    def _start(self, d: dict[str, np.ndarray], w: np.ndarray) -> list[np.ndarray]:
        scale = max(float(np.average(d["T"], weights=w)), 1e-3) / 38.0
        starts = super()._start(d, w)
        for s in starts:
            s[1] *= scale
        return starts

    def _loglik(self, theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
        return _loglik(theta, d, grad)


    def probability_of_n_purchases(self, t: float, n: Any) -> Any:
        """P(X(t) = n) for a new customer (lifetimes' closed form)."""
        r, alpha, a, b = self._theta()
        n = np.asarray(n, dtype=float)
        p = alpha / (alpha + t)
        first = np.exp(betaln(a, b + 1 + n) - betaln(a, b)) * nbinom.pmf(n, r, p)
        second = np.exp(betaln(a + 1, b + n) - betaln(a, b)) * np.where(n > 0, nbinom.sf(n - 1, r, p), 1.0)
        return first + second

    _expected_fn = staticmethod(expected)
    _p_alive_fn = staticmethod(p_alive)
    _expected_new_fn = staticmethod(expected_new)

"""BG/NBD: the beta-geometric / negative binomial distribution model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi
from scipy.stats import nbinom

from centric.clv._base import PurchaseModel, cached_unique, unique_rows

__all__ = ["BetaGeoModel"]


def _loglik(theta: np.ndarray, d: dict[str, Any], grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-row log-likelihood and gradient; terms of x, t_x and T alone are computed once per distinct value."""
    r, alpha, a, b = theta
    x = d["frequency"]
    ux, ix = cached_unique(d, "frequency")
    uT, iT = cached_unique(d, "T")
    utx, itx = cached_unique(d, "recency")
    upos = ux > 0
    ubx1 = np.where(upos, b + ux - 1, 1.0)
    A12 = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b))[ix]
    lT = np.log(alpha + uT)[iT]
    ltx = np.log(alpha + utx)[itx]
    rx = r + x
    A3 = -rx * lT
    A4 = np.where(x > 0, (np.log(a) - np.log(ubx1))[ix] - rx * ltx, -np.inf)
    L = np.logaddexp(A3, A4)
    ll = A12 + L
    if not grad:
        return ll, None
    w4 = np.exp(A4 - L)
    w3 = 1.0 - w4
    g = np.empty((len(x), 4))
    g[:, 0] = (psi(r + ux) - psi(r) + np.log(alpha))[ix] - w3 * lT - w4 * ltx
    g[:, 1] = r / alpha - rx * (w3 * (1 / (alpha + uT))[iT] + w4 * (1 / (alpha + utx))[itx])
    g[:, 2] = (psi(a + b) - psi(a + b + ux))[ix] + w4 / a
    g[:, 3] = (psi(a + b) + psi(b + ux) - psi(b) - psi(a + b + ux))[ix] - w4 * (1 / ubx1)[ix]
    return ll, g


def _sums(theta: np.ndarray, d: dict[str, Any], w: np.ndarray) -> tuple[float, np.ndarray]:
    """``(sum w*ll, sum w*grad)`` of :func:`_loglik` without per-row terms of x or T alone.

    Per row: L = -(r+x) log(α+T) + softplus(D), D = log a - log(b+x-1) + (r+x) log((α+T)/(α+t_x))
    (D = -inf for x = 0); sums of terms that depend on x or T only are taken over
    their distinct values with the weights summed per value (cached with ``w``).
    """
    r, alpha, a, b = theta
    x = d["frequency"]
    ux, ix = cached_unique(d, "frequency")
    uT, iT = cached_unique(d, "T")
    utx, itx = cached_unique(d, "recency")
    c = d.get("_bg_w")
    if c is None or c[0] is not w:
        c = d["_bg_w"] = (
            w,
            np.bincount(ix, w, len(ux)),
            np.bincount(iT, w, len(uT)),
            np.bincount(iT, w * x, len(uT)),
        )
    _, wx, wT, wxT = c
    upos = ux > 0
    ubx1 = np.where(upos, b + ux - 1, 1.0)
    lTu = np.log(alpha + uT)
    ltxu = np.log(alpha + utx)
    lT = lTu[iT]
    q = lT - ltxu[itx]
    rx = r + x
    D = np.where(upos, np.log(a) - np.log(ubx1), -np.inf)[ix] + rx * q
    e = np.exp(-np.abs(D))
    sp = np.maximum(D, 0.0) + np.log1p(e)
    A12 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b)
    rT = r * wT + wxT  # sum of w (r + x) per distinct T
    sll = float(wx @ A12 - rT @ lTu + w @ sp)
    t = 1.0 / (1.0 + e)
    ww4 = w * np.where(D > 0, t, e * t)  # w * P(dead-branch)
    iTu = 1.0 / (alpha + uT)
    g = np.empty(4)
    pab = psi(a + b) - psi(a + b + ux)
    g[0] = wx @ (psi(r + ux) - psi(r) + np.log(alpha)) - wT @ lTu + ww4 @ q
    g[1] = r / alpha * wx.sum() - rT @ iTu - (ww4 * rx) @ ((1.0 / (alpha + utx))[itx] - iTu[iT])
    sw4 = ww4.sum()
    g[2] = wx @ pab + sw4 / a
    g[3] = wx @ (pab + psi(b + ux) - psi(b)) - np.bincount(ix, ww4, len(ux)) @ (1.0 / ubx1)
    return sll, g


def _log_odds_dead(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = theta
    pos = x > 0
    bx1 = np.where(pos, b + x - 1, 1.0)
    lo = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(pos, lo, -np.inf)


def p_alive(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T)."""
    return expit(-_log_odds_dead(theta, x, tx, T))


def _second(theta: np.ndarray, t: Any, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = theta
    z = t / (alpha + T + t)
    # hyp2f1(r+x, b+x; a+b+x-1; z) * (1-z)^(r+x) == (1-z)^(a-1) * hyp2f1(a+b-1-r, a-1; a+b+x-1; z)
    return 1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)


def expected(theta: np.ndarray, t: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[X(T, T+t) | x, t_x, T] (FHL 2005 eq. 10), Euler-transformed so large x cannot overflow.

    The hypergeometric term depends on (x, T) only: on many rows it is evaluated
    once per distinct (x, T) pair (hyp2f1 is the expensive call).
    """
    a, b = theta[2], theta[3]
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    if np.ndim(t) == 0 and x.ndim == 1 and x.shape == T.shape and len(x) > 1024:
        u, _, inv = unique_rows({"x": x, "T": T})
        second = _second(theta, t, u["x"], u["T"])[inv]
    else:
        second = _second(theta, t, x, T)
    return (a + b + x - 1) / (a - 1) * second * p_alive(theta, x, tx, T)


def expected_new(theta: np.ndarray, t: Any) -> Any:
    """E[X(t)] for a customer who has just made a first purchase."""
    r, alpha, a, b = theta
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (
        (a + b - 1)
        / (a - 1)
        * (1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z))
    )


class BetaGeoModel(PurchaseModel):
    """BG/NBD model of repeat purchasing in a non-contractual setting.

    Customers buy at a Poisson rate λ ~ Gamma(r, α) while alive; after each
    purchase they drop out with probability p ~ Beta(a, b). Fitted by maximum
    likelihood on the distinct (frequency, recency, T) rows with a weight, with
    an analytic gradient in log-parameter space.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters (added to the mean negative log-likelihood).
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.
    maxiter : int, default 1000
        Maximum optimiser iterations.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_ : float
        Log-likelihood at the optimum (without the penalty).
    standard_errors_, confidence_intervals_, summary_ : pandas objects
        From the inverse Hessian of the negative log-likelihood in log space,
        mapped to the natural scale with the delta method; intervals are
        ``exp(log θ ± 1.96 se_log)`` so they stay positive.
    n_customers_ : int
        Number of customers (sum of the weights) the model was fitted on.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoModel
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "monetary_value": [0.0, 12.0, 85.0, 18.0, 50.0, 25.0, 30.0, 40.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> model = BetaGeoModel().fit(rfm)
    >>> model.probability_alive(rfm).round(3).tolist()[0]
    1.0

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your
       Customers" the Easy Way: An Alternative to the Pareto/NBD Model.
       Marketing Science 24(2), 275-284.
    .. [2] Fader, Hardie and Lee (2008). Computing P(alive) using the BG/NBD model.
       http://brucehardie.com/notes/021/
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "a", "b")
    _init: ClassVar[tuple[float, ...]] = (0.5, 5.0, 0.8, 2.5)
    _extra_starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0),)

    def _start(self, d: dict[str, np.ndarray], w: np.ndarray) -> list[np.ndarray]:
        # scale alpha to the data's time unit (alpha is a time scale)
        scale = max(float(np.average(d["T"], weights=w)), 1e-3) / 38.0
        starts = super()._start(d, w)
        for s in starts:
            s[1] *= scale
        return starts

    def _loglik(self, theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
        return _loglik(theta, d, grad)

    def _weighted(
        self, theta: np.ndarray, d: dict[str, np.ndarray], w: np.ndarray
    ) -> tuple[float, np.ndarray]:
        return _sums(theta, d, w)


    def probability_of_n_purchases(self, t: float, n: Any) -> Any:
        """P(X(t) = n): probability that a new customer makes exactly ``n`` repeat purchases by ``t``."""
        r, alpha, a, b = self._theta()
        n = np.asarray(n, dtype=float)
        p = alpha / (alpha + t)
        first = np.exp(betaln(a, b + n) - betaln(a, b)) * nbinom.pmf(n, r, p)
        second = np.where(
            n > 0,
            np.exp(betaln(a + 1, b + np.maximum(n, 1) - 1) - betaln(a, b)) * nbinom.sf(n - 1, r, p),
            0.0,
        )
        return first + second

    # functional forms used by customer_lifetime_value / clv_interval / score
    _expected_fn = staticmethod(expected)
    _p_alive_fn = staticmethod(p_alive)
    _expected_new_fn = staticmethod(expected_new)

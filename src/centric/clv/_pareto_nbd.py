"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the formulation of Fader, Hardie & Shang.

Likelihood
----------
With f(τ) = (α+τ)^-(r+x) (β+τ)^-(s+1),

    L(r, α, s, β | x, t_x, T) = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s
                                 + s ∫_{t_x}^{T} f(τ) dτ ].

The tail integral J(t) = ∫_t^∞ f(τ) dτ is the Gaussian hypergeometric term of
Fader, Hardie & Shang (2005). Euler's transformation turns it into
``2F1(1, b; c; z)`` with ``0 <= z < 1`` and ``c > b`` in both cases:

* α >= β:  J(t) = (α+t)^-(r+x) (β+t)^-s       · 2F1(1, r+x; r+s+x+1; (α-β)/(α+t)) / (r+s+x)
* α <  β:  J(t) = (α+t)^-(r+x-1) (β+t)^-(s+1) · 2F1(1, s+1; r+s+x+1; (β-α)/(β+t)) / (r+s+x)

so every quantity is evaluated in log space and nothing overflows for large x.
``2F1(1, b; c; z)`` and its derivatives in ``b``, ``c`` and ``z`` are summed
from the power series (terms fall at least as fast as ``z^k``) for ``z <= 0.8``;
beyond, scipy's ``hyp2f1`` gives the value and the z-derivative and the ``b``,
``c`` derivatives are taken by central differences (rare: α and β differing
by a factor of more than five). The gradient of the log-likelihood is
otherwise analytic.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy import integrate
from scipy.special import gammaln, hyp2f1, psi

from centric.clv._base import PurchaseModel, cached_unique, log1mexp

__all__ = ["ParetoNBDModel"]

_ZCUT = 0.8


def _f21_one(b: np.ndarray, c: np.ndarray, z: np.ndarray, grad: bool) -> tuple[np.ndarray, ...]:
    """``G = 2F1(1, b; c; z)`` and (if grad) ``dG/db, dG/dc, dG/dz`` (c > b > 0, 0 <= z < 1)."""
    b, c, z = np.broadcast_arrays(np.asarray(b, float), np.asarray(c, float), np.asarray(z, float))
    G = np.empty(z.shape)
    Gb = np.empty(z.shape)
    Gc = np.empty(z.shape)
    Gz = np.empty(z.shape)
    ser = z <= _ZCUT
    if ser.any():
        bs, cs, zs = b[ser], c[ser], z[ser]
        zmax = float(zs.max())
        K = 2 if zmax <= 0 else int(np.ceil(np.log(1e-17) / np.log(zmax))) + 2
        t = np.ones_like(zs)  # t_k
        u = bs / cs  # t_{k+1} / z
        S = np.zeros_like(zs)
        Sb = np.zeros_like(zs)
        Sc = np.zeros_like(zs)
        Sz = np.zeros_like(zs)
        hb = np.zeros_like(zs)
        hc = np.zeros_like(zs)
        for k in range(K):
            S += t
            if grad:
                Sb += t * hb
                Sc += t * hc
                Sz += (k + 1) * u
                hb += 1.0 / (bs + k)
                hc += 1.0 / (cs + k)
                u = u * (bs + k + 1) / (cs + k + 1) * zs
            t = t * (bs + k) / (cs + k) * zs
        G[ser] = S
        Gb[ser] = Sb
        Gc[ser] = -Sc
        Gz[ser] = Sz
    far = ~ser
    if far.any():
        bf, cf, zf = b[far], c[far], z[far]
        G[far] = hyp2f1(1.0, bf, cf, zf)
        if grad:
            hb_ = 1e-6 * np.maximum(1.0, bf)
            hc_ = 1e-6 * np.maximum(1.0, cf)
            Gb[far] = (hyp2f1(1.0, bf + hb_, cf, zf) - hyp2f1(1.0, bf - hb_, cf, zf)) / (2 * hb_)
            Gc[far] = (hyp2f1(1.0, bf, cf + hc_, zf) - hyp2f1(1.0, bf, cf - hc_, zf)) / (2 * hc_)
            Gz[far] = bf / cf * hyp2f1(2.0, bf + 1, cf + 1, zf)
    return G, Gb, Gc, Gz


def _log_tail(theta: np.ndarray, x: np.ndarray, t: np.ndarray, grad: bool) -> tuple[np.ndarray, Any]:
    """log J(t) = log ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ and its gradient in (r, α, s, β)."""
    r, alpha, s, beta = theta
    a_ = r + s + x
    la, lb = np.log(alpha + t), np.log(beta + t)
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        G, Gb, Gc, Gz = _f21_one(r + x, a_ + 1, z, grad)
        lj = -(r + x) * la - s * lb + np.log(G) - np.log(a_)
        if not grad:
            return lj, None
        g = np.empty((len(x), 4))
        g[:, 0] = -la + (Gb + Gc) / G - 1 / a_
        g[:, 1] = -(r + x) / (alpha + t) + Gz / G * (beta + t) / (alpha + t) ** 2
        g[:, 2] = -lb + Gc / G - 1 / a_
        g[:, 3] = -s / (beta + t) - Gz / G / (alpha + t)
    else:
        z = (beta - alpha) / (beta + t)
        G, Gb, Gc, Gz = _f21_one(s + 1, a_ + 1, z, grad)
        lj = -(s + 1) * lb - (r + x - 1) * la + np.log(G) - np.log(a_)
        if not grad:
            return lj, None
        g = np.empty((len(x), 4))
        g[:, 0] = -la + Gc / G - 1 / a_
        g[:, 1] = -(r + x - 1) / (alpha + t) - Gz / G / (beta + t)
        g[:, 2] = -lb + (Gb + Gc) / G - 1 / a_
        g[:, 3] = -(s + 1) / (beta + t) + Gz / G * (alpha + t) / (beta + t) ** 2
    return lj, g


def _tail_on_pairs(theta: np.ndarray, d: dict[str, Any], tkey: str, grad: bool) -> tuple[np.ndarray, Any]:
    """log J(t) on the distinct (x, t) pairs, gathered back to rows."""
    (u, inv) = cached_unique(d, "frequency", tkey)
    lj, g = _log_tail(theta, u["frequency"], u[tkey], grad)
    return lj[inv], (None if g is None else g[inv])


def _parts(theta: np.ndarray, d: dict[str, Any], grad: bool) -> tuple[Any, ...]:
    r, alpha, s, beta = theta
    x, T = d["frequency"], d["T"]
    lP = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    l1, g1 = _tail_on_pairs(theta, d, "recency", grad)
    l2, g2 = _tail_on_pairs(theta, d, "T", grad)
    ls = np.log(s)
    lD = ls + l1 + log1mexp(np.minimum(l2 - l1, 0.0))
    lB = np.logaddexp(lP, lD)
    return lP, lB, l1, l2, g1, g2


def _loglik(theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
    r, alpha, s, beta = theta
    x, T = d["frequency"], d["T"]
    lP, lB, l1, l2, g1, g2 = _parts(theta, d, grad)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + lB
    if not grad:
        return ll, None
    ls = np.log(s)
    wP = np.exp(lP - lB)
    w1 = np.exp(ls + l1 - lB)
    w2 = np.exp(ls + l2 - lB)
    gP = np.empty((len(x), 4))
    gP[:, 0] = -np.log(alpha + T)
    gP[:, 1] = -(r + x) / (alpha + T)
    gP[:, 2] = -np.log(beta + T)
    gP[:, 3] = -s / (beta + T)
    g = wP[:, None] * gP + w1[:, None] * g1 - w2[:, None] * g2
    g[:, 2] += (w1 - w2) / s
    g[:, 0] += psi(r + x) - psi(r) + np.log(alpha)
    g[:, 1] += r / alpha
    g[:, 2] += np.log(beta)
    g[:, 3] += s / beta
    return ll, g


def p_alive(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T)."""
    lP, lB, *_ = _parts(theta, {"frequency": x, "recency": tx, "T": T}, False)
    return np.exp(lP - lB)


def _decay(s: float, q: Any) -> Any:
    """(1 - q^(s-1)) / (s-1), with its limit -log(q) at s = 1."""
    lq = np.log(q)
    if abs(s - 1) < 1e-10:
        return -lq
    return -np.expm1((s - 1) * lq) / (s - 1)


def expected(theta: np.ndarray, t: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[X(T, T+t) | x, t_x, T] (Schmittlein et al. 1987; Fader & Hardie 2005 note)."""
    r, alpha, s, beta = theta
    pa = p_alive(theta, x, tx, T)
    return pa * (r + x) * (beta + T) / (alpha + T) * _decay(s, (beta + T) / (beta + T + t))


def expected_new(theta: np.ndarray, t: Any) -> Any:
    """E[X(t)] for a customer who has just made a first purchase."""
    r, alpha, s, beta = theta
    t = np.asarray(t, dtype=float)
    return r * beta / alpha * _decay(s, beta / (beta + t))


class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD model of repeat purchasing in a non-contractual setting.

    Customers buy at a Poisson rate λ ~ Gamma(r, α) for an exponential lifetime
    with rate μ ~ Gamma(s, β). The Gaussian hypergeometric terms are evaluated
    stably in log space (see the module notes) and the gradient is analytic.

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
        ``r``, ``alpha``, ``s``, ``beta``.
    log_likelihood_, standard_errors_, confidence_intervals_, summary_, n_customers_
        As for :class:`BetaGeoModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import ParetoNBDModel
    >>> rfm = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 5, 8, 2], "recency": [0.0, 5.0, 30.0, 12.0, 33.0, 25.0, 36.0, 30.0],
    ...                     "T": [38.0, 37.0, 38.0, 36.0, 38.0, 35.0, 38.0, 38.0],
    ...                     "monetary_value": [0.0, 12.0, 85.0, 18.0, 50.0, 25.0, 30.0, 40.0],
    ...                     "weight": [1400, 150, 100, 120, 80, 40, 20, 60]})
    >>> model = ParetoNBDModel().fit(rfm)
    >>> bool((model.probability_alive(rfm) <= 1).all())
    True

    References
    ----------
    .. [1] Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your
       Customers: Who Are They and What Will They Do Next? Management Science 33(1).
    .. [2] Fader, P. S. and Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD
       Model and Related Expressions. http://brucehardie.com/notes/009/
    .. [3] Fader, P. S., Hardie, B. G. S. and Shang, J. (2005). "A Note on Deriving the
       Pareto/NBD model": the Gaussian hypergeometric terms for α >= β and α < β.
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "s")
    _init: ClassVar[tuple[float, ...]] = (0.5, 10.0, 0.5, 10.0)
    _extra_starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0),)

    def _start(self, d: dict[str, np.ndarray], w: np.ndarray) -> list[np.ndarray]:
        scale = max(float(np.average(d["T"], weights=w)), 1e-3) / 38.0
        starts = super()._start(d, w)
        for s in starts:
            s[1] *= scale
            s[3] *= scale
        return starts

    def _loglik(self, theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
        return _loglik(theta, d, grad)


    def probability_of_n_purchases(self, t: float, n: Any) -> Any:
        """P(X(t) = n) for a new customer, by integrating over the lifetime distribution.

        ``P(X(t)=n) = S(t)·NBD(n; r, α, t) + ∫_0^t f(τ)·NBD(n; r, α, τ) dτ`` with the
        Pareto (Lomax) lifetime ``S(τ) = (β/(β+τ))^s``.
        """
        r, alpha, s, beta = self._theta()
        t = float(t)

        def nbd(n_: float, tau: float) -> float:
            if tau <= 0:
                return 1.0 if n_ == 0 else 0.0
            return float(
                np.exp(
                    gammaln(r + n_)
                    - gammaln(r)
                    - gammaln(n_ + 1)
                    + r * np.log(alpha / (alpha + tau))
                    + n_ * np.log(tau / (alpha + tau))
                )
            )

        def one(n_: float) -> float:
            surv = (beta / (beta + t)) ** s
            val, _ = integrate.quad(
                lambda tau: s * beta**s / (beta + tau) ** (s + 1) * nbd(n_, tau),
                0.0,
                t,
                epsabs=1e-13,
                epsrel=1e-11,
                limit=200,
            )
            return surv * nbd(n_, t) + val

        arr = np.asarray(n, dtype=float)
        out = np.vectorize(one, otypes=[float])(arr)
        return float(out) if out.ndim == 0 else out

    _expected_fn = staticmethod(expected)
    _p_alive_fn = staticmethod(p_alive)
    _expected_new_fn = staticmethod(expected_new)

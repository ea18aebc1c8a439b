"""BG/BB: the beta-geometric / beta-Bernoulli model for discrete purchase opportunities."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln, logsumexp, psi

from centric.clv._base import HINT, CLVEstimator, _nonneg
from centric.exceptions import InputError

__all__ = ["BetaGeoBetaBinomModel"]


def _terms(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, ...]:
    """Log of the likelihood's terms as an (rows, 1 + J) matrix (-inf where absent) + pieces."""
    al, be, ga, de = theta
    J = int(np.max(n - tx)) if len(n) else 0
    i = np.arange(J)[None, :]
    valid = i < (n - tx)[:, None]  # i = 0 .. n - t_x - 1
    xa = x[:, None]
    base = -betaln(al, be) - betaln(ga, de)
    lt0 = betaln(al + x, be + n - x) + betaln(ga, de + n) + base
    p2 = be + tx[:, None] - xa + i  # beta argument of the sum terms
    q2 = de + tx[:, None] + i
    lsum = betaln(al + xa, p2) + betaln(ga + 1, q2) + base
    lsum = np.where(valid, lsum, -np.inf)
    return lt0, lsum, valid, p2, q2


def _loglik(theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
    al, be, ga, de = theta
    x, tx, n = d["frequency"], d["recency"], d["n_periods"]
    lt0, lsum, valid, p2, q2 = _terms(theta, x, tx, n)
    allt = np.concatenate([lt0[:, None], lsum], axis=1)
    ll = logsumexp(allt, axis=1)
    if not grad:
        return ll, None
    w = np.exp(allt - ll[:, None])
    w0, ws = w[:, 0], w[:, 1:]
    xa = x[:, None]
    # derivatives of betaln(p, q): psi(p) - psi(p+q), psi(q) - psi(p+q)
    dab = psi(al + be)
    dgd = psi(ga + de)
    g = np.empty((len(x), 4))
    # term 0: betaln(al+x, be+n-x) + betaln(ga, de+n) - betaln(al,be) - betaln(ga,de)
    s0 = psi(al + be + n)
    g0a = psi(al + x) - s0 - (psi(al) - dab)
    g0b = psi(be + n - x) - s0 - (psi(be) - dab)
    s0g = psi(ga + de + n)
    g0g = psi(ga) - s0g - (psi(ga) - dgd)
    g0d = psi(de + n) - s0g - (psi(de) - dgd)
    # sum terms: betaln(al+x, p2) + betaln(ga+1, q2) - ...
    with np.errstate(invalid="ignore"):
        sa = psi(al + xa + p2)
        gsa = np.where(valid, psi(al + xa) - sa - (psi(al) - dab), 0.0)
        gsb = np.where(valid, psi(p2) - sa - (psi(be) - dab), 0.0)
        sg = psi(ga + 1 + q2)
        gsg = np.where(valid, psi(ga + 1) - sg - (psi(ga) - dgd), 0.0)
        gsd = np.where(valid, psi(q2) - sg - (psi(de) - dgd), 0.0)
    g[:, 0] = w0 * g0a + (ws * gsa).sum(1)
    g[:, 1] = w0 * g0b + (ws * gsb).sum(1)
    g[:, 2] = w0 * g0g + (ws * gsg).sum(1)
    g[:, 3] = w0 * g0d + (ws * gsd).sum(1)
    return ll, g


def p_alive(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, n: np.ndarray, m: float = 0.0) -> np.ndarray:
    """P(alive at opportunity n + m | x, t_x, n) (FHS 2010 eq. 11)."""
    al, be, ga, de = theta
    ll, _ = _loglik(theta, {"frequency": x, "recency": tx, "n_periods": n}, False)
    return np.exp(betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n + m) - betaln(ga, de) - ll)


def expected(theta: np.ndarray, t: Any, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> np.ndarray:
    """E[X(n, n+t) | x, t_x, n]: expected purchases in the next ``t`` opportunities (FHS 2010 eq. 13)."""
    al, be, ga, de = theta
    ll, _ = _loglik(theta, {"frequency": x, "recency": tx, "n_periods": n}, False)
    lp2 = betaln(al + x + 1, be + n - x) - betaln(al, be)
    lp3 = np.log(de) - np.log(np.abs(ga - 1)) + gammaln(ga + de) - gammaln(1 + de)
    d4 = np.exp(gammaln(1 + de + n) - gammaln(ga + de + n))
    d5 = np.exp(gammaln(1 + de + n + t) - gammaln(ga + de + n + t))
    return np.sign(ga - 1) * np.exp(lp2 + lp3 - ll) * (d4 - d5)


def expected_new(theta: np.ndarray, t: Any) -> Any:
    """E[X(t)]: expected purchases in the first ``t`` opportunities (FHS 2010 eq. 8)."""
    al, be, ga, de = theta
    t = np.asarray(t, dtype=float)
    return (
        al
        / (al + be)
        * de
        / (ga - 1)
        * (1 - np.exp(gammaln(ga + de) - gammaln(1 + de) + gammaln(1 + de + t) - gammaln(ga + de + t)))
    )


class BetaGeoBetaBinomModel(CLVEstimator):
    """BG/BB model for discrete purchase opportunities (e.g. yearly donations).

    At each opportunity an alive customer buys with probability p ~ Beta(α, β)
    and drops out with probability θ ~ Beta(γ, δ). The data are ``frequency``
    (repeat transactions), ``recency`` (opportunity of the last one) and
    ``n_periods`` (number of opportunities), usually compressed with a weight.

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
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    log_likelihood_, standard_errors_, confidence_intervals_, summary_, n_customers_
        As for :class:`BetaGeoModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import BetaGeoBetaBinomModel
    >>> panel = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 4, 5, 6], "recency": [0, 1, 6, 6, 6, 6, 6, 6],
    ...                       "n_periods": [6] * 8, "weight": [3464, 1091, 129, 234, 357, 512, 728, 1203]})
    >>> model = BetaGeoBetaBinomModel().fit(panel)
    >>> float(model.expected_purchases_new_customer(3)) > 0
    True

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis
       in a Discrete-Time Noncontractual Setting. Marketing Science 29(6), 1086-1108.
    """

    _param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    _columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "n_periods")
    _shape_params: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    _init: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    _extra_starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.2, 0.75, 0.66, 2.8),)

    def _check_values(self, cols: dict[str, np.ndarray]) -> None:
        super()._check_values(cols)
        owner = type(self).__name__
        for c in self._columns:
            if np.any(cols[c] != np.round(cols[c])):
                raise InputError(f"Column {c!r} passed to {owner} must hold whole numbers. {HINT}")
        _nonneg("n_periods", cols["n_periods"], owner)
        if np.any(cols["frequency"] > cols["recency"]):
            raise InputError(f"frequency must not exceed recency for {owner} (opportunities). {HINT}")

    def _loglik(self, theta: np.ndarray, d: dict[str, np.ndarray], grad: bool) -> tuple[np.ndarray, Any]:
        return _loglik(theta, d, grad)

    def probability_alive(self, data: Any, /, *, m: int = 0) -> pd.Series:
        """P(alive at opportunity n + m) per customer."""
        theta = self._theta()
        return self._predict_rows(
            data, lambda d: p_alive(theta, d["frequency"], d["recency"], d["n_periods"], float(m))
        )

    def expected_purchases(self, data: Any, /, *, t: float) -> pd.Series:
        """Expected number of purchases in the next ``t`` opportunities, per customer."""
        theta = self._theta()
        return self._predict_rows(
            data, lambda d: expected(theta, float(t), d["frequency"], d["recency"], d["n_periods"])
        )

    def expected_purchases_new_customer(self, t: Any) -> Any:
        """Expected number of purchases in the first ``t`` opportunities."""
        return expected_new(self._theta(), t)

    def probability_of_n_purchases(self, t: int, n: Any) -> Any:
        """P(X(t) = n): probability of exactly ``n`` purchases in ``t`` opportunities (FHS 2010 eq. 7)."""
        al, be, ga, de = self._theta()
        t = int(t)

        def one(x: int) -> float:
            if x < 0 or x > t:
                return 0.0
            lc = gammaln(t + 1) - gammaln(x + 1) - gammaln(t - x + 1)
            base = -betaln(al, be) - betaln(ga, de)
            terms = [lc + betaln(al + x, be + t - x) + betaln(ga, de + t) + base]
            for i in range(x, t):
                lci = gammaln(i + 1) - gammaln(x + 1) - gammaln(i - x + 1)
                terms.append(lci + betaln(al + x, be + i - x) + betaln(ga + 1, de + i) + base)
            return float(np.exp(logsumexp(terms)))

        arr = np.asarray(n)
        out = np.vectorize(one, otypes=[float])(arr.astype(int))
        return float(out) if out.ndim == 0 else out

    _expected_fn = staticmethod(expected)
    _p_alive_fn = staticmethod(p_alive)

"""The estimator contract shared by the CLV models.

:class:`CLVEstimator` does the work every model shares: parameter and column
validation, compression of the input to distinct rows with a weight, maximum
likelihood in log-parameter space with an analytic gradient, a Newton polish,
standard errors from the Hessian (delta method back to the natural scale) and
the fitted attributes. A model supplies its parameter names, its required
columns and two pure functions of a parameter vector: the per-row
log-likelihood with its gradient, and the predictions.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize

from centric.clv._rows import cached_unique, unique_rows
from centric.exceptions import ConvergenceError, InputError, InvalidParameterError, NotFittedError

__all__ = ["CLVEstimator", "as_frame", "cached_unique", "check_columns", "check_is_fitted", "unique_rows"]

HINT = "Hint: build inputs with centric.clv.rfm_summary()."
WEIGHT = "weight"


# --------------------------------------------------------------------------- helpers
def as_frame(data: Any, *, what: str = "data") -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame (an ibis Table is executed)."""
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "execute") and hasattr(data, "columns"):  # an ibis Table
        return data.execute()
    if isinstance(data, pd.Series):
        return data.to_frame()
    raise InputError(f"{what} must be a pandas DataFrame or an ibis Table; got {type(data).__name__}. {HINT}")


def check_columns(frame: Any, required: Sequence[str], *, hint: str = HINT) -> None:
    """Raise :class:`InputError` naming the first required column that is missing."""
    present = list(frame.columns)
    for col in required:
        if col not in present:
            raise InputError(f"Required column {col!r} missing from data. Columns present: {present}. {hint}")


def check_is_fitted(estimator: Any) -> None:
    """Raise :class:`NotFittedError` (sklearn wording) when ``fit`` has not run."""
    if not hasattr(estimator, "params_"):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def _check_finite(name: str, values: np.ndarray, *, owner: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"Column {name!r} passed to {owner} has {int(bad.sum())} missing or non-finite "
            f"value(s) (first at row {int(np.flatnonzero(bad)[0])}). Drop or fill them first. {HINT}"
        )


def log1mexp(d: np.ndarray) -> np.ndarray:
    """``log(1 - exp(d))`` for ``d <= 0``, accurate over the whole range."""
    d = np.asarray(d, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > -0.6931471805599453, np.log(-np.expm1(d)), np.log1p(-np.exp(d)))


# --------------------------------------------------------------------------- estimator
class CLVEstimator:
    """Base class of the CLV models (scikit-learn estimator contract).

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of an L2 penalty on the log-parameters, added to the mean negative
        log-likelihood (as lifetimes' ``penalizer_coef``, but on the log scale).
    tol : float, default 1e-8
        Gradient tolerance of the optimiser (on the mean negative log-likelihood).
    maxiter : int, default 1000
        Maximum number of optimiser iterations.

    Notes
    -----
    Subclasses define ``_param_names``, ``_columns``, ``_init`` (starting values),
    ``_loglik(theta, d, grad)`` returning the per-row log-likelihood and its
    gradient with respect to the natural parameters, and their predictions.
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")
    _init: ClassVar[tuple[float, ...]] = ()
    _extra_starts: ClassVar[tuple[tuple[float, ...], ...]] = ()
    #: parameters with no unit (shapes): an estimate beyond e^±12 means the optimum is on the boundary
    _shape_params: ClassVar[tuple[str, ...]] = ()
    #: above this many distinct rows the quasi-Newton start runs on coarsened data (see ``_coarsen``)
    _coarse_rows: ClassVar[int] = 20000

    def __init__(self, *, penalizer: float = 0.0, tol: float = 1e-8, maxiter: int = 1000) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.maxiter = maxiter

    # -- sklearn-style plumbing -------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments as a dict."""
        return {"penalizer": self.penalizer, "tol": self.tol, "maxiter": self.maxiter}

    def set_params(self, **params: Any) -> CLVEstimator:
        """Set constructor arguments; returns ``self``."""
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise InvalidParameterError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(valid)}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = CLVEstimator(penalizer=0.0, tol=1e-8, maxiter=1000).get_params()
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k])
        return f"{type(self).__name__}({args})"

    def _validate_params(self) -> None:
        name = type(self).__name__
        p = self.penalizer
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not np.isfinite(p) or p < 0:
            raise InvalidParameterError(
                f"The 'penalizer' parameter of {name} must be a float in the range [0, inf). "
                f"Got {p!r} instead."
            )
        t = self.tol
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or not np.isfinite(t) or t <= 0:
            raise InvalidParameterError(
                f"The 'tol' parameter of {name} must be a float in the range (0, inf). Got {t!r} instead."
            )
        m = self.maxiter
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
            raise InvalidParameterError(
                f"The 'maxiter' parameter of {name} must be an int in the range [1, inf). Got {m!r} instead."
            )

    # -- data ---------------------------------------------------------------------------
    def _frame_arrays(self, data: Any) -> tuple[dict[str, np.ndarray], np.ndarray | None, pd.Index]:
        """Required columns as float arrays (+ a weight column if present) and the index."""
        if hasattr(data, "execute") and hasattr(data, "columns") and not isinstance(data, pd.DataFrame):
            from centric.clv._prep import compress

            check_columns(data, self._columns)
            data = compress(data, columns=self._columns)
        frame = as_frame(data)
        check_columns(frame, self._columns)
        owner = type(self).__name__
        cols = {}
        for c in self._columns:
            try:
                values = np.asarray(frame[c], dtype=float)
            except (TypeError, ValueError) as exc:
                raise InputError(f"Column {c!r} passed to {owner} must be numeric. {HINT}") from exc
            _check_finite(c, values, owner=owner)
            cols[c] = values
        w = np.asarray(frame[WEIGHT], dtype=float) if WEIGHT in frame.columns else None
        if "customer_id" in frame.columns:
            index = pd.Index(frame["customer_id"], name="customer_id")
        else:
            index = frame.index
        return cols, w, index

    def _check_values(self, cols: dict[str, np.ndarray]) -> None:
        """Model-specific value checks (frequency >= 0, recency <= T, ...)."""
        owner = type(self).__name__
        x, tx, T = cols["frequency"], cols["recency"], cols[self._columns[2]]
        _nonneg("frequency", x, owner)
        if np.any(x != np.round(x)):
            raise InputError(f"Column 'frequency' passed to {owner} must hold whole numbers. {HINT}")
        _nonneg("recency", tx, owner)
        _nonneg(self._columns[2], T, owner)
        if np.any(tx > T + 1e-9):
            i = int(np.flatnonzero(tx > T + 1e-9)[0])
            raise InputError(
                f"recency must not exceed {self._columns[2]} (row {i}: recency={tx[i]!r}, "
                f"{self._columns[2]}={T[i]!r}). {HINT}"
            )
        if np.any((x == 0) & (tx != 0)):
            raise InputError(f"Customers with frequency 0 must have recency 0 ({owner}); some do not. {HINT}")

    def _prepare_fit(self, data: Any, weights: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
        cols, w_col, _ = self._frame_arrays(data)
        n = len(next(iter(cols.values())))
        if n == 0:
            raise InputError(f"Cannot fit {type(self).__name__} on empty data (0 rows). {HINT}")
        if weights is not None:
            w = np.asarray(weights, dtype=float).ravel()
            if len(w) != n:
                raise InputError(f"weights has {len(w)} values but data has {n} rows.")
        elif w_col is not None:
            w = w_col
        else:
            w = None
        if w is not None:
            if not np.all(np.isfinite(w)) or np.any(w < 0):
                raise InputError("weights must be finite and non-negative.")
            if w.sum() <= 0:
                raise InputError(f"Cannot fit {type(self).__name__}: the weights sum to 0.")
        self._check_values(cols)
        uniq, wu, _ = unique_rows(cols, w)
        keep = wu > 0
        return {k: v[keep] for k, v in uniq.items()}, wu[keep]

    # -- to be provided by subclasses ----------------------------------------------------
    def _loglik(
        self, theta: np.ndarray, d: dict[str, np.ndarray], grad: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _start(self, d: dict[str, np.ndarray], w: np.ndarray) -> list[np.ndarray]:
        return [np.array(self._init, dtype=float), *[np.array(s, dtype=float) for s in self._extra_starts]]

    def _weighted(
        self, theta: np.ndarray, d: dict[str, np.ndarray], w: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """``(sum_i w_i ll_i, sum_i w_i grad_i)``; a model may override it with a cheaper form."""
        ll, g = self._loglik(theta, d, True)
        return float(w @ ll), w @ g

    def _coarsen(
        self, d: dict[str, np.ndarray], w: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        """A few thousand rows with recency and T rounded to a grid of T_max / 32, for a starting point.

        Rounding both to the same grid keeps recency <= T and recency = 0 when
        frequency = 0. Only for (frequency, recency, T) models; None when it does not shrink the data.
        """
        if self._columns != ("frequency", "recency", "T") or len(w) <= self._coarse_rows:
            return None
        h = float(np.max(d["T"])) / 32.0
        if not h > 0:
            return None
        cols = {
            "frequency": d["frequency"],
            "recency": np.round(d["recency"] / h) * h,
            "T": np.round(d["T"] / h) * h,
        }
        uniq, wu, _ = unique_rows(cols, w, inverse=False)
        return (uniq, wu) if len(wu) <= len(w) // 4 else None

    def _multi_start(self, d: dict[str, np.ndarray], w: np.ndarray, gtol: float) -> Any:
        best = None
        for x0 in self._start(d, w):
            try:
                res = self._minimize(np.log(x0), d, w, gtol)
            except (FloatingPointError, ValueError):  # pragma: no cover - defensive
                continue
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
            if best is not None and (best.success or np.max(np.abs(best.jac)) < 1e-4):
                break  # the other starting points are fallbacks
        return best

    # -- fitting --------------------------------------------------------------------------
    def _objective(
        self, phi: np.ndarray, d: dict[str, np.ndarray], w: np.ndarray
    ) -> tuple[float, np.ndarray]:
        theta = np.exp(phi)
        with np.errstate(all="ignore"):
            sll, sg = self._weighted(theta, d, w)
            W = w.sum()
            f = -sll / W + self.penalizer * float(phi @ phi)
            grad = -sg * theta / W + 2.0 * self.penalizer * phi
        if not np.isfinite(f) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(phi)
        return f, grad

    def _hessian(
        self, phi: np.ndarray, d: dict[str, np.ndarray], w: np.ndarray, g0: np.ndarray
    ) -> np.ndarray:
        """Hessian of the mean objective in log space: forward differences of the analytic gradient."""
        k = len(phi)
        H = np.empty((k, k))
        h = 1e-6
        for i in range(k):
            e = np.zeros(k)
            e[i] = h
            H[:, i] = (self._objective(phi + e, d, w)[1] - g0) / h
        return 0.5 * (H + H.T)

    def _minimize(self, phi0: np.ndarray, d: dict[str, np.ndarray], w: np.ndarray, gtol: float) -> Any:
        return optimize.minimize(
            self._objective,
            phi0,
            args=(d, w),
            jac=True,
            method="BFGS",
            options={"maxiter": int(self.maxiter), "gtol": gtol},
        )

    def fit(self, data: Any, /, *, weights: Any = None) -> CLVEstimator:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame or ibis.Table
            One row per customer with the model's columns (see the class docstring),
            or a compressed frame of distinct rows with a ``weight`` column (see
            :func:`centric.clv.compress`). An ibis Table is compressed inside its
            backend before anything is pulled into Python.
        weights : array-like, optional
            Number of customers each row stands for (overrides a ``weight`` column).

        Returns
        -------
        self
        """
        self._validate_params()
        d, w = self._prepare_fit(data, weights)
        self._check_fit_data(d, w)
        name = type(self).__name__
        tol = float(self.tol)
        # quasi-Newton to a loose tolerance, then Newton steps (quadratic convergence); on many
        # distinct rows the quasi-Newton part runs on a coarsened copy of the data (a starting point)
        coarse = self._coarsen(d, w)
        best = None if coarse is None else self._multi_start(*coarse, max(tol, 1e-5))
        from_coarse = best is not None and (best.success or np.max(np.abs(best.jac)) < 1e-4)
        if not from_coarse:
            best = self._multi_start(d, w, max(tol, 1e-5))
        if best is None or not np.isfinite(best.fun):
            raise ConvergenceError(
                f"{name} did not converge after {int(self.maxiter)} iterations: the likelihood "
                "could not be evaluated. Try a larger penalizer (e.g. penalizer=0.01)."
            )
        phi, f, nit = best.x, float(best.fun), int(best.nit)
        f, g = self._objective(phi, d, w)
        if from_coarse:  # the coarse data's Hessian of the mean objective is close: Newton steps with it
            H = self._hessian(phi, *coarse, self._objective(phi, *coarse)[1])  # type: ignore[misc]
        else:
            H = self._hessian(phi, d, w, g)
        for _ in range(12 if from_coarse else 6):
            if np.max(np.abs(g)) < tol:
                break
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            fc, gc = self._objective(phi - step, d, w)
            if not np.isfinite(fc) or fc > f + 1e-12 * max(1.0, abs(f)):
                break
            phi, f, g = phi - step, fc, gc
        if np.max(np.abs(g)) >= tol and not np.any(np.abs(phi) > 30):
            res = self._minimize(phi, d, w, tol)  # Newton did not finish: BFGS all the way
            nit += int(res.nit)
            phi = res.x
            f, g = self._objective(phi, d, w)
            H = self._hessian(phi, d, w, g)
        elif from_coarse:  # standard errors from the full data's Hessian at the optimum
            H = self._hessian(phi, d, w, g)
        gmax = float(np.max(np.abs(g)))
        if gmax > max(1e-4, 100 * tol) or np.any(np.abs(phi) > 30):
            why = "hit the iteration limit" if best.nit >= int(self.maxiter) else best.message
            raise ConvergenceError(
                f"{name} did not converge after {nit} iterations ({why}; largest gradient "
                f"{gmax:.3g}, log-parameters {np.round(phi, 2).tolist()}). "
                "Try a larger penalizer (e.g. penalizer=0.01) or check the input data."
            )
        theta = np.exp(phi)
        W = float(w.sum())
        ll_rows, _ = self._loglik(theta, d, False)
        names = list(self._param_names)
        self.params_ = pd.Series(theta, index=names, name="coef")
        self.log_likelihood_ = float(w @ ll_rows)
        self.n_customers_ = int(round(W))
        self.n_iter_ = nit
        Htot = H * W
        try:
            cov_log = np.linalg.inv(Htot)
            if np.any(np.diag(cov_log) <= 0):
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            cov_log = np.full_like(Htot, np.nan)
        se_log = np.sqrt(np.abs(np.diag(cov_log)))
        for i, pname in enumerate(names):
            if pname in self._shape_params and (
                abs(phi[i]) > 12 or not np.isfinite(se_log[i]) or se_log[i] > 5
            ):
                raise ConvergenceError(
                    f"{name} did not converge after {nit} iterations: parameter {pname!r} is not identified by "
                    f"the data (estimate {theta[i]:.3g}, standard error of its log {se_log[i]:.3g}); the "
                    "likelihood is maximised on the boundary. Try a larger penalizer (e.g. penalizer=0.01)."
                )
        self.covariance_log_ = pd.DataFrame(cov_log, index=names, columns=names)
        J = np.diag(theta)
        cov = J @ cov_log @ J
        self.covariance_ = pd.DataFrame(cov, index=names, columns=names)
        se = np.sqrt(np.diag(cov))
        self.standard_errors_ = pd.Series(se, index=names, name="se")
        z = 1.959963984540054
        with np.errstate(over="ignore"):
            lower, upper = np.exp(phi - z * se_log), np.exp(phi + z * se_log)
        self.confidence_intervals_ = pd.DataFrame({"lower 95%": lower, "upper 95%": upper}, index=names)
        self.summary_ = pd.DataFrame(
            {"coef": theta, "se": se, "lower 95%": lower, "upper 95%": upper}, index=names
        )
        return self

    def _check_fit_data(self, d: dict[str, np.ndarray], w: np.ndarray) -> None:
        if float(w @ d["frequency"]) == 0:
            raise InputError(
                f"Cannot fit {type(self).__name__}: no customer has a repeat purchase (all "
                f"{int(round(w.sum()))} bought once), so the purchase process is not identified. "
                "Use a longer observation period."
            )

    # -- prediction helpers ----------------------------------------------------------------
    def _theta(self) -> np.ndarray:
        check_is_fitted(self)
        return self.params_.to_numpy(dtype=float)

    def _predict_rows(self, data: Any, fn: Any) -> pd.Series:
        """Evaluate ``fn(d)`` on the distinct rows of ``data`` and map back per customer."""
        cols, _, index = self._frame_arrays(data)
        self._check_values(cols)
        uniq, _, inv = unique_rows(cols)
        with np.errstate(all="ignore"):
            values = np.asarray(fn(uniq), dtype=float)
        out = values[inv] if len(inv) else np.zeros(0)
        return pd.Series(out, index=index)

    def log_likelihood(self, data: Any, /, *, weights: Any = None) -> float:
        """Log-likelihood of ``data`` at the fitted parameters."""
        theta = self._theta()
        d, w = self._prepare_fit(data, weights)
        ll, _ = self._loglik(theta, d, False)
        return float(w @ ll)


def _nonneg(name: str, values: np.ndarray, owner: str) -> None:
    if np.any(values < 0):
        i = int(np.flatnonzero(values < 0)[0])
        raise InputError(
            f"Column {name!r} passed to {owner} must be non-negative; row {i} has {values[i]!r}. {HINT}"
        )


class PurchaseModel(CLVEstimator):
    """A continuous-time purchase model (BG/NBD, MBG/NBD, Pareto/NBD): shared predictions.

    Subclasses set ``_p_alive_fn``, ``_expected_fn`` and ``_expected_new_fn`` to their
    closed forms; the methods below evaluate them on the distinct rows of ``data``.
    """

    _p_alive_fn: Any
    _expected_fn: Any
    _expected_new_fn: Any

    def probability_alive(self, data: Any, /) -> pd.Series:
        """P(alive) per customer (1 for BG/NBD customers with no repeat purchase).

        Parameters
        ----------
        data : pandas.DataFrame or ibis.Table
            ``frequency``, ``recency`` and ``T`` per customer.
        """
        theta = self._theta()
        fn = type(self)._p_alive_fn
        return self._predict_rows(data, lambda d: fn(theta, d["frequency"], d["recency"], d["T"]))

    def expected_purchases(self, data: Any, /, *, t: float) -> pd.Series:
        """Expected number of purchases in the next ``t`` periods, per customer."""
        theta = self._theta()
        fn = type(self)._expected_fn
        return self._predict_rows(data, lambda d: fn(theta, float(t), d["frequency"], d["recency"], d["T"]))

    def expected_purchases_new_customer(self, t: Any) -> Any:
        """Expected number of repeat purchases in ``t`` periods after a first purchase."""
        return type(self)._expected_new_fn(self._theta(), t)

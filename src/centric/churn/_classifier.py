"""ChurnClassifier: calibrated gradient boosting with per-customer reasons; RecencyBaseline.

The classifier is LightGBM (one thread, small trees) wrapped in scikit-learn's
:class:`~sklearn.calibration.CalibratedClassifierCV` with ``ensemble=False``:
the calibration map (isotonic or sigmoid) is fitted on out-of-fold predictions
of a stratified k-fold, and the booster used for prediction is fitted on all the
data, so one booster gives both the probabilities and the per-feature
contributions (TreeSHAP, ``pred_contrib=True``) behind :meth:`reasons`.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from centric.churn._errors import NotEnoughDataError
from centric.churn._frame import DEFAULT_HORIZON_DAYS
from centric.exceptions import InputError, InvalidParameterError, NotFittedError

__all__ = ["ChurnClassifier", "RecencyBaseline"]

_CALIBRATIONS = ("isotonic", "sigmoid")


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` (scikit-learn wording) when ``fit`` has not run."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with appropriate "
            "arguments before using this estimator."
        )


def _as_frame(X: Any, columns: list[str] | None = None, *, owner: str) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        arr = np.asarray(X, dtype=float)
        if arr.ndim != 2:
            raise InputError(f"{owner} expects a 2-D table of features; got an array of shape {arr.shape}.")
        names = (
            columns if columns is not None and len(columns) == arr.shape[1] else [f"x{i}" for i in range(arr.shape[1])]
        )
        frame = pd.DataFrame(arr, columns=names)
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"Required column {missing[0]!r} missing from X. Columns present: {list(frame.columns)}. "
                "Hint: build inputs with centric.churn.churn_frame()."
            )
        frame = frame[columns]
    return frame.astype("float64")


def _as_labels(y: Any, n: int, owner: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n:
        raise InputError(f"{owner}: y must be one label per row of X ({n}); got shape {arr.shape}.")
    if pd.isna(arr).any():
        raise InputError(f"{owner}: y has missing labels; drop those rows first.")
    values = set(np.unique(arr).tolist())
    if not values <= {0, 1}:
        raise InputError(f"{owner}: y must be 0/1 (1 = churned); got values {sorted(values)[:5]!r}.")
    return arr.astype(np.int64)


class ChurnClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated churn risk (gradient boosting) with reasons in plain Vietnamese and English.

    Parameters
    ----------
    horizon_days : int, default 90
        The horizon H the labels were built with (used in wording and reports).
    calibration : {"isotonic", "sigmoid"}, default "isotonic"
        Calibration map fitted on out-of-fold predictions.
    cv : int, default 3
        Folds for the out-of-fold calibration.
    n_estimators, learning_rate, num_leaves, max_depth, min_child_samples
        LightGBM tree settings (modest by default; shallow trees keep the
        per-customer contributions cheap: TreeSHAP costs grow with depth²).
    min_customers : int, default 500
        Fewer training rows raise :class:`NotEnoughDataError`.
    min_class : int, default 50
        Fewer churners or fewer stayers raise :class:`NotEnoughDataError`.
    n_jobs : int, default 1
        LightGBM threads.
    random_state : int, default 0

    Attributes
    ----------
    feature_names_in_ : ndarray of str
    booster_ : lightgbm.LGBMClassifier
        The booster fitted on all the data (probabilities before calibration, contributions).
    calibrated_ : sklearn.calibration.CalibratedClassifierCV
    baseline_ : RecencyBaseline
        The recency-only baseline fitted on the same data (for :func:`evaluate`).
    classes_ : ndarray, ``[0, 1]``
    base_rate_ : float
        Share of churners in the training data.
    reference_ : dict
        Median of each feature in the training data (typical values the reasons compare with).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"recency_days": rng.exponential(60, 2000), "frequency": rng.poisson(3, 2000) + 1.0})
    >>> y = (rng.random(2000) < 1 / (1 + np.exp(-(X.recency_days - 60) / 30))).astype(int)
    >>> model = ChurnClassifier().fit(X, y)
    >>> model.predict_proba(X).shape
    (2000, 2)
    """

    def __init__(
        self,
        horizon_days: int = DEFAULT_HORIZON_DAYS,
        calibration: str = "isotonic",
        *,
        cv: int = 3,
        n_estimators: int = 150,
        learning_rate: float = 0.06,
        num_leaves: int = 15,
        max_depth: int = 5,
        min_child_samples: int = 40,
        min_customers: int = 500,
        min_class: int = 50,
        n_jobs: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.horizon_days = horizon_days
        self.calibration = calibration
        self.cv = cv
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.min_customers = min_customers
        self.min_class = min_class
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> None:
        name = type(self).__name__
        if self.calibration not in _CALIBRATIONS:
            raise InvalidParameterError(
                f"The 'calibration' parameter of {name} must be one of {list(_CALIBRATIONS)}. "
                f"Got {self.calibration!r} instead."
            )
        ints = {
            "horizon_days": 1,
            "cv": 2,
            "n_estimators": 1,
            "num_leaves": 2,
            "max_depth": 1,
            "min_child_samples": 1,
            "min_customers": 1,
            "min_class": 1,
            "n_jobs": 1,
        }
        for key, low in ints.items():
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, Integral) or v < low:
                raise InvalidParameterError(
                    f"The {key!r} parameter of {name} must be an int in the range [{low}, inf). Got {v!r} instead."
                )
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, Real) or not 0 < lr <= 1:
            raise InvalidParameterError(
                f"The 'learning_rate' parameter of {name} must be a float in the range (0, 1]. Got {lr!r} instead."
            )

    def _check_size(self, y: np.ndarray) -> None:
        n, pos = len(y), int(y.sum())
        neg = n - pos
        if n < self.min_customers:
            raise NotEnoughDataError(
                f"not enough customers to train churn risk: {n}, need ≥ {self.min_customers}. "
                "A churn model on fewer customers would not be reliable; use the inactivity rule "
                "(centric.metrics.churn) instead."
            )
        if min(pos, neg) < self.min_class:
            which = "churners" if pos < neg else "customers who stayed"
            raise NotEnoughDataError(
                f"not enough {which} to train churn risk: {min(pos, neg)}, need ≥ {self.min_class} "
                f"(of {n} customers, {pos} churned). Use a longer history or another horizon."
            )

    # ------------------------------------------------------------------ fit / predict
    def fit(self, X: Any, y: Any) -> ChurnClassifier:
        """Fit the booster and its calibration map.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_customers, n_features)
            Features, e.g. :func:`centric.churn.churn_frame` without its label;
            missing values are allowed.
        y : array-like of shape (n_customers,)
            1 = churned, 0 = bought again within the horizon.

        Returns
        -------
        self
        """
        from lightgbm import LGBMClassifier

        self._check_params()
        frame = _as_frame(X, owner=type(self).__name__)
        if "churned" in frame.columns:
            frame = frame.drop(columns="churned")
        labels = _as_labels(y, len(frame), type(self).__name__)
        self._check_size(labels)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        booster = LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            max_depth=self.max_depth,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            reg_lambda=1.0,
            num_threads=self.n_jobs,
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        cal = CalibratedClassifierCV(booster, method=self.calibration, cv=folds, ensemble=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cal.fit(frame, labels)
        self.calibrated_ = cal
        self.booster_ = cal.calibrated_classifiers_[0].estimator
        self.classes_ = np.array([0, 1])
        self.base_rate_ = float(labels.mean())
        self.reference_ = {k: float(v) for k, v in frame.median().items() if pd.notna(v)}
        self.baseline_ = RecencyBaseline().fit(frame, labels) if "recency_days" in frame.columns else None
        return self

    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "booster_")
        return _as_frame(X, list(self.feature_names_in_), owner=type(self).__name__)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns ``[P(stay), P(churn)]``."""
        frame = self._frame(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return self.calibrated_.predict_proba(frame)

    def predict(self, X: Any) -> np.ndarray:
        """1 where the churn probability is at least 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def contributions(self, X: Any) -> pd.DataFrame:
        """Per-feature contributions to the booster's log-odds (TreeSHAP), plus ``bias``.

        Positive values push towards churn. Rows sum to the uncalibrated log-odds.
        The values are LightGBM's (``pred_contrib=True``), computed once per
        decision pattern of each tree (:func:`centric.churn._contributions.tree_contributions`).
        """
        from centric.churn._contributions import tree_contributions

        frame = self._frame(X)
        raw = tree_contributions(self.booster_.booster_, frame.to_numpy(np.float64), num_threads=self.n_jobs)
        cols = [*self.feature_names_in_, "bias"]
        return pd.DataFrame(raw, index=frame.index, columns=cols)

    def reasons(self, X: Any, *, top: int = 3, lang: str = "vi") -> pd.DataFrame:
        """The top reasons for each customer's risk, in plain words.

        Contributions (:meth:`contributions`) are summed over groups of related
        features (recency with the usual gap, the order trend, e-mail, CSAT …);
        the groups that push the risk up most are rendered with the customer's
        own values, e.g. ``"no order for 94 days, twice their usual gap"`` /
        ``"chưa mua hàng 94 ngày, gấp đôi chu kỳ thường lệ"``.

        Parameters
        ----------
        X : pandas.DataFrame
            Features of the customers (the columns seen in ``fit``).
        top : int, default 3
            Reasons per customer (fewer when fewer groups raise the risk).
        lang : {"vi", "en"}, default "vi"

        Returns
        -------
        pandas.DataFrame
            Indexed like ``X``; columns ``reason_1`` … ``reason_{top}`` (None where none).
        """
        from centric.churn._reasons import render_reasons

        frame = self._frame(X)
        return render_reasons(frame, self.contributions(frame), top=top, lang=lang, reference=self.reference_)


class RecencyBaseline(ClassifierMixin, BaseEstimator):
    """The recency-only baseline: logistic regression of churn on log(1 + days since the last order).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"recency_days": [1.0, 5, 10, 200, 300, 400]})
    >>> RecencyBaseline().fit(X, [0, 0, 0, 1, 1, 1]).predict_proba(X)[:, 1].round(1).tolist()
    [0.1, 0.2, 0.2, 0.8, 0.9, 0.9]
    """

    def __init__(self, column: str = "recency_days") -> None:
        self.column = column

    def _x(self, X: Any) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            if self.column not in X.columns:
                raise InputError(f"Required column {self.column!r} missing from X. Columns present: {list(X.columns)}.")
            v = X[self.column].to_numpy(dtype=float)
        else:
            arr = np.asarray(X, dtype=float)
            v = arr[:, 0] if arr.ndim == 2 else arr
        return np.log1p(np.clip(np.nan_to_num(v, nan=0.0), 0.0, None)).reshape(-1, 1)

    def fit(self, X: Any, y: Any) -> RecencyBaseline:
        """Fit the logistic regression on log(1 + recency)."""
        x = self._x(X)
        labels = _as_labels(y, len(x), type(self).__name__)
        self.model_ = LogisticRegression().fit(x, labels)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = 1
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities ``[P(stay), P(churn)]`` from recency alone."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._x(X))

    def predict(self, X: Any) -> np.ndarray:
        """1 where the churn probability is at least 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

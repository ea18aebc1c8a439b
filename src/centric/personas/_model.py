"""Persona discovery: scale the customer features, cluster with k-means, choose k, check stability.

Preprocessing (fitted on the training customers, reused by :meth:`PersonaModel.predict`):

1. heavy-tailed counts and amounts (:data:`LOG_COLUMNS`) are taken through ``log1p``;
2. missing values (customers who never answered a survey) get the training median;
3. every column is standardised (z-score);
   shares of one whole (``cat:``, ``channel:``, ``life:``) share their group's pooled scale, so
   a rare category is not blown up to the weight of a common one;
4. each feature group (:data:`~centric.personas._features.FEATURE_GROUPS`) gets a total weight
   (:data:`DEFAULT_GROUP_WEIGHTS`, overridable with ``group_weights``) — a column is multiplied
   by ``weight/sqrt(columns in its group)`` — so ten category shares do not outvote five value
   columns just by being more numerous.

Choosing k (when ``n_personas`` is None): k-means (``n_init`` restarts) for every k in
``k_range``; the criterion is the mean silhouette on a random sample of at most
``silhouette_sample`` customers. The k with the highest silhouette wins; any k within
``tie_tolerance`` of the best counts as a tie and the *smallest* tied k wins (fewer personas
are easier to act on).

Stability: the chosen k is refitted with ``n_stability`` other seeds; ``stability_ari_`` is
the mean adjusted Rand index between those runs and the reported one (1 = the same
partition every time; above about 0.8 the personas are not an accident of the seed).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from centric.exceptions import InputError, InvalidParameterError, NotFittedError
from centric.personas._features import feature_group

__all__ = ["DEFAULT_GROUP_WEIGHTS", "LOG_COLUMNS", "NotEnoughDataError", "PersonaModel"]

#: Heavy-tailed columns transformed with log1p before scaling.
LOG_COLUMNS = ("frequency", "monetary", "aov", "clv_12m", "tickets", "recency_days", "tenure_days")

#: Column prefixes of compositional groups (shares of one whole), scaled together.
SHARE_PREFIXES = ("cat:", "channel:", "life:")

#: Relative weight of each feature group in the clustering distance (a group's columns share it).
#: Personas say what customers buy and how (category mix, value, engagement, channels); where a
#: customer is in their lifecycle (recency, tenure, P(alive)) is what the RFM segments report, so it
#: counts little. Survey and support features exist for few customers and life stage is mostly
#: undeclared: weighted down so that missingness does not make clusters of its own.
DEFAULT_GROUP_WEIGHTS: dict[str, float] = {
    "value": 1.0,
    "lifecycle": 0.25,
    "category": 2.0,
    "channel": 0.7,
    "engagement": 1.0,
    "feedback": 0.3,
    "support": 0.3,
    "life": 0.5,
}


class NotEnoughDataError(InputError):
    """Too few customers for a method (personas, churn…); the message says how many there are and how many
    are needed."""

    def __init__(self, message: str, *, n: int, needed: int, what: str = "personas") -> None:
        super().__init__(message)
        self.n = n
        self.needed = needed
        self.what = what

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready statement for the results summary."""
        return {
            "status": "not_enough_data",
            "message": str(self),
            "n_customers": self.n,
            "min_customers": self.needed,
            "message_vi": f"không đủ khách hàng để tìm chân dung khách hàng: {self.n}, cần ≥ {self.needed}",
        }


class PersonaModel:
    """Customer personas by k-means on scaled behavioural features.

    Parameters
    ----------
    n_personas
        Number of personas; None chooses it from ``k_range`` by silhouette.
    k_range
        Inclusive (low, high) range of k tried when ``n_personas`` is None.
    random_state
        Seed of k-means, of the silhouette sample and of the stability runs.
    min_customers
        Fewer customers than this raise :class:`NotEnoughDataError`.
    n_init
        k-means restarts per fit.
    n_stability
        Extra seeds refitted at the chosen k for the stability check (0 skips it).
    silhouette_sample
        Customers sampled for the silhouette criterion.
    tie_tolerance
        Silhouettes within this of the best are ties (the smallest k wins).

    Attributes
    ----------
    n_personas_ : int
        The number of personas found.
    labels_ : numpy.ndarray
        Persona of each training row (0 = the largest persona).
    feature_names_ : list of str
        Columns used, in order.
    k_scores_ : dict
        ``{k: silhouette}`` for every k tried.
    stability_ari_ : float or None
        Mean adjusted Rand index between seeds at the chosen k.
    cluster_centers_ : numpy.ndarray
        Centres in the scaled space, one row per persona.
    n_customers_ : int
        Training rows.

    Examples
    --------
    >>> feats = customer_features(store, as_of="2025-12-31")          # doctest: +SKIP
    >>> model = PersonaModel(random_state=0).fit(feats)                # doctest: +SKIP
    >>> model.n_personas_, round(model.stability_ari_, 2)              # doctest: +SKIP
    (5, 0.97)
    """

    def __init__(
        self,
        n_personas: int | None = None,
        k_range: tuple[int, int] = (3, 8),
        random_state: int | None = 0,
        min_customers: int = 200,
        *,
        n_init: int = 4,
        n_stability: int = 4,
        silhouette_sample: int = 3000,
        tie_tolerance: float = 0.005,
        group_weights: dict[str, float] | None = None,
    ) -> None:
        self.n_personas = n_personas
        self.k_range = k_range
        self.random_state = random_state
        self.min_customers = min_customers
        self.n_init = n_init
        self.n_stability = n_stability
        self.silhouette_sample = silhouette_sample
        self.tie_tolerance = tie_tolerance
        self.group_weights = group_weights

    # -- parameters --------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn contract)."""
        return {
            k: getattr(self, k)
            for k in (
                "n_personas",
                "k_range",
                "random_state",
                "min_customers",
                "n_init",
                "n_stability",
                "silhouette_sample",
                "tie_tolerance",
                "group_weights",
            )
        }

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters (scikit-learn contract)."""
        for k, v in params.items():
            if k not in self.get_params():
                raise InvalidParameterError(
                    f"PersonaModel has no parameter {k!r}. Parameters: {sorted(self.get_params())}."
                )
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return (
            f"PersonaModel(n_personas={self.n_personas!r}, k_range={self.k_range!r}, "
            f"random_state={self.random_state!r})"
        )

    def _check_params(self) -> tuple[int, int]:
        lo, hi = (
            self.k_range if isinstance(self.k_range, (tuple, list)) and len(self.k_range) == 2 else (0, -1)
        )
        if not (isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)) and 2 <= lo <= hi):
            raise InvalidParameterError(
                "The 'k_range' parameter of PersonaModel must be a pair (low, high) of ints with "
                f"2 <= low <= high. Got {self.k_range!r} instead."
            )
        if self.n_personas is not None and not (
            isinstance(self.n_personas, (int, np.integer)) and self.n_personas >= 2
        ):
            raise InvalidParameterError(
                "The 'n_personas' parameter of PersonaModel must be None or an int >= 2. "
                f"Got {self.n_personas!r} instead."
            )
        if not (isinstance(self.min_customers, (int, np.integer)) and self.min_customers >= 2):
            raise InvalidParameterError(
                "The 'min_customers' parameter of PersonaModel must be an int >= 2. "
                f"Got {self.min_customers!r} instead."
            )
        return int(lo), int(hi)

    # -- preprocessing -----------------------------------------------------------------
    def _columns(self, features: pd.DataFrame) -> list[str]:
        if not isinstance(features, pd.DataFrame):
            raise InvalidParameterError(
                "PersonaModel takes a pandas DataFrame with one row per customer "
                f"(build it with customer_features(store, as_of=...)). Got {type(features).__name__} instead."
            )
        cols = [
            c
            for c in features.columns
            if feature_group(str(c)) is not None and pd.api.types.is_numeric_dtype(features[c])
        ]
        if not cols:
            raise InputError(
                f"No persona feature columns in the data. Columns present: {list(features.columns)[:20]}. "
                "Hint: build inputs with centric.personas.customer_features()."
            )
        return cols

    def _raw(self, features: pd.DataFrame, cols: list[str]) -> np.ndarray:
        x = features.reindex(columns=cols).astype("float64")
        for c in cols:
            if c in LOG_COLUMNS:
                x[c] = np.log1p(x[c].clip(lower=0))
        return x.to_numpy()

    def _transform(self, features: pd.DataFrame) -> np.ndarray:
        x = self._raw(features, self.feature_names_)
        x = np.where(np.isnan(x), self.medians_, x)
        return (x - self.means_) / self.scales_ * self.weights_

    def transform(self, features: pd.DataFrame) -> np.ndarray:
        """The scaled, group-weighted feature matrix used for clustering."""
        self._check_fitted()
        return self._transform(features)

    # -- fitting -----------------------------------------------------------------------
    def fit(self, features: pd.DataFrame, y: Any = None) -> Self:
        """Find the personas in ``features`` (one row per customer)."""
        lo, hi = self._check_params()
        cols = self._columns(features)
        n = len(features)
        if n < self.min_customers:
            raise NotEnoughDataError(
                f"not enough customers to find personas: {n}, need ≥ {self.min_customers}",
                n=n,
                needed=int(self.min_customers),
            )
        self.feature_names_ = cols
        raw = self._raw(features, cols)
        med = np.nanmedian(np.where(np.isnan(raw).all(axis=0), 0.0, raw), axis=0)
        self.medians_ = np.where(np.isnan(med), 0.0, med)
        filled = np.where(np.isnan(raw), self.medians_, raw)
        self.means_ = filled.mean(axis=0)
        sd = filled.std(axis=0)
        # shares of one whole (categories, channels, life stages) share one scale: the group's pooled sd
        for prefix in SHARE_PREFIXES:
            idx = [i for i, c in enumerate(cols) if c.startswith(prefix)]
            if idx:
                sd[idx] = np.sqrt(np.mean(sd[idx] ** 2))
        self.scales_ = np.where(sd > 1e-12, sd, 1.0)
        groups = [feature_group(c) for c in cols]
        size = {g: groups.count(g) for g in set(groups)}
        gw = {**DEFAULT_GROUP_WEIGHTS, **(self.group_weights or {})}
        self.weights_ = np.array([gw.get(g, 1.0) / np.sqrt(size[g]) for g in groups])
        x = (filled - self.means_) / self.scales_ * self.weights_
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(n, size=min(n, self.silhouette_sample), replace=False)
        seed = int(rng.integers(2**31 - 1)) if self.random_state is None else int(self.random_state)
        fits: dict[int, KMeans] = {}
        scores: dict[int, float] = {}
        ks = [int(self.n_personas)] if self.n_personas is not None else list(range(lo, min(hi, n - 1) + 1))
        for k in ks:
            km = KMeans(n_clusters=k, n_init=self.n_init, random_state=seed).fit(x)
            fits[k] = km
            labs = km.labels_[sample]
            scores[k] = float(silhouette_score(x[sample], labs)) if len(set(labs)) > 1 else float("nan")
        best = max(v for v in scores.values() if v == v) if any(v == v for v in scores.values()) else None
        k = (
            ks[0]
            if best is None
            else min(k for k, v in scores.items() if v == v and v >= best - self.tie_tolerance)
        )
        km = fits[k]
        # persona 0 is the largest; ties by centre order for determinism
        sizes = np.bincount(km.labels_, minlength=k)
        order = np.lexsort((np.arange(k), -sizes))
        remap = np.empty(k, dtype=np.int64)
        remap[order] = np.arange(k)
        self.kmeans_ = km
        self._remap = remap
        self.cluster_centers_ = km.cluster_centers_[order]
        self.labels_ = remap[km.labels_]
        self.n_personas_ = k
        self.k_scores_ = scores
        self.k_criterion_ = "silhouette"
        self.n_customers_ = n
        self.inertia_ = float(km.inertia_)
        aris = []
        for i in range(1, self.n_stability + 1):
            other = KMeans(n_clusters=k, n_init=self.n_init, random_state=seed + 7919 * i).fit(x)
            aris.append(float(adjusted_rand_score(km.labels_, other.labels_)))
        self.stability_aris_ = aris
        self.stability_ari_ = float(np.mean(aris)) if aris else None
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "kmeans_"):
            raise NotFittedError(
                "This PersonaModel instance is not fitted yet. Call 'fit' with appropriate arguments "
                "before using this estimator."
            )

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Assign customers (new or known) to the fitted personas; missing columns count as typical."""
        self._check_fitted()
        if not isinstance(features, pd.DataFrame):
            raise InvalidParameterError(
                f"PersonaModel.predict takes a pandas DataFrame. Got {type(features).__name__} instead."
            )
        x = self._transform(features)
        return self._remap[self.kmeans_.predict(x)]

    def fit_predict(self, features: pd.DataFrame, y: Any = None) -> np.ndarray:
        """Fit and return the training labels."""
        return self.fit(features).labels_

    def criterion(self) -> dict[str, Any]:
        """How k was chosen, JSON-ready."""
        self._check_fitted()
        return {
            "criterion": "silhouette" if self.n_personas is None else "fixed",
            "definition": (
                "mean silhouette of k-means labels on a random sample of "
                f"{min(self.n_customers_, self.silhouette_sample)} customers; the highest wins, "
                f"k within {self.tie_tolerance} of the best are ties and the smallest tied k wins"
            ),
            "k_scores": {str(k): v for k, v in self.k_scores_.items()},
            "k": int(self.n_personas_),
            "stability_ari": self.stability_ari_,
            "stability_runs": len(self.stability_aris_),
            "n_customers": int(self.n_customers_),
            "random_state": self.random_state,
        }

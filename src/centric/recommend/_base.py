"""The recommender contract: ``fit(interactions)`` then ``recommend(users, k)``.

``interactions`` is a table (pandas, or an Ibis table that is executed) with one row per
(customer, product) and the columns ``customer_id``, ``product_id`` and ``weight`` (how strongly
the customer is linked to the product: purchases, plus views at a lower weight). Subclasses
implement ``_fit(matrix)`` and ``_scores(rows)`` (a dense block of scores, users × items).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from centric.exceptions import InputError, InvalidParameterError, NotFittedError

__all__ = ["BaseRecommender", "BuyAgainRecommender", "PopularityRecommender"]

REQUIRED = ("customer_id", "product_id", "weight")
BATCH = 2048


def _as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "execute"):
        return data.execute()
    if hasattr(data, "to_pandas"):
        return data.to_pandas()
    raise InputError(f"interactions must be a pandas DataFrame or an Ibis table; got {type(data).__name__}.")


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


class BaseRecommender:
    """Shared fit/recommend machinery; see the module docstring."""

    name = "base"

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (scikit-learn style)."""
        import inspect

        sig = inspect.signature(type(self).__init__)
        return {p: getattr(self, p) for p in sig.parameters if p != "self"}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fit ------------------------------------------------------------------------
    def fit(self, interactions: Any, /) -> Self:
        """Learn from ``interactions`` (customer_id, product_id, weight); returns self."""
        df = _as_frame(interactions)
        missing = [c for c in REQUIRED if c not in df.columns]
        if missing:
            raise InputError(
                f"Required column {missing[0]!r} missing from interactions. Columns present: "
                f"{list(df.columns)}. Hint: build them with centric.recommend.interactions()."
            )
        w = pd.to_numeric(df["weight"], errors="coerce")
        bad = w.isna() | (w <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"Column 'weight' of interactions must be a number > 0; row {i} has {_plain(df['weight'].iloc[i])!r}."
            )
        # codes in order of first appearance (as pd.unique), one hashing pass per column
        rows, users = pd.factorize(df["customer_id"].astype(str))
        cols, items = pd.factorize(df["product_id"].astype(str))
        users, items = pd.Index(users), pd.Index(items)
        m = sp.csr_matrix((w.to_numpy(np.float32), (rows, cols)), shape=(len(users), len(items)), dtype=np.float32)
        m.sum_duplicates()
        self.users_, self.items_, self.matrix_ = users, items, m
        self._fit(m)
        return self

    def _fit(self, matrix: sp.csr_matrix) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "matrix_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )

    # -- recommend ------------------------------------------------------------------
    def recommend(
        self,
        users: Iterable[str] | None = None,
        k: int = 10,
        *,
        exclude_seen: bool = True,
        repeat_items: Iterable[str] | None = None,
        available_items: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Top-``k`` products per customer: ``customer_id, rank, product_id, score``.

        Parameters
        ----------
        users
            Customers to recommend for (default: every customer seen in ``fit``). Customers not
            seen in ``fit`` get no rows (the caller decides their fallback).
        k
            List length.
        exclude_seen
            Leave out products the customer already has, except those in ``repeat_items``.
        repeat_items
            Products that may be recommended again (repeat-purchase categories).
        available_items
            When given, only these products are recommended (the rest are unavailable).
        """
        self._check_fitted()
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise InvalidParameterError(f"The 'k' parameter of recommend must be an int >= 1. Got {k!r} instead.")
        if users is None:
            ids = self.users_
        else:
            ids = pd.Index([str(u) for u in users])
        pos = self.users_.get_indexer(ids)
        ids, pos = ids[pos >= 0], pos[pos >= 0]
        allowed = np.ones(len(self.items_), bool)
        if available_items is not None:
            allowed &= self.items_.isin(pd.Index([str(x) for x in available_items]))
        repeat = np.zeros(len(self.items_), bool)
        if repeat_items is not None:
            repeat = self.items_.isin(pd.Index([str(x) for x in repeat_items]))
        out: list[pd.DataFrame] = []
        kk = min(int(k), len(self.items_))
        for start in range(0, len(pos), BATCH):
            rows = pos[start : start + BATCH]
            s = np.asarray(self._scores(rows), dtype=np.float64)
            s[:, ~allowed] = -np.inf
            if exclude_seen:
                sub = self.matrix_[rows].tocoo()
                hide = ~repeat[sub.col]
                s[sub.row[hide], sub.col[hide]] = -np.inf
            top = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
            ts = np.take_along_axis(s, top, axis=1)
            order = np.argsort(-ts, axis=1, kind="stable")
            top, ts = np.take_along_axis(top, order, axis=1), np.take_along_axis(ts, order, axis=1)
            ok = np.isfinite(ts) & (ts > self._min_score)
            r, c = np.nonzero(ok)
            out.append(
                pd.DataFrame(
                    {
                        "customer_id": ids[start + r].to_numpy(),
                        "rank": (c + 1).astype(np.int64),
                        "product_id": self.items_[top[r, c]].to_numpy(),
                        "score": ts[r, c],
                    }
                )
            )
        if not out:
            return pd.DataFrame(
                {
                    "customer_id": pd.Series(dtype=object),
                    "rank": pd.Series(dtype=np.int64),
                    "product_id": pd.Series(dtype=object),
                    "score": pd.Series(dtype=float),
                }
            )
        res = pd.concat(out, ignore_index=True)
        res["rank"] = res.groupby("customer_id", sort=False).cumcount() + 1
        return res

    #: scores at or below this are not recommended (e.g. 0 = "no evidence at all")
    _min_score = -np.inf


class PopularityRecommender(BaseRecommender):
    """Most popular products first (the same list for everyone): the baseline to beat.

    Popularity is the number of distinct customers who have the product.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": ["a", "b", "b"], "product_id": ["x", "x", "y"], "weight": 1.0})
    >>> PopularityRecommender().fit(df).recommend(["a"], k=1)["product_id"].tolist()
    ['y']
    """

    name = "popularity"

    def __init__(self) -> None:
        pass

    def _fit(self, matrix: sp.csr_matrix) -> None:
        self.popularity_ = np.asarray((matrix > 0).sum(axis=0), dtype=np.float64).ravel()

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.popularity_, (len(rows), 1))


class BuyAgainRecommender(BaseRecommender):
    """The customer's own products again, most bought first (ties: more popular first).

    Only products the customer already has are scored; with ``exclude_seen`` the ones outside the
    repeat-purchase categories are then dropped, so this recommends repeat-category re-buys.
    """

    name = "buy_again"
    _min_score = 0.0

    def __init__(self) -> None:
        pass

    def _fit(self, matrix: sp.csr_matrix) -> None:
        pop = np.asarray((matrix > 0).sum(axis=0), dtype=np.float64).ravel()
        self.tiebreak_ = pop / (pop.max() + 1.0) if len(pop) else pop

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        own = self.matrix_[rows].toarray().astype(np.float64)
        return np.where(own > 0, own + self.tiebreak_[None, :], 0.0)

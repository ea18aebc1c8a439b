"""Item-based collaborative filtering: cosine similarity of co-purchase columns.

``S[i, j] = (Xᵀ X)[i, j] / (‖x_i‖ ‖x_j‖ + shrink)`` over the customer × product matrix ``X``
(weights passed through ``log1p``), keeping each product's ``neighbours`` most similar products
and a zero diagonal. A customer's score for product ``j`` is ``Σ_{i≠j} x_ui S[i, j] + self_weight · x_uj``:
the second term is the customer's own re-buy signal, which only matters for products that may be
recommended again (repeat-purchase categories; the others are filtered out as already bought).
The history product with the largest term is the explanation ("because you bought i").

References
----------
Sarwar, Karypis, Konstan, Riedl (2001). Item-based collaborative filtering recommendation
algorithms. WWW '01. Deshpande & Karypis (2004). Item-based top-N recommendation algorithms. TOIS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from centric.exceptions import InvalidParameterError
from centric.recommend._base import BaseRecommender

__all__ = ["ItemKNNRecommender"]


class ItemKNNRecommender(BaseRecommender):
    """Item-to-item cosine recommender (co-occurrence), with explanations.

    Parameters
    ----------
    neighbours
        Similar products kept per product (the rest of the row is zeroed).
    shrink
        Added to the cosine denominator; damps similarities resting on few customers.
    self_weight
        Weight of the customer's own history of the product itself (re-buys); 0 = pure item-to-item.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": list("aabbc"), "product_id": list("xyxyx"), "weight": 1.0})
    >>> ItemKNNRecommender().fit(df).recommend(["c"], k=1)["product_id"].tolist()
    ['y']
    """

    name = "item_knn"
    _min_score = 0.0

    def __init__(self, *, neighbours: int = 50, shrink: float = 10.0, self_weight: float = 1.0) -> None:
        self.neighbours = neighbours
        self.shrink = shrink
        self.self_weight = self_weight

    def _fit(self, matrix: sp.csr_matrix) -> None:
        if not isinstance(self.neighbours, int) or self.neighbours < 1:
            raise InvalidParameterError(
                "The 'neighbours' parameter of ItemKNNRecommender must be an int >= 1. "
                f"Got {self.neighbours!r} instead."
            )
        if not (isinstance(self.shrink, (int, float)) and self.shrink >= 0):
            raise InvalidParameterError(
                "The 'shrink' parameter of ItemKNNRecommender must be a float in [0, inf). "
                f"Got {self.shrink!r} instead."
            )
        if not (isinstance(self.self_weight, (int, float)) and self.self_weight >= 0):
            raise InvalidParameterError(
                "The 'self_weight' parameter of ItemKNNRecommender must be a float in [0, inf). "
                f"Got {self.self_weight!r} instead."
            )
        x = matrix.copy()
        x.data = np.log1p(x.data)
        self.x_ = x.tocsr()
        co = (x.T @ x).tocsr().astype(np.float64)
        norms = np.sqrt(co.diagonal())
        co = co.tocoo()
        data = co.data / (norms[co.row] * norms[co.col] + self.shrink)
        keep = co.row != co.col
        sim = sp.csr_matrix((data[keep], (co.row[keep], co.col[keep])), shape=co.shape)
        self.similarity_ = _top_per_row(sim, self.neighbours)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        x = self.x_[rows]
        s = np.asarray((x @ self.similarity_).todense())
        if self.self_weight:
            s += float(self.self_weight) * x.toarray()
        return s

    def because(self, recs: pd.DataFrame) -> pd.Series:
        """For each row (customer_id, product_id) the history product that contributes most, or None."""
        self._check_fitted()
        u = self.users_.get_indexer(recs["customer_id"].astype(str))
        j = self.items_.get_indexer(recs["product_id"].astype(str))
        ok = np.flatnonzero((u >= 0) & (j >= 0))
        out = np.full(len(recs), None, dtype=object)
        if len(ok) == 0:
            return pd.Series(out, index=recs.index, dtype=object)
        x = self.x_
        counts = np.diff(x.indptr)[u[ok]]
        rec = np.repeat(ok, counts)  # one row per (recommendation, history product), grouped by recommendation
        starts = np.repeat(x.indptr[u[ok]], counts)
        offs = np.arange(len(rec)) - np.repeat(np.cumsum(counts) - counts, counts)
        hist = x.indices[starts + offs]
        weight = x.data[starts + offs]
        sim = _pair_values(self.similarity_, hist, j[rec])
        sim = np.where(hist == j[rec], float(self.self_weight), sim)  # the product itself: a re-buy
        contrib = weight * sim
        # per recommendation, the first history product (in stored order) with the largest positive term
        best = _first_max_per_group(contrib, counts)
        found = best >= 0
        out[ok[found]] = self.items_[hist[best[found]]].to_numpy()
        return pd.Series(out, index=recs.index, dtype=object)


#: up to this many products, similarity look-ups go through a dense copy (2048 products: 32 MB)
DENSE_ITEMS = 2048


def _pair_values(m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``m[rows, cols]`` as a float64 vector (dense look-up for small catalogues)."""
    if m.shape[0] <= DENSE_ITEMS:
        return m.toarray()[rows, cols].astype(np.float64, copy=False)
    return np.asarray(m[rows, cols], dtype=np.float64).ravel()


def _first_max_per_group(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For consecutive groups of sizes ``counts``: the position of the first largest value > 0, or -1."""
    out = np.full(len(counts), -1, dtype=np.int64)
    nonempty = np.flatnonzero(counts > 0)
    if len(values) == 0 or len(nonempty) == 0:
        return out
    starts = (np.cumsum(counts) - counts)[nonempty]
    v = np.where(values > 0, values, -np.inf)
    top = np.maximum.reduceat(v, starts)
    group = np.repeat(np.arange(len(counts)), counts)
    hit = np.flatnonzero((v == top[np.searchsorted(nonempty, group)]) & np.isfinite(v))
    g, first = np.unique(group[hit], return_index=True)
    out[g] = hit[first]
    return out


def _top_per_row(m: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Keep the ``n`` largest entries of each row of ``m``."""
    m = m.tocsr()
    m.eliminate_zeros()
    counts = np.diff(m.indptr)
    if counts.max(initial=0) <= n:
        return m
    rows, cols, vals = [], [], []
    for r in range(m.shape[0]):
        a, b = m.indptr[r], m.indptr[r + 1]
        d, c = m.data[a:b], m.indices[a:b]
        if len(d) > n:
            idx = np.argpartition(-d, n - 1)[:n]
            d, c = d[idx], c[idx]
        rows.append(np.full(len(d), r))
        cols.append(c)
        vals.append(d)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=m.shape)

"""Optional life-stage re-ranking: a new parent sees the categories new parents buy first.

The affinity of life stage ``s`` for category ``c`` is a smoothed lift learned from purchases::

    lift(s, c) = ((n_sc + m · P(c)) / (n_s + m)) / P(c)

with ``n_sc`` the (customer, product) interactions of customers in ``s`` within ``c``, ``n_s`` all
of theirs, ``P(c)`` the category's share overall and ``m`` (``smoothing``) pseudo-counts. A list is
re-ordered by ``(1 / log2(rank + 1)) · lift^strength``: model-agnostic (only ranks are used), and a
lift of 1 changes nothing. ``boost`` (stage → categories) puts named categories first whatever the
data says (e.g. ``{"new_parent": ["Mẹ & bé"]}``). Only *declared* life stages
(``customers.life_stage``) are used; nothing is inferred here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from centric.exceptions import InvalidParameterError, NotFittedError

__all__ = ["LifeStageReranker"]


class LifeStageReranker:
    """Re-rank recommendation lists by life-stage category affinity.

    Examples
    --------
    >>> r = LifeStageReranker(boost={"new_parent": ["baby"]})
    >>> stages = pd.DataFrame({"customer_id": ["a"], "life_stage": ["new_parent"]})
    >>> inter = pd.DataFrame({"customer_id": ["a"], "category": ["baby"]})
    >>> recs = pd.DataFrame({"customer_id": ["a", "a"], "rank": [1, 2], "product_id": ["x", "y"],
    ...                      "category": ["shoes", "baby"], "score": [2.0, 1.0]})
    >>> r.fit(inter, stages).rerank(recs, stages, k=2)["product_id"].tolist()
    ['y', 'x']
    """

    def __init__(
        self, *, strength: float = 1.0, smoothing: float = 50.0, boost: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.strength = strength
        self.smoothing = smoothing
        self.boost = boost

    def fit(self, interactions: pd.DataFrame, stages: pd.DataFrame) -> LifeStageReranker:
        """``interactions``: customer_id, category; ``stages``: customer_id, life_stage."""
        for name in ("strength", "smoothing"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0):
                raise InvalidParameterError(
                    f"The {name!r} parameter of LifeStageReranker must be a float in [0, inf). Got {v!r} instead."
                )
        df = interactions[["customer_id", "category"]].merge(
            stages[["customer_id", "life_stage"]].dropna(), on="customer_id"
        )
        overall = interactions["category"].value_counts(normalize=True)
        m = float(self.smoothing)
        rows = []
        for stage, g in df.groupby("life_stage"):
            n_s = len(g)
            counts = g["category"].value_counts()
            for cat, p in overall.items():
                lift = ((counts.get(cat, 0) + m * p) / (n_s + m)) / p
                rows.append((stage, cat, int(counts.get(cat, 0)), float(lift)))
        self.affinity_ = pd.DataFrame(rows, columns=["life_stage", "category", "n", "lift"])
        return self

    def rerank(self, recs: pd.DataFrame, stages: pd.DataFrame, *, k: int = 10) -> pd.DataFrame:
        """Re-order ``recs`` (customer_id, rank, product_id, category, ...) and keep ``k`` per customer."""
        if not hasattr(self, "affinity_"):
            raise NotFittedError(
                "This LifeStageReranker instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )
        cust, cust_codes = _sorted_codes(recs["customer_id"])
        stage_of = stages.drop_duplicates("customer_id").set_index("customer_id")["life_stage"]
        stage = stage_of.reindex(cust).to_numpy(object)[cust_codes]
        cat = recs["category"].to_numpy(object)
        aff = self.affinity_
        stages_i, cats_i = pd.Index(aff["life_stage"].unique()), pd.Index(aff["category"].unique())
        table = np.ones((len(stages_i), len(cats_i)))
        table[stages_i.get_indexer(aff["life_stage"]), cats_i.get_indexer(aff["category"])] = aff["lift"].to_numpy(
            float
        )
        si, ci = stages_i.get_indexer(stage), cats_i.get_indexer(cat)
        known = (si >= 0) & (ci >= 0)
        lift = np.where(known, table[np.maximum(si, 0), np.maximum(ci, 0)], 1.0)
        rank = recs["rank"].to_numpy(float)
        key = (1.0 / np.log2(rank + 1.0)) * lift ** float(self.strength)
        for st, cats in (self.boost or {}).items():
            hit = (stage == st) & pd.Index(cat).isin(list(cats))
            key = np.where(hit, key + 10.0, key)
        # customer ascending, key descending, old rank ascending (unique within a customer)
        order = np.lexsort((rank, -key, cust_codes))
        codes = cust_codes[order]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, np.int64)
        new_rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
        keep = new_rank <= k
        out = recs.iloc[order[keep]].reset_index(drop=True)
        out["rank"] = new_rank[keep].astype(np.int64)
        return out


def _sorted_codes(values: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """Sorted distinct values and each row's position among them (sorting by code = sorting by value)."""
    v = values.to_numpy(object)
    if len(v) and values.is_monotonic_increasing:  # already sorted (lists come customer by customer)
        new = np.r_[True, v[1:] != v[:-1]]
        return pd.Index(v[new]), np.cumsum(new) - 1
    codes, uniques = pd.factorize(values, sort=True)
    return pd.Index(uniques), codes

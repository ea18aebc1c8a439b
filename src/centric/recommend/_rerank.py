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
        df = recs.merge(stages[["customer_id", "life_stage"]], on="customer_id", how="left")
        df = df.merge(self.affinity_[["life_stage", "category", "lift"]], on=["life_stage", "category"], how="left")
        lift = df["lift"].fillna(1.0).to_numpy(float)
        key = (1.0 / np.log2(df["rank"].to_numpy(float) + 1.0)) * lift ** float(self.strength)
        for stage, cats in (self.boost or {}).items():
            hit = (df["life_stage"] == stage).to_numpy() & df["category"].isin(list(cats)).to_numpy()
            key = np.where(hit, key + 10.0, key)
        df["_key"] = key
        df = df.sort_values(["customer_id", "_key", "rank"], ascending=[True, False, True], kind="stable")
        df["rank"] = df.groupby("customer_id", sort=False).cumcount() + 1
        df = df[df["rank"] <= k]
        return df.drop(columns=["_key", "lift", "life_stage"]).reset_index(drop=True)

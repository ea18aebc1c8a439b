"""Ranking metrics of top-k recommendations: precision@k, recall@k, NDCG@k and catalogue coverage.

Relevance is binary: an item is relevant to a customer when the customer bought it in the test
window. For one customer with ranked list ``rec`` (length ≤ k) and relevant set ``rel``:

* ``precision@k = |rec ∩ rel| / k``
* ``recall@k = |rec ∩ rel| / |rel|``
* ``NDCG@k = DCG / IDCG`` with ``DCG = Σ_i [rec_i ∈ rel] / log2(i + 1)`` (ranks i = 1..k) and
  ``IDCG = Σ_{i=1}^{min(k, |rel|)} 1 / log2(i + 1)``

Each is averaged over the customers that have at least one relevant item. Coverage is the share
of the catalogue (the items that could be recommended) that appears in at least one list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from centric.exceptions import InvalidParameterError

__all__ = ["coverage", "ndcg_at_k", "precision_at_k", "ranking_metrics", "ranking_metrics_frame", "recall_at_k"]


def _check_k(k: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InvalidParameterError(f"The 'k' parameter must be an int >= 1. Got {k!r} instead.")
    return int(k)


def precision_at_k(recommended: Sequence[object], relevant: Iterable[object], k: int) -> float:
    """Share of the first ``k`` recommendations that are relevant (divided by ``k``)."""
    k = _check_k(k)
    rel = set(relevant)
    return sum(1 for x in list(recommended)[:k] if x in rel) / k


def recall_at_k(recommended: Sequence[object], relevant: Iterable[object], k: int) -> float:
    """Share of the relevant items found in the first ``k`` recommendations."""
    k = _check_k(k)
    rel = set(relevant)
    if not rel:
        return float("nan")
    return sum(1 for x in list(recommended)[:k] if x in rel) / len(rel)


def ndcg_at_k(recommended: Sequence[object], relevant: Iterable[object], k: int) -> float:
    """Normalised discounted cumulative gain of the first ``k`` recommendations (binary relevance)."""
    k = _check_k(k)
    rel = set(relevant)
    if not rel:
        return float("nan")
    dcg = sum(1.0 / np.log2(i + 2) for i, x in enumerate(list(recommended)[:k]) if x in rel)
    idcg = sum(1.0 / np.log2(i + 2) for i in range(min(k, len(rel))))
    return float(dcg / idcg)


def coverage(lists: Iterable[Sequence[object]], catalogue_size: int) -> float:
    """Share of the ``catalogue_size`` items that appear in at least one list."""
    if catalogue_size < 1:
        raise InvalidParameterError(f"'catalogue_size' must be >= 1. Got {catalogue_size!r} instead.")
    seen: set[object] = set()
    for rec in lists:
        seen.update(rec)
    return len(seen) / catalogue_size


def ranking_metrics(
    recommended: Mapping[object, Sequence[object]],
    relevant: Mapping[object, Iterable[object]],
    *,
    k: int = 10,
    catalogue_size: int,
) -> dict[str, float]:
    """Mean precision@k, recall@k and NDCG@k over the customers in ``relevant``, plus coverage.

    A customer in ``relevant`` without a list counts as a list of nothing (all three are 0).
    Returns ``{"precision", "recall", "ndcg", "coverage", "n_users"}``.
    """
    k = _check_k(k)
    p, r, n = [], [], []
    for user, rel in relevant.items():
        rel = set(rel)
        if not rel:
            continue
        rec = list(recommended.get(user, ()))[:k]
        p.append(precision_at_k(rec, rel, k))
        r.append(recall_at_k(rec, rel, k))
        n.append(ndcg_at_k(rec, rel, k))
    lists = [list(v)[:k] for v in recommended.values()]
    return {
        "precision": float(np.mean(p)) if p else float("nan"),
        "recall": float(np.mean(r)) if r else float("nan"),
        "ndcg": float(np.mean(n)) if n else float("nan"),
        "coverage": coverage(lists, catalogue_size),
        "n_users": len(n),
    }


def ranking_metrics_frame(
    recs: pd.DataFrame, relevant: pd.DataFrame, *, k: int = 10, catalogue_size: int
) -> dict[str, float]:
    """:func:`ranking_metrics` computed set-wise on frames (the same numbers, fast for many customers).

    ``recs``: customer_id, rank (1 = first), product_id; ``relevant``: customer_id, product_id (one
    row per relevant pair). Customers are those in ``relevant``; the lists are cut at ``k``.
    """
    k = _check_k(k)
    rel = relevant[["customer_id", "product_id"]].drop_duplicates()
    n_rel = rel.groupby("customer_id").size()
    top = recs.loc[recs["rank"] <= k, ["customer_id", "rank", "product_id"]]
    hits = top.merge(rel, on=["customer_id", "product_id"])
    hits = hits.assign(gain=1.0 / np.log2(hits["rank"].to_numpy(float) + 1.0))
    per = hits.groupby("customer_id").agg(hits=("gain", "size"), dcg=("gain", "sum"))
    per = per.reindex(n_rel.index, fill_value=0)
    ideal = np.r_[0.0, np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))]
    idcg = ideal[np.minimum(n_rel.to_numpy(), k)]
    n = len(n_rel)
    return {
        "precision": float((per["hits"] / k).mean()) if n else float("nan"),
        "recall": float((per["hits"] / n_rel).mean()) if n else float("nan"),
        "ndcg": float((per["dcg"].to_numpy() / idcg).mean()) if n else float("nan"),
        "coverage": top["product_id"].nunique() / catalogue_size,
        "n_users": n,
    }

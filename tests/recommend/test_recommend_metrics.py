"""Ranking metrics against a hand calculation and against scikit-learn's ndcg_score."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from centric.exceptions import InvalidParameterError
from centric.recommend import coverage, ndcg_at_k, precision_at_k, ranking_metrics, ranking_metrics_frame, recall_at_k


def test_hand_calculation():
    rec, rel = ["a", "b", "c", "d"], {"b", "d", "e"}
    assert precision_at_k(rec, rel, 4) == 0.5
    assert recall_at_k(rec, rel, 4) == pytest.approx(2 / 3)
    # DCG = 1/log2(3) + 1/log2(5); IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 0.5
    assert ndcg_at_k(rec, rel, 4) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(rec, rel, 4) == pytest.approx(0.498189, abs=1e-6)
    # k cuts the list: only "a" and "b" count at k=2; IDCG has two terms
    assert precision_at_k(rec, rel, 2) == 0.5
    assert ndcg_at_k(rec, rel, 2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k(["b", "d", "e"], rel, 3) == pytest.approx(1.0)
    assert math.isnan(ndcg_at_k(rec, set(), 3))


def test_ndcg_agrees_with_sklearn():
    rng = np.random.default_rng(11)
    n_items, k = 30, 10
    for _ in range(50):
        truth = (rng.random(n_items) < 0.2).astype(float)
        if truth.sum() == 0:
            truth[rng.integers(n_items)] = 1.0
        scores = rng.random(n_items)
        ranked = list(np.argsort(-scores))
        ours = ndcg_at_k(ranked, set(np.flatnonzero(truth)), k)
        assert ours == pytest.approx(ndcg_score(truth[None, :], scores[None, :], k=k))


def test_ranking_metrics_means_and_coverage():
    recs = {"u1": ["a", "b"], "u2": ["c", "a"], "u3": ["a"]}
    rel = {"u1": {"b"}, "u2": {"x"}, "u4": {"a"}}  # u4 has no list: counts as zeros; u3 not evaluated
    m = ranking_metrics(recs, rel, k=2, catalogue_size=10)
    assert m["n_users"] == 3
    assert m["precision"] == pytest.approx((0.5 + 0 + 0) / 3)
    assert m["recall"] == pytest.approx(1 / 3)
    assert m["ndcg"] == pytest.approx((1 / math.log2(3)) / 3)
    assert m["coverage"] == pytest.approx(3 / 10)  # a, b, c
    assert coverage([["a"], ["a", "b"]], 4) == 0.5


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_bad_k_is_refused(k):
    with pytest.raises(InvalidParameterError, match="The 'k' parameter must be an int >= 1"):
        precision_at_k(["a"], {"a"}, k)


def test_frame_version_gives_the_same_numbers():
    rng = np.random.default_rng(3)
    items = [f"p{i}" for i in range(40)]
    recs, rel = {}, {}
    for u in range(200):
        recs[f"u{u}"] = list(rng.choice(items, size=int(rng.integers(0, 12)), replace=False))
        rel[f"u{u}"] = set(rng.choice(items, size=int(rng.integers(1, 6)), replace=False))
    rec_df = pd.DataFrame([(u, r + 1, p) for u, lst in recs.items() for r, p in enumerate(lst)],
                          columns=["customer_id", "rank", "product_id"])
    rel_df = pd.DataFrame([(u, p) for u, s in rel.items() for p in s], columns=["customer_id", "product_id"])
    a = ranking_metrics(recs, rel, k=10, catalogue_size=40)
    b = ranking_metrics_frame(rec_df, rel_df, k=10, catalogue_size=40)
    for key in ("precision", "recall", "ndcg", "coverage", "n_users"):
        assert b[key] == pytest.approx(a[key]), key

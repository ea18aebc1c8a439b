"""The estimators on small hand-made data: cosine by hand, ALS against implicit itself, filters, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from centric.exceptions import InputError, InvalidParameterError, NotFittedError
from centric.recommend import (
    ALSRecommender,
    BuyAgainRecommender,
    ItemKNNRecommender,
    LifeStageReranker,
    PopularityRecommender,
)


def frame(pairs, weights=None):
    c, p = zip(*pairs, strict=True)
    return pd.DataFrame({"customer_id": c, "product_id": p, "weight": weights or [1.0] * len(c)})


TOY = frame([("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "x"), ("d", "y"), ("d", "z")])


def lists(recs):
    return {u: g.sort_values("rank")["product_id"].tolist() for u, g in recs.groupby("customer_id")}


def test_item_knn_cosine_by_hand():
    m = ItemKNNRecommender(shrink=0.0).fit(TOY)
    sim = pd.DataFrame(m.similarity_.toarray(), index=m.items_, columns=m.items_)
    # columns x=(a,b,c), y=(a,b,d), z=(d): cos(x,y) = 2/3, cos(y,z) = 1/sqrt(3), cos(x,z) = 0, diagonal 0
    assert sim.loc["x", "y"] == pytest.approx(2 / 3)
    assert sim.loc["y", "z"] == pytest.approx(1 / math.sqrt(3))
    assert sim.loc["x", "z"] == 0 and sim.loc["x", "x"] == 0
    recs = m.recommend(["c", "d"], k=3)
    got = lists(recs)
    assert got["c"] == ["y"]  # z has no evidence (score 0) and x is already bought
    assert got["d"] == ["x"]
    assert recs.loc[recs.customer_id == "c", "score"].iloc[0] == pytest.approx(math.log(2) * 2 / 3)
    assert m.because(recs).tolist() == ["x", "y"]  # c gets y because of x; d gets x because of y


def test_self_weight_scores_rebuys_of_repeat_products():
    m = ItemKNNRecommender(shrink=0.0, self_weight=1.0).fit(TOY)
    recs = m.recommend(["c"], k=3, repeat_items=["x"])
    # x: own history log(2) · 1; y: log(2) · 2/3 from x; z: nothing
    assert lists(recs)["c"] == ["x", "y"]
    assert recs["score"].tolist() == pytest.approx([math.log(2), math.log(2) * 2 / 3])
    assert m.because(recs).tolist() == ["x", "x"]
    pure = ItemKNNRecommender(shrink=0.0, self_weight=0.0).fit(TOY)
    assert lists(pure.recommend(["c"], k=3, repeat_items=["x"]))["c"] == ["y"]


def test_shrink_damps_similarity():
    m = ItemKNNRecommender(shrink=3.0).fit(TOY)
    sim = pd.DataFrame(m.similarity_.toarray(), index=m.items_, columns=m.items_)
    l2 = math.log(2) ** 2
    assert sim.loc["x", "y"] == pytest.approx(2 * l2 / (3 * l2 + 3.0))


def test_neighbours_keeps_the_strongest():
    m = ItemKNNRecommender(neighbours=1, shrink=0.0).fit(TOY)
    assert (np.diff(m.similarity_.indptr) <= 1).all()
    row_y = m.similarity_[m.items_.get_loc("y")].toarray().ravel()
    assert row_y[m.items_.get_loc("x")] == pytest.approx(2 / 3)  # 2/3 > 1/sqrt(3)


def test_seen_repeat_and_available_filters():
    m = PopularityRecommender().fit(TOY)
    assert m.popularity_.tolist() == [3.0, 3.0, 1.0]  # distinct customers of x, y, z
    assert lists(m.recommend(["a"], k=3))["a"] == ["z"]
    assert lists(m.recommend(["a"], k=3, repeat_items=["x"]))["a"] == ["x", "z"]
    assert "a" not in lists(m.recommend(["a"], k=3, available_items=["x", "y"]))
    assert lists(m.recommend(["a"], k=3, exclude_seen=False))["a"] == ["x", "y", "z"]
    assert m.recommend(["nobody"], k=3).empty  # customers not seen in fit get nothing


def test_buy_again_only_repeat_products():
    df = frame([("a", "x"), ("a", "y"), ("b", "y")], [3.0, 1.0, 1.0])
    m = BuyAgainRecommender().fit(df)
    assert lists(m.recommend(["a"], k=5, repeat_items=["x", "y"]))["a"] == ["x", "y"]
    assert lists(m.recommend(["a"], k=5, repeat_items=["y"]))["a"] == ["y"]
    assert m.recommend(["a"], k=5).empty


def test_als_matches_implicit_on_the_same_matrix():
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(5)
    dense = (rng.random((60, 25)) < 0.15).astype(np.float32)
    dense[np.arange(60), rng.integers(0, 25, 60)] = 1.0
    r, c = np.nonzero(dense)
    df = pd.DataFrame({"customer_id": [f"u{i:02d}" for i in r], "product_id": [f"p{j:02d}" for j in c],
                       "weight": dense[r, c]})
    ours = ALSRecommender(factors=8, iterations=5, regularization=0.1, alpha=2.0, random_state=3).fit(df)
    m = ours.matrix_
    with threadpool_limits(1, "blas"):
        ref = AlternatingLeastSquares(factors=8, iterations=5, regularization=0.1, alpha=2.0, random_state=3,
                                      num_threads=1)
        ref.fit(sp.csr_matrix(m), show_progress=False)
    np.testing.assert_allclose(ours._scores(np.arange(m.shape[0])), ref.user_factors @ ref.item_factors.T,
                               rtol=1e-4, atol=1e-5)
    recs = ours.recommend(["u00"], k=5)
    ids, _ = ref.recommend(0, m[0], N=5)
    assert recs["product_id"].tolist() == [ours.items_[i] for i in ids]


def test_errors_name_the_problem():
    with pytest.raises(NotFittedError, match="This ItemKNNRecommender instance is not fitted yet"):
        ItemKNNRecommender().recommend(["a"])
    with pytest.raises(InputError, match="Required column 'weight' missing from interactions"):
        ItemKNNRecommender().fit(TOY.drop(columns="weight"))
    bad = TOY.assign(weight=[1, 1, 1, 0, 1, 1, 1])
    with pytest.raises(InputError, match="row 3 has 0"):
        ItemKNNRecommender().fit(bad)
    with pytest.raises(InvalidParameterError, match="'neighbours' parameter of ItemKNNRecommender"):
        ItemKNNRecommender(neighbours=0).fit(TOY)
    with pytest.raises(InvalidParameterError, match="'factors' parameter of ALSRecommender"):
        ALSRecommender(factors=0).fit(TOY)
    with pytest.raises(InvalidParameterError, match="The 'k' parameter of recommend"):
        PopularityRecommender().fit(TOY).recommend(["a"], k=0)


def test_life_stage_rerank_by_hand():
    inter = pd.DataFrame({
        "customer_id": ["p1", "p1", "p1", "p2", "p2", "p2", "p2"],
        "category": ["baby", "baby", "shoes", "shoes", "shoes", "shoes", "baby"],
    })
    stages = pd.DataFrame({"customer_id": ["p1", "p2", "p3"], "life_stage": ["new_parent", "student", None]})
    r = LifeStageReranker(smoothing=0.0).fit(inter, stages)
    aff = r.affinity_.set_index(["life_stage", "category"])["lift"]
    assert aff[("new_parent", "baby")] == pytest.approx((2 / 3) / (3 / 7))
    assert aff[("new_parent", "shoes")] == pytest.approx((1 / 3) / (4 / 7))
    recs = pd.DataFrame({"customer_id": ["p1", "p1", "p3", "p3"], "rank": [1, 2, 1, 2],
                         "product_id": ["s1", "b1", "s1", "b1"], "category": ["shoes", "baby", "shoes", "baby"],
                         "score": [2.0, 1.0, 2.0, 1.0]})
    out = lists(r.rerank(recs, stages, k=2))
    # p1: shoes 1/log2(2)·0.583 = 0.583 < baby 1/log2(3)·1.556 = 0.981; p3 has no stage: unchanged
    assert out == {"p1": ["b1", "s1"], "p3": ["s1", "b1"]}
    boosted = LifeStageReranker(strength=0.0, boost={"student": ["baby"]}).fit(inter, stages)
    recs2 = recs.assign(customer_id=["p2", "p2", "p3", "p3"])
    assert lists(boosted.rerank(recs2, stages, k=1)) == {"p2": ["b1"], "p3": ["s1"]}

"""TreeSHAP by decision pattern: equal to LightGBM's own pred_contrib, additive, and exact Shapley values."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from centric.churn import FEATURES, ChurnClassifier, churn_frame
from centric.churn._contributions import _by_pattern, tree_contributions


@pytest.fixture(scope="module")
def demo_model(churn_store, as_of):
    """A churn model on the demo (SF 0.1): trained at as_of − 180 d, explained at as_of − 90 d."""
    h = pd.Timedelta(days=90)
    train = churn_frame(churn_store, cutoff=as_of - 2 * h, horizon_days=90)
    later = churn_frame(churn_store, cutoff=as_of - h, horizon_days=90)
    cols = list(FEATURES)
    model = ChurnClassifier(90).fit(train[cols], train["churned"])
    return model, later[cols]


def test_by_pattern_equals_lightgbm_pred_contrib_on_the_demo(demo_model):
    model, X = demo_model
    booster = model.booster_.booster_
    A = X.to_numpy(np.float64)
    assert len(A) > 5000 and np.isnan(A).any()  # many customers, missing values on both default sides
    directions = {
        (nd.get("missing_type"), nd.get("default_left"))
        for t in booster.dump_model()["tree_info"]
        for nd in _nodes(t["tree_structure"])
    }
    assert {("NaN", True), ("NaN", False), ("None", True)} <= directions
    reference = booster.predict(A, pred_contrib=True)  # the old path: LightGBM's TreeSHAP on every row
    fast = _by_pattern(booster, np.asfortranarray(A), booster.dump_model(), 1)  # no fallback can hide a bug
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-10)
    # additivity: the contributions and the bias sum to the raw margin (log-odds)
    margin = booster.predict(A, raw_score=True)
    np.testing.assert_allclose(fast.sum(axis=1), margin, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fast[:, -1], reference[0, -1], rtol=0, atol=1e-12)  # one expected value
    # and the classifier's public method uses it, with feature names and the customers' index
    contrib = model.contributions(X)
    assert list(contrib.columns) == [*FEATURES, "bias"] and contrib.index.equals(X.index)
    np.testing.assert_allclose(contrib.to_numpy(), reference, rtol=0, atol=1e-10)


def _nodes(node):
    if "split_index" in node:
        yield node
        yield from _nodes(node["left_child"])
        yield from _nodes(node["right_child"])


def _left(x: float, node) -> bool:
    """LightGBM's NumericalDecision, written out scalar by scalar (Tree::NumericalDecision, tree.h)."""
    missing = node["missing_type"]
    if math.isnan(x) and missing != "NaN":
        x = 0.0
    if (missing == "Zero" and -1e-35 <= x <= 1e-35) or (missing == "NaN" and math.isnan(x)):
        return bool(node["default_left"])
    return x <= node["threshold"]


def _expectation(node, x, known: set[int]) -> float:
    """E[tree | the features in ``known``], the others averaged by the training counts (TreeSHAP's cover)."""
    if "split_index" not in node:
        return node["leaf_value"]
    left, right = node["left_child"], node["right_child"]
    f = node["split_feature"]
    if f in known:
        return _expectation(left if _left(x[f], node) else right, x, known)

    def count(n):
        return n["internal_count"] if "split_index" in n else n["leaf_count"]

    w = count(left) + count(right)
    return (count(left) * _expectation(left, x, known) + count(right) * _expectation(right, x, known)) / w


def _exact_shapley(trees, x, p: int) -> np.ndarray:
    """Shapley values by enumerating every coalition (2^p of them) of the path-dependent value function."""

    def v(s):
        return sum(_expectation(t["tree_structure"], x, set(s)) for t in trees)

    phi = np.zeros(p + 1)
    for i in range(p):
        others = [j for j in range(p) if j != i]
        for k in range(p):
            w = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in combinations(others, k):
                phi[i] += w * (v((*s, i)) - v(s))
    phi[p] = v(())
    return phi


def test_contributions_are_exact_shapley_values_of_a_small_model():
    from lightgbm import LGBMClassifier

    rng = np.random.default_rng(11)
    n, p = 600, 4
    X = rng.normal(size=(n, p))
    X[rng.random(n) < 0.15, 0] = np.nan  # NaN seen in training: "NaN" splits with a learnt default side
    X[rng.random(n) < 0.15, 1] = np.nan
    X[:, 3] = np.round(X[:, 3])  # many exact zeros
    logit = 1.5 * np.nan_to_num(X[:, 0], nan=1.0) - np.nan_to_num(X[:, 1]) * X[:, 2] + 0.5 * X[:, 3]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    booster = LGBMClassifier(n_estimators=12, num_leaves=6, min_child_samples=10, verbose=-1).fit(X, y).booster_
    trees = booster.dump_model()["tree_info"]
    kinds = {(nd["missing_type"], nd["default_left"]) for t in trees for nd in _nodes(t["tree_structure"])}
    assert {("NaN", True), ("NaN", False), ("None", True)} <= kinds, kinds
    X[rng.random(n) < 0.1, 2] = np.nan  # unseen in training: LightGBM reads NaN as 0.0 there
    X[rng.random(n) < 0.1, 3] = np.nan
    fast = _by_pattern(booster, np.asfortranarray(X), booster.dump_model(), 1)
    rows = rng.choice(n, 30, replace=False)
    exact = np.array([_exact_shapley(trees, X[r], p) for r in rows])
    np.testing.assert_allclose(fast[rows], exact, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.sum(axis=1), booster.predict(X, raw_score=True), rtol=0, atol=1e-6)
    np.testing.assert_allclose(tree_contributions(booster, X), fast, rtol=0, atol=1e-12)


def test_zero_as_missing_splits_match_lightgbm():
    from lightgbm import LGBMRegressor

    rng = np.random.default_rng(12)
    n = 2000
    X = np.column_stack([rng.integers(-2, 3, n).astype(float), rng.normal(size=n), rng.normal(size=n)])
    X[rng.random(n) < 0.2, 1] = np.nan
    y = (X[:, 0] == 0) * 2.0 + np.nan_to_num(X[:, 1], nan=-1.0) + rng.normal(scale=0.1, size=n)
    booster = LGBMRegressor(n_estimators=20, num_leaves=8, zero_as_missing=True, verbose=-1).fit(X, y).booster_
    kinds = {nd["missing_type"] for t in booster.dump_model()["tree_info"] for nd in _nodes(t["tree_structure"])}
    assert "Zero" in kinds
    np.testing.assert_allclose(
        _by_pattern(booster, np.asfortranarray(X), booster.dump_model(), 1),
        booster.predict(X, pred_contrib=True),
        rtol=0,
        atol=1e-10,
    )


def test_small_inputs_and_categorical_splits_use_lightgbm_directly():
    from lightgbm import LGBMRegressor

    rng = np.random.default_rng(13)
    n = 1500
    X = np.column_stack([rng.integers(0, 6, n).astype(float), rng.normal(size=n)])
    y = np.isin(X[:, 0], [1, 4]) * 3.0 + X[:, 1] + rng.normal(scale=0.1, size=n)
    booster = LGBMRegressor(n_estimators=15, num_leaves=6, verbose=-1).fit(X, y, categorical_feature=[0]).booster_
    trees = booster.dump_model()["tree_info"]
    assert any(nd["decision_type"] == "==" for t in trees for nd in _nodes(t["tree_structure"]))
    expected = booster.predict(X, pred_contrib=True)
    np.testing.assert_allclose(tree_contributions(booster, X), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(tree_contributions(booster, X[:7]), expected[:7], rtol=0, atol=1e-12)


def test_a_disagreement_with_lightgbm_falls_back_to_the_direct_call(monkeypatch):
    from lightgbm import LGBMRegressor

    import centric.churn._contributions as mod

    rng = np.random.default_rng(14)
    X = rng.normal(size=(1000, 3))
    booster = LGBMRegressor(n_estimators=10, num_leaves=6, verbose=-1).fit(X, X[:, 0] - X[:, 1]).booster_
    expected = booster.predict(X, pred_contrib=True)
    monkeypatch.setattr(mod, "_by_pattern", lambda *a: expected + 1e-6)  # wrong everywhere, as a bug would be
    np.testing.assert_allclose(tree_contributions(booster, X), expected, rtol=0, atol=1e-12)

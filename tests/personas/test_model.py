"""PersonaModel on synthetic feature frames: k choice, reproducibility, predict, not-enough-data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from centric.exceptions import InputError, InvalidParameterError, NotFittedError
from centric.personas import NotEnoughDataError, PersonaModel

CATS = ["cat:a", "cat:b", "cat:c", "cat:d"]


def blobs(n_per: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Three kinds of customers: a/b shoppers, c shoppers who spend big, d shoppers who buy rarely."""
    profiles = [
        (np.array([8, 8, 1, 1]), 4.0, 300_000),
        (np.array([1, 1, 12, 1]), 12.0, 900_000),
        (np.array([1, 1, 1, 14]), 1.5, 200_000),
    ]
    parts, truth = [], []
    for k, (alpha, freq, aov) in enumerate(profiles):
        shares = rng.dirichlet(alpha, n_per)
        f = rng.poisson(freq, n_per) + 1.0
        a = rng.gamma(8.0, aov / 8.0, n_per)
        df = pd.DataFrame(shares, columns=CATS)
        df["frequency"], df["aov"], df["monetary"] = f, a, f * a
        df["recency_days"] = rng.uniform(1, 700, n_per)
        df["nps_mean"] = np.where(rng.random(n_per) < 0.4, rng.integers(0, 11, n_per), np.nan)
        parts.append(df)
        truth += [k] * n_per
    out = pd.concat(parts, ignore_index=True)
    out.index = [f"C{i:05d}" for i in range(len(out))]
    out.index.name = "customer_id"
    out["rfm_segment"] = "champions"  # non-numeric columns are ignored
    return out, np.array(truth)


@pytest.fixture(scope="module")
def data():
    return blobs(300, np.random.default_rng(20240601))


def test_finds_the_three_kinds_and_reports_the_criterion(data):
    feats, truth = data
    m = PersonaModel(random_state=0).fit(feats)
    assert m.n_personas_ == 3
    assert set(m.k_scores_) == set(range(3, 9))
    assert m.k_scores_[3] == max(m.k_scores_.values())
    assert adjusted_rand_score(truth, m.labels_) > 0.9
    assert m.stability_ari_ > 0.95
    crit = m.criterion()
    assert crit["criterion"] == "silhouette" and crit["k"] == 3 and crit["stability_runs"] == 4
    sizes = np.bincount(m.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)  # persona 0 is the largest
    assert "rfm_segment" not in m.feature_names_


def test_ties_go_to_the_smaller_k(data):
    feats, _ = data
    m = PersonaModel(random_state=0, tie_tolerance=10.0).fit(feats)
    assert m.n_personas_ == 3
    m = PersonaModel(random_state=0, k_range=(4, 6), tie_tolerance=10.0).fit(feats)
    assert m.n_personas_ == 4


def test_reproducible_with_a_seed(data):
    feats, _ = data
    a = PersonaModel(random_state=7, n_personas=4).fit(feats)
    b = PersonaModel(random_state=7, n_personas=4).fit(feats)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_)
    assert a.stability_ari_ == b.stability_ari_


def test_predict_assigns_new_customers_consistently(data):
    feats, truth = data
    m = PersonaModel(random_state=0).fit(feats)
    np.testing.assert_array_equal(m.predict(feats), m.labels_)
    new, new_truth = blobs(40, np.random.default_rng(99))
    pred = m.predict(new)
    # each true kind lands in the persona its training customers are in
    mapping = {k: np.bincount(m.labels_[truth == k]).argmax() for k in range(3)}
    assert np.mean(pred == np.array([mapping[k] for k in new_truth])) > 0.95
    # a column the new data lacks counts as typical (the training median); order does not matter
    shuffled = new[list(reversed(new.columns))].drop(columns=["nps_mean"])
    assert np.mean(m.predict(shuffled) == pred) > 0.95


def test_not_enough_customers_is_a_clear_statement(data):
    feats, _ = data
    small = feats.iloc[:37]
    with pytest.raises(
        NotEnoughDataError, match="not enough customers to find personas: 37, need ≥ 200"
    ) as info:
        PersonaModel().fit(small)
    assert isinstance(info.value, InputError)
    d = info.value.to_dict()
    assert d["status"] == "not_enough_data" and d["n_customers"] == 37 and d["min_customers"] == 200
    assert d["message_vi"] == "không đủ khách hàng để tìm chân dung khách hàng: 37, cần ≥ 200"


def test_parameter_and_fitted_errors(data):
    feats, _ = data
    with pytest.raises(InvalidParameterError, match="The 'k_range' parameter of PersonaModel"):
        PersonaModel(k_range=(1, 4)).fit(feats)
    with pytest.raises(InvalidParameterError, match="The 'n_personas' parameter of PersonaModel"):
        PersonaModel(n_personas=1).fit(feats)
    with pytest.raises(NotFittedError, match="This PersonaModel instance is not fitted yet"):
        PersonaModel().predict(feats)
    with pytest.raises(InputError, match="No persona feature columns"):
        PersonaModel().fit(pd.DataFrame({"x": range(300)}))
    m = PersonaModel(n_personas=3)
    assert m.get_params()["n_personas"] == 3
    assert m.set_params(n_personas=4).n_personas == 4

"""ChurnClassifier: the estimator contract, reasons in vi/en, small data, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from centric.churn import FEATURES, ChurnClassifier, NotEnoughDataError, RecencyBaseline, evaluate
from centric.exceptions import InputError, InvalidParameterError, NotFittedError


def _synthetic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """All features, with churn driven by the last CSAT (low CSAT → churn) and a little by recency."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f: rng.gamma(2.0, 10.0, n) for f in FEATURES})
    X["csat_last"] = rng.integers(1, 6, n).astype(float)
    X["recency_days"] = rng.uniform(20, 120, n)
    X["mean_gap_days"] = 30.0
    X["recency_gap_ratio"] = X["recency_days"] / 30.0
    logit = 2.5 * (2.5 - X["csat_last"]) + 0.01 * (X["recency_days"] - 70)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def synthetic_model():
    X, y = _synthetic(3000, 1)
    return ChurnClassifier(n_estimators=80).fit(X, y), X, y


def test_reasons_name_the_real_driver_in_both_languages(synthetic_model):
    model, X, _ = synthetic_model
    case = X.iloc[[0]].copy()
    case["csat_last"] = 1.0
    case["recency_days"] = 25.0
    case["recency_gap_ratio"] = 25.0 / 30.0
    en = model.reasons(case, lang="en").iloc[0]
    vi = model.reasons(case, lang="vi").iloc[0]
    assert en["reason_1"] == "last CSAT 1/5"
    assert vi["reason_1"] == "CSAT gần nhất 1/5"
    assert model.predict_proba(case)[0, 1] > 0.8
    contrib = model.contributions(case)
    assert contrib.drop(columns="bias").iloc[0].idxmax() == "csat_last"
    # a happy customer: the CSAT is not written out as a reason to leave
    happy = case.assign(csat_last=5.0)
    assert "CSAT" not in " ".join(str(v) for v in model.reasons(happy, lang="en").iloc[0])


def test_reason_templates_render_customer_numbers():
    from centric.churn._reasons import TEMPLATES

    row = {"recency_days": 94.2, "mean_gap_days": 45.0, "recency_gap_ratio": 94.2 / 45.0, "frequency": 5.0}
    assert TEMPLATES["recency"](row) == (
        "no order for 94 days, twice their usual gap",
        "chưa mua hàng 94 ngày, gấp đôi chu kỳ thường lệ",
    )
    assert TEMPLATES["email"]({"emails_sent_90d": 6.0, "email_opens_90d": 0.0}) == (
        "opened no e-mail in 90 days",
        "không mở e-mail nào trong 90 ngày",
    )
    assert TEMPLATES["csat"]({"csat_last": 2.0}) == ("last CSAT 2/5", "CSAT gần nhất 2/5")
    assert TEMPLATES["trend"]({"orders_90d": 1.0, "orders_prev_90d": 4.0})[1] == (
        "số đơn giảm từ 4 xuống 1 (90 ngày gần nhất so với 90 ngày trước đó)"
    )
    assert (
        TEMPLATES["late_delivery"]({"tickets_late_delivery": 2.0})[1] == "đã phàn nàn về giao hàng chậm 2 lần"
    )
    assert (
        TEMPLATES["spend"]({"avg_order_value": 120_000.0})[1]
        == "chi tiêu thấp: trung bình 120.000\u00a0₫ mỗi đơn"
    )


def test_not_enough_customers_is_a_clear_statement():
    X, y = _synthetic(312, 2)
    with pytest.raises(NotEnoughDataError, match="not enough customers to train churn risk: 312, need ≥ 500"):
        ChurnClassifier().fit(X, y)
    X, _ = _synthetic(800, 3)
    y = np.zeros(800, dtype=int)
    y[:20] = 1
    with pytest.raises(NotEnoughDataError, match="not enough churners to train churn risk: 20, need ≥ 50"):
        ChurnClassifier().fit(X, y)
    assert issubclass(NotEnoughDataError, InputError)


def test_same_seed_same_model_other_seed_differs():
    X, y = _synthetic(1500, 4)
    p1 = ChurnClassifier(n_estimators=60, random_state=7).fit(X, y).predict_proba(X)
    p2 = ChurnClassifier(n_estimators=60, random_state=7).fit(X, y).predict_proba(X)
    p3 = ChurnClassifier(n_estimators=60, random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, p3)


def test_estimator_contract_and_errors(synthetic_model):
    model, X, y = synthetic_model
    params = model.get_params()
    assert params["calibration"] == "isotonic" and params["horizon_days"] == 90
    fresh = clone(model)
    assert not hasattr(fresh, "booster_")
    with pytest.raises(NotFittedError):
        fresh.predict_proba(X)
    with pytest.raises(InvalidParameterError, match="'calibration' parameter of ChurnClassifier"):
        ChurnClassifier(calibration="platt").fit(X, y)
    with pytest.raises(InputError, match="Required column 'csat_last' missing"):
        model.predict_proba(X.drop(columns="csat_last"))
    with pytest.raises(InvalidParameterError, match="'lang' parameter"):
        model.reasons(X.head(2), lang="fr")
    assert set(model.predict(X.head(50))) <= {0, 1}
    assert list(model.reasons(X.head(3), top=2).columns) == ["reason_1", "reason_2"]


def test_sigmoid_calibration_and_evaluate_keys(synthetic_model):
    _, X, y = synthetic_model
    model = ChurnClassifier(calibration="sigmoid", n_estimators=60).fit(X, y)
    ev = evaluate(model, X, y)
    assert set(ev["model"]) == {"roc_auc", "pr_auc", "brier", "ece", "lift_top_decile", "mean_predicted"}
    assert set(ev["baseline"]) == set(ev["model"])
    assert isinstance(model.baseline_, RecencyBaseline)
    assert ev["model"]["roc_auc"] > ev["baseline"]["roc_auc"]
    assert {r["model"] for r in ev["lift"]} == {"churn model", "recency baseline"}

"""Gradients, predictions against lifetimes' closed forms, and the estimator contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import integrate

import centric.clv as clv
from centric.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    _pareto_nbd,
)
from centric.exceptions import NotFittedError

REF = json.loads((Path(__file__).parent / "lifetimes_reference.json").read_text())
X = np.array([0.0, 2.0, 10.0, 1.0])
TX = np.array([0.0, 30.43, 35.0, 2.0])
TT = np.array([38.86, 38.86, 38.86, 30.0])
HAND = pd.DataFrame({"frequency": X, "recency": TX, "T": TT})


def _with_params(cls, values):
    model = cls()
    model.params_ = pd.Series(values, index=list(cls._param_names))
    return model


# --------------------------------------------------------------------------- gradients
def _rng_data(model_cls, rng):
    n = 300
    x = rng.integers(0, 15, n).astype(float)
    T = rng.uniform(5, 60, n)
    tx = np.where(x > 0, rng.uniform(0, 1, n) * T, 0.0)
    if model_cls is BetaGeoBetaBinomModel:
        npd = rng.integers(1, 10, n).astype(float)
        x = np.minimum(x, npd)
        tx = np.where(x > 0, np.minimum(npd, x + rng.integers(0, 3, n)), 0.0)
        return {"frequency": x, "recency": tx, "n_periods": npd}
    if model_cls is GammaGammaModel:
        return {"frequency": np.maximum(x, 1), "monetary_value": rng.gamma(3, 10, n)}
    return {"frequency": x, "recency": tx, "T": T}


@pytest.mark.parametrize(
    ("model_cls", "theta"),
    [
        (BetaGeoModel, [0.243, 4.414, 0.793, 2.426]),
        (ModifiedBetaGeoModel, [0.525, 6.183, 0.891, 1.614]),
        (ParetoNBDModel, [0.553, 10.58, 0.606, 11.67]),  # alpha < beta
        (ParetoNBDModel, [0.8, 14.0, 1.3, 3.0]),  # alpha >= beta, series
        (ParetoNBDModel, [0.8, 40.0, 1.3, 0.5]),  # alpha >> beta: z > 0.8, hyp2f1 fallback
        (BetaGeoBetaBinomModel, [1.204, 0.750, 0.657, 2.783]),
        (GammaGammaModel, [6.25, 3.74, 15.44]),
    ],
)
def test_analytic_gradient_matches_finite_differences(model_cls, theta) -> None:
    rng = np.random.default_rng(7)
    d = _rng_data(model_cls, rng)
    model = model_cls()
    theta = np.asarray(theta, float)
    _, g = model._loglik(theta, d, True)
    for i in range(len(theta)):
        h = 1e-6 * theta[i]
        e = np.zeros_like(theta)
        e[i] = h
        fd = (model._loglik(theta + e, d, False)[0] - model._loglik(theta - e, d, False)[0]) / (2 * h)
        assert_allclose(
            g[:, i], fd, rtol=1e-5, atol=1e-6, err_msg=f"{model_cls.__name__} d/d{model._param_names[i]}"
        )


def test_objective_gradient_in_log_space_with_penalty(cdnow_compressed) -> None:
    model = BetaGeoModel(penalizer=0.1)
    d = {c: cdnow_compressed[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    w = cdnow_compressed["weight"].to_numpy(float)
    phi = np.log([0.3, 4.0, 0.7, 2.0])
    _, g = model._objective(phi, d, w)
    for i in range(4):
        e = np.zeros(4)
        e[i] = 1e-6
        fd = (model._objective(phi + e, d, w)[0] - model._objective(phi - e, d, w)[0]) / 2e-6
        assert_allclose(g[i], fd, rtol=1e-6, atol=1e-9)


def test_pareto_tail_integral_matches_quadrature() -> None:
    for theta in ([0.553, 10.58, 0.606, 11.67], [0.8, 14.0, 1.3, 3.0], [0.8, 40.0, 1.3, 0.5]):
        r, a, s, b = theta
        for x, t in [(0.0, 0.0), (3.0, 5.0), (25.0, 30.0)]:
            lj, _ = _pareto_nbd._log_tail(np.array(theta), np.array([x]), np.array([t]), False)

            def f(u, r=r, a=a, s=s, b=b, x=x):
                return (a + u) ** -(r + x) * (b + u) ** -(s + 1)

            ref = integrate.quad(f, t, t + 2000, epsabs=0, epsrel=1e-13, limit=500)[0]
            ref += integrate.quad(f, t + 2000, np.inf, epsabs=0, epsrel=1e-13)[0]
            assert_allclose(np.exp(lj[0]), ref, rtol=1e-9)


# --------------------------------------------------------------------------- predictions
@pytest.mark.parametrize(
    ("key", "cls", "theta"),
    [
        ("bg", BetaGeoModel, [0.243, 4.414, 0.793, 2.426]),
        ("pareto", ParetoNBDModel, [0.553, 10.58, 0.606, 11.67]),
        ("mbg", ModifiedBetaGeoModel, [0.525, 6.183, 0.891, 1.614]),
    ],
)
def test_predictions_agree_with_lifetimes_closed_forms(key, cls, theta) -> None:
    model = _with_params(cls, theta)
    ref = REF[key]
    assert_allclose(model.expected_purchases(HAND, t=39).to_numpy(), ref["exp"], rtol=1e-9)
    assert_allclose(model.probability_alive(HAND).to_numpy(), ref["alive"], rtol=1e-9)
    assert_allclose(model.expected_purchases_new_customer(39), ref["new"], rtol=1e-9)
    if "pn" in ref:
        assert_allclose(model.probability_of_n_purchases(39, np.arange(4)), ref["pn"], rtol=1e-9)


def test_bg_bb_predictions_agree_with_lifetimes() -> None:
    model = _with_params(BetaGeoBetaBinomModel, [1.204, 0.750, 0.657, 2.783])
    data = pd.DataFrame({"frequency": [0.0, 1, 3, 6], "recency": [0.0, 1, 5, 6], "n_periods": [6.0] * 4})
    ref = REF["bgbb"]
    assert_allclose(model.expected_purchases(data, t=5).to_numpy(), ref["exp"], rtol=1e-9)
    assert_allclose(model.probability_alive(data).to_numpy(), ref["alive"], rtol=1e-8)
    assert_allclose(model.probability_alive(data, m=2).to_numpy(), ref["alive2"], rtol=1e-8)


def test_gamma_gamma_and_clv_agree_with_lifetimes() -> None:
    gg = _with_params(GammaGammaModel, [6.25, 3.74, 15.44])
    bg = _with_params(BetaGeoModel, [0.243, 4.414, 0.793, 2.426])
    data = HAND.assign(monetary_value=[0.0, 25.0, 31.5, 12.0])
    assert_allclose(gg.expected_average_value(data).to_numpy(), REF["gg"]["ev"], rtol=1e-12)
    got = clv.customer_lifetime_value(bg, gg, data, horizon_months=12, discount_rate_monthly=0.01, period="W")
    assert_allclose(got.to_numpy(), REF["gg"]["clv"], rtol=1e-9)
    assert got.name == "clv"


@pytest.mark.parametrize(
    ("cls", "theta"),
    [
        (BetaGeoModel, [0.243, 4.414, 0.793, 2.426]),
        (ParetoNBDModel, [0.553, 10.58, 0.606, 11.67]),
        (ModifiedBetaGeoModel, [0.525, 6.183, 0.891, 1.614]),
        (BetaGeoBetaBinomModel, [1.204, 0.750, 0.657, 2.783]),
    ],
)
def test_probability_of_n_purchases_is_a_distribution_with_the_right_mean(cls, theta) -> None:
    model = _with_params(cls, theta)
    t = 6 if cls is BetaGeoBetaBinomModel else 20.0
    n = np.arange(0, 7 if cls is BetaGeoBetaBinomModel else 400)
    pn = model.probability_of_n_purchases(t, n)
    assert np.all(pn >= 0)
    assert_allclose(pn.sum(), 1.0, atol=1e-8)
    assert_allclose((n * pn).sum(), model.expected_purchases_new_customer(t), rtol=1e-6)


def test_bg_nbd_p_alive_is_one_for_frequency_zero(bg_cdnow, cdnow_cal) -> None:
    pa = bg_cdnow.probability_alive(cdnow_cal)
    zero = cdnow_cal["frequency"].to_numpy() == 0
    assert (pa[zero] == 1.0).all()
    assert (pa[~zero] < 1.0).all() and (pa > 0).all()
    assert pa.index.name == "customer_id"


def test_predictions_on_large_frequencies_stay_finite() -> None:
    bg = _with_params(BetaGeoModel, [0.243, 4.414, 0.793, 2.426])
    pn = _with_params(ParetoNBDModel, [0.553, 10.58, 0.606, 11.67])
    data = pd.DataFrame({"frequency": [500.0, 2000.0], "recency": [300.0, 38.0], "T": [300.0, 39.0]})
    for m in (bg, pn):
        e = m.expected_purchases(data, t=52)
        assert np.isfinite(e).all() and (e > 0).all()
        assert np.isfinite(m.probability_alive(data)).all()


# --------------------------------------------------------------------------- contract
def test_all_is_sorted_and_complete() -> None:
    assert clv.__all__ == sorted(clv.__all__)
    public = {n for n in dir(clv) if (not n.startswith("_") and n[0].isupper()) or n in clv.__all__}
    assert set(clv.__all__) >= {n for n in public if not n.startswith("_") and callable(getattr(clv, n))}


@pytest.mark.parametrize(
    "cls", [BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel, BetaGeoBetaBinomModel, GammaGammaModel]
)
def test_not_fitted_error_uses_sklearn_wording(cls) -> None:
    model = cls()
    msg = f"This {cls.__name__} instance is not fitted yet. Call 'fit' with appropriate arguments"
    if cls is not GammaGammaModel:
        with pytest.raises(NotFittedError, match=msg):
            model.expected_purchases_new_customer(10)
    method = model.expected_average_value if cls is GammaGammaModel else model.probability_alive
    with pytest.raises(NotFittedError, match=msg):
        method(HAND)


def test_get_set_params_and_repr() -> None:
    m = BetaGeoModel(penalizer=0.1)
    assert m.get_params() == {"penalizer": 0.1, "tol": 1e-8, "maxiter": 1000}
    assert repr(m) == "BetaGeoModel(penalizer=0.1)"
    assert m.set_params(maxiter=50) is m and m.maxiter == 50
    assert not hasattr(m, "params_")


def test_fit_returns_self_and_penalizer_shrinks(cdnow_compressed) -> None:
    m = BetaGeoModel()
    assert m.fit(cdnow_compressed) is m
    pen = BetaGeoModel(penalizer=0.5).fit(cdnow_compressed)
    assert np.abs(np.log(pen.params_)).sum() < np.abs(np.log(m.params_)).sum()
    assert pen.log_likelihood_ < m.log_likelihood_


def test_clv_interval_contains_point_and_is_seeded(bg_cdnow, gg_cdnow, cdnow_cal) -> None:
    a = clv.clv_interval(bg_cdnow, gg_cdnow, cdnow_cal, n_draws=100, random_state=1)
    b = clv.clv_interval(bg_cdnow, gg_cdnow, cdnow_cal, n_draws=100, random_state=1)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["clv", "lower", "upper"]
    assert (a.lower <= a.upper).all()
    inside = ((a.lower <= a.clv) & (a.clv <= a.upper)).mean()
    assert inside > 0.95
    point = clv.customer_lifetime_value(bg_cdnow, gg_cdnow, cdnow_cal)
    assert_allclose(a.clv.to_numpy(), point.to_numpy())


def test_annual_discount_rate_is_converted(bg_cdnow, gg_cdnow, cdnow_cal) -> None:
    monthly = (1.12) ** (1 / 12) - 1
    a = clv.customer_lifetime_value(bg_cdnow, gg_cdnow, cdnow_cal.head(50), annual_discount_rate=0.12)
    b = clv.customer_lifetime_value(bg_cdnow, gg_cdnow, cdnow_cal.head(50), discount_rate_monthly=monthly)
    assert_allclose(a, b, rtol=1e-12)
    assert_allclose(clv.monthly_discount_rate(annual_discount_rate=0.12), monthly)

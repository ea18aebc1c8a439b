"""Layer 3: parameters recovered from data simulated with known values (inside 2 standard errors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from centric.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, compress

from .conftest import simulate_bg_nbd


@pytest.mark.slow
def test_bg_nbd_recovers_known_parameters() -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    rfm = simulate_bg_nbd(truth, 20_000, np.random.default_rng(11))
    model = BetaGeoModel().fit(compress(rfm))
    z = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert (z.abs() < 2).all(), z


@pytest.mark.slow
def test_pareto_nbd_recovers_known_parameters() -> None:
    rng = np.random.default_rng(0)
    n, truth = 20_000, {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    lam = rng.gamma(truth["r"], 1 / truth["alpha"], n)
    mu = rng.gamma(truth["s"], 1 / truth["beta"], n)
    T = 52.0 - rng.integers(0, 84, n) / 7
    life = rng.exponential(1 / mu)
    end = np.minimum(life, T)
    x = rng.poisson(lam * end)
    # given x purchases in (0, end], the last one is the max of x uniforms
    tx = np.where(x > 0, end * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    rfm = pd.DataFrame({"frequency": x.astype(float), "recency": np.round(tx * 7) / 7, "T": T})
    rfm["recency"] = np.minimum(rfm["recency"], rfm["T"])
    model = ParetoNBDModel().fit(compress(rfm))
    z = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert (z.abs() < 2).all(), z


@pytest.mark.slow
def test_gamma_gamma_recovers_known_parameters() -> None:
    rng = np.random.default_rng(13)
    n, (p, q, g) = 5_000, (6.0, 4.0, 15.0)
    x = rng.integers(1, 10, n)
    nu = rng.gamma(q, 1 / g, n)
    m = rng.gamma(p * x, 1 / (nu * x))  # mean of x Gamma(p, nu) values
    model = GammaGammaModel().fit(pd.DataFrame({"frequency": x, "monetary_value": m}))
    z = (model.params_ - pd.Series({"p": p, "q": q, "gamma": g})) / model.standard_errors_
    assert (z.abs() < 2).all(), z

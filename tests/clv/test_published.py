"""Layer 1: published estimates on the real CDNOW and donations data (3 significant digits)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from centric.clv import BetaGeoBetaBinomModel, ModifiedBetaGeoModel


def _sig3(actual: float, expected: float) -> None:
    """Equal to the published value to 3 significant digits (the papers' precision)."""
    assert f"{actual:.3g}" == f"{expected:.3g}" or abs(actual - expected) <= 0.5 * 10 ** (
        np.floor(np.log10(abs(expected))) - 2
    ), (actual, expected)


def test_cdnow_calibration_data_matches_the_literature(cdnow_cal: pd.DataFrame) -> None:
    # FHL (2005): 2,357 customers, 946 of them repeat buyers in the 39-week calibration period
    assert len(cdnow_cal) == 2357
    assert int((cdnow_cal.frequency > 0).sum()) == 946
    assert int(cdnow_cal.frequency.sum()) == 2457
    assert_allclose(cdnow_cal["T"].max(), 272 / 7)


def test_bg_nbd_reproduces_fader_hardie_lee_2005(bg_cdnow) -> None:
    p = bg_cdnow.params_
    for name, value in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        _sig3(p[name], value)
    assert_allclose(p.to_numpy(), [0.243, 4.414, 0.793, 2.426], rtol=2e-3)
    assert round(bg_cdnow.log_likelihood_, 1) == -9582.4
    assert bg_cdnow.n_customers_ == 2357


def test_pareto_nbd_reproduces_published_estimates(pareto_cdnow) -> None:
    p = pareto_cdnow.params_
    for name, value in {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}.items():
        _sig3(p[name], value)
    assert round(pareto_cdnow.log_likelihood_, 0) == -9595.0


def test_gamma_gamma_reproduces_fader_hardie_lee_rfm_clv(gg_cdnow) -> None:
    p = gg_cdnow.params_
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        _sig3(p[name], value)
    assert gg_cdnow.n_customers_ == 946


def test_bg_bb_reproduces_fader_hardie_shang_2010(donations: pd.DataFrame) -> None:
    model = BetaGeoBetaBinomModel().fit(donations)
    p = model.params_
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        _sig3(p[name], value)
    assert round(model.log_likelihood_, 1) == -33225.6
    assert model.n_customers_ == 11104


def test_bg_bb_weights_keyword_equals_weight_column(donations: pd.DataFrame) -> None:
    a = BetaGeoBetaBinomModel().fit(donations)
    b = BetaGeoBetaBinomModel().fit(donations.drop(columns="weight"), weights=donations["weight"])
    assert_allclose(a.params_, b.params_, rtol=1e-8)


def test_mbg_nbd_matches_btydplus_estimates(cdnow_compressed: pd.DataFrame) -> None:
    # BTYDplus / lifetimes' test_params_out_is_close_to_BTYDplus
    model = ModifiedBetaGeoModel().fit(cdnow_compressed)
    assert_allclose(model.params_.to_numpy(), [0.525, 6.183, 0.891, 1.614], rtol=2e-3)


def test_compressed_and_per_customer_fits_agree(cdnow_cal, cdnow_compressed, bg_cdnow) -> None:
    from centric.clv import BetaGeoModel

    assert len(cdnow_compressed) < len(cdnow_cal) / 2
    full = BetaGeoModel().fit(cdnow_cal)
    assert_allclose(full.params_, bg_cdnow.params_, rtol=1e-7)
    assert_allclose(full.log_likelihood_, bg_cdnow.log_likelihood_, rtol=1e-12)


def test_standard_errors_and_summary(bg_cdnow) -> None:
    s = bg_cdnow.summary_
    assert list(s.columns) == ["coef", "se", "lower 95%", "upper 95%"]
    assert list(s.index) == ["r", "alpha", "a", "b"]
    assert (s["lower 95%"] < s["coef"]).all() and (s["coef"] < s["upper 95%"]).all()
    # the BG/NBD paper's standard errors are not published; lifetimes' (delta method) are close to these
    assert_allclose(s["se"].to_numpy(), [0.0126, 0.378, 0.186, 0.705], rtol=0.02)
    assert_allclose(bg_cdnow.confidence_intervals_.to_numpy(), s[["lower 95%", "upper 95%"]].to_numpy())

"""Interval maths against DOMAIN.md's worked examples, hand computations and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from centric.exceptions import InvalidParameterError
from centric.metrics._intervals import nps_interval, t_mean_interval, wilson_interval


@pytest.mark.parametrize(
    ("p", "d", "n", "method", "low", "high"),
    [
        (100, 40, 200, "wald", 19.2, 40.8),
        (100, 40, 200, "adjusted-wald", 18.8, 40.3),
        (10, 4, 20, "wald", -4.2, 64.2),
        (10, 4, 20, "adjusted-wald", -5.7, 57.9),
    ],
)
def test_nps_interval_matches_domain_worked_examples(p, d, n, method, low, high):
    _, lo, hi, _ = nps_interval(p, d, n, method=method)
    assert_allclose([lo, hi], [low, high], atol=0.05)


def test_nps_adjusted_centre_and_se():
    centre, *_ = nps_interval(100, 40, 200, method="adjusted-wald")
    assert_allclose(centre, 29.6, atol=0.05)
    _, _, _, se = nps_interval(100, 40, 200, method="wald")
    assert_allclose(se, 5.5, atol=0.05)
    _, _, _, se = nps_interval(10, 4, 20, method="wald")
    assert_allclose(se, 17.5, atol=0.05)


def test_nps_interval_equals_trinomial_mean_interval():
    # coding +1/0/−1: the Wald SE is the (population) SE of that mean, times 100
    codes = np.array([1] * 100 + [0] * 60 + [-1] * 40)
    _, _, _, se = nps_interval(100, 40, 200, method="wald")
    assert_allclose(se, 100 * codes.std(ddof=0) / np.sqrt(200))


def test_wilson_by_hand_and_against_scipy():
    lo, hi = wilson_interval(8, 10)
    assert_allclose([lo, hi], [0.4902, 0.9433], atol=5e-5)
    ci = stats.binomtest(8, 10).proportion_ci(confidence_level=0.95, method="wilson")
    assert_allclose([lo, hi], [ci.low, ci.high], rtol=1e-9)
    for k, n in [(0, 7), (7, 7), (3, 41), (250, 1000)]:
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
        assert_allclose(wilson_interval(k, n, confidence=0.9), [ci.low, ci.high], rtol=1e-9, atol=1e-12)


def test_t_mean_interval_against_scipy():
    x = np.array([7, 6, 5, 4, 3, 7, 7, 2, 6, 5], dtype=float)
    mean, lo, hi, sd = t_mean_interval(len(x), x.sum(), (x**2).sum())
    want = stats.t.interval(0.95, df=len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert_allclose([mean, lo, hi, sd], [5.2, *want, x.std(ddof=1)])


def test_undefined_intervals_are_nan_not_numbers():
    assert np.isnan(wilson_interval(0, 0)).all()
    assert np.isnan(nps_interval(0, 0, 0)).all()
    mean, lo, hi, _ = t_mean_interval(1, 4.0, 16.0)
    assert mean == 4.0 and np.isnan(lo) and np.isnan(hi)


def test_bad_interval_parameters_are_named():
    with pytest.raises(InvalidParameterError, match=r"'method' parameter must be one of .* Got 'bootstrap'"):
        nps_interval(1, 1, 3, method="bootstrap")
    with pytest.raises(InvalidParameterError, match=r"'confidence' parameter .* Got 95 instead"):
        wilson_interval(1, 2, confidence=95)

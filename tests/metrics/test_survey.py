"""NPS, CSAT, CES and the Life Impact Index on hand-made feedback (DuckDB)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from centric.exceptions import InputError, InvalidParameterError
from centric.metrics import MetricResult, ces, csat, csat_mean, life_impact_index, nps


def _fb(store, *frames):
    store.append_new("feedback", pd.concat(frames, ignore_index=True))
    return store.table("feedback")


def test_nps_worked_example_200(duck, feedback_rows):
    fb = _fb(duck, feedback_rows("nps", [10] * 100 + [7] * 60 + [6] * 40))
    r = nps(fb)
    assert isinstance(r, MetricResult)
    assert (r.metric, r.value, r.n, r.unit, r.method) == ("nps", 30.0, 200, "score", "adjusted-wald")
    assert_allclose([r.low, r.high, r.extra["adjusted_centre"]], [18.8, 40.3, 29.6], atol=0.05)
    assert (r.extra["promoters"], r.extra["passives"], r.extra["detractors"]) == (100, 60, 40)
    assert not r.small_sample and not r.suppressed
    w = nps(fb, method="wald")
    assert w.value == 30.0
    assert_allclose([w.low, w.high], [19.2, 40.8], atol=0.05)
    json.dumps(r.to_dict())  # JSON-ready


def test_nps_worked_example_20_is_small_sample(duck, feedback_rows):
    fb = _fb(duck, feedback_rows("nps", [9] * 10 + [8] * 6 + [0] * 4))
    r = nps(fb)
    assert r.value == 30.0 and r.n == 20
    assert_allclose([r.low, r.high], [-5.7, 57.9], atol=0.05)
    w = nps(fb, method="wald")
    assert_allclose([w.low, w.high], [-4.2, 64.2], atol=0.05)
    assert r.small_sample and not r.suppressed


def test_nps_category_boundaries(duck, feedback_rows):
    fb = _fb(duck, feedback_rows("nps", [0, 6, 7, 8, 9, 10, 6]))
    r = nps(fb, suppress_below=0)
    assert (r.extra["promoters"], r.extra["passives"], r.extra["detractors"]) == (2, 2, 3)
    assert_allclose(r.value, 100 * (2 - 3) / 7)


def test_nps_ignores_other_instruments_and_unanswered(duck, feedback_rows):
    fb = _fb(
        duck,
        feedback_rows("nps", [10] * 12),
        feedback_rows("csat", [1] * 5),
        feedback_rows("nps", [None, None], prefix="skip"),
    )
    r = nps(fb)
    assert (r.n, r.value) == (12, 100.0)


def test_nps_suppression_withholds_value_and_counts(duck, feedback_rows):
    fb = _fb(duck, feedback_rows("nps", [10] * 9))
    r = nps(fb)
    assert r.suppressed and r.small_sample and r.n == 9
    assert r.value is None and r.low is None and r.high is None and r.extra == {}
    r = nps(fb, suppress_below=5)
    assert r.value == 100.0 and not r.suppressed


def test_empty_input_gives_n0_suppressed_not_nan(duck):
    fb = duck.table("feedback")
    for f in (nps, csat, csat_mean, ces, life_impact_index):
        r = f(fb)
        assert (r.n, r.value, r.low, r.high, r.suppressed) == (0, None, None, None, True), f.__name__


def test_out_of_range_scores_are_refused(duck, feedback_rows):
    fb = _fb(duck, feedback_rows("nps", [10, 11, 3]))
    with pytest.raises(InputError, match=r"instrument 'nps' must be integer scores from 0 to 10; 1 row"):
        nps(fb)


def test_nps_by_touchpoint_suppresses_per_group(duck, feedback_rows):
    tp = ["web"] * 12 + ["store"] * 4
    fb = _fb(duck, feedback_rows("nps", [10] * 6 + [0] * 6 + [9] * 4, touchpoint=tp))
    df = nps(fb, by="touchpoint")
    assert list(df.columns[:8]) == [
        "touchpoint",
        "value",
        "n",
        "low",
        "high",
        "small_sample",
        "suppressed",
        "method",
    ]
    assert list(df["touchpoint"]) == ["store", "web"]
    store, web = df.iloc[0], df.iloc[1]
    assert store["n"] == 4 and store["suppressed"] and np.isnan(store["value"]) and np.isnan(store["low"])
    assert web["n"] == 12 and not web["suppressed"] and web["small_sample"] and web["value"] == 0.0
    assert (web["promoters"], web["detractors"]) == (6, 6)


def test_nps_by_period_uses_workspace_time_zone(duck, feedback_rows):
    at = ["2024-03-31T17:30:00+00:00"] * 10 + [
        "2024-03-31T16:30:00+00:00"
    ] * 10  # Apr 1 00:30 / Mar 31 23:30 local
    fb = _fb(duck, feedback_rows("nps", [10] * 10 + [0] * 10, at=at))
    df = nps(fb, by="period", freq="M")
    assert [str(p) for p in df["period"]] == ["2024-03", "2024-04"]
    assert list(df["value"]) == [-100.0, 100.0]
    q = nps(fb, by="period", freq="Q")
    assert [str(p) for p in q["period"]] == ["2024Q1", "2024Q2"]
    w = nps(fb, by="period", freq="W")  # Sun 31 Mar local is in the week of Mon 25 Mar; Apr 1 is a Monday
    assert [p.start_time.strftime("%Y-%m-%d") for p in w["period"]] == ["2024-03-25", "2024-04-01"]
    utc = nps(fb, by="period", freq="M", tz="UTC")
    assert [str(p) for p in utc["period"]] == ["2024-03"] and utc["n"].iloc[0] == 20


def test_segment_by_joined_customer_attribute(duck, feedback_rows):
    duck.append_new(
        "customers", pd.DataFrame({"customer_id": ["c1", "c2"], "province": ["Hà Nội", "Đà Nẵng"]})
    )
    fb = _fb(duck, feedback_rows("nps", [10] * 10 + [0] * 10, customers=["c1"] * 10 + ["c2"] * 10))
    cust = duck.table("customers").select("customer_id", "province")
    joined = fb.left_join(cust, "customer_id").select(fb, cust.province)
    df = nps(joined, by="province")
    assert dict(zip(df["province"], df["value"], strict=True)) == {"Hà Nội": 100.0, "Đà Nẵng": -100.0}


def test_csat_top2box_wilson_and_mean(duck, feedback_rows):
    scores = [5, 5, 4, 4, 4, 5, 4, 4, 2, 1]
    fb = _fb(duck, feedback_rows("csat", scores))
    r = csat(fb)
    assert (r.value, r.n, r.unit, r.method) == (80.0, 10, "%", "wilson")
    assert_allclose([r.low, r.high], [49.02, 94.33], atol=0.005)
    x = np.array(scores, float)
    want = stats.t.interval(0.95, df=9, loc=x.mean(), scale=stats.sem(x))
    assert_allclose([r.extra["mean"], r.extra["mean_low"], r.extra["mean_high"]], [3.8, *want])
    m = csat_mean(fb)
    assert m.unit == "mean 1–5" and m.value == pytest.approx(3.8)
    assert_allclose([m.low, m.high], want)
    assert m.extra["top2_pct"] == 80.0
    # 7-point scale: positive is 5–7
    r7 = csat(
        _fb(duck, feedback_rows("csat", [7, 5, 4, 1, 6], prefix="c7")).filter(
            lambda t: t.response_id.startswith("c7")
        ),
        scale=7,
        suppress_below=0,
    )
    assert r7.value == 60.0


def test_ces_version_aware_and_never_pooled(duck, feedback_rows):
    v2 = [7, 6, 5, 4, 3, 7, 7, 2, 6, 5]
    fb = _fb(
        duck,
        feedback_rows("ces", v2, version="2.0"),
        feedback_rows("ces", [1, 2, 5, 4, 1, 2, 2, 3, 1, 2, 9], version="CES 1.0", prefix="old")[:10],
    )
    r = ces(fb)
    x = np.array(v2, float)
    assert (r.value, r.n, r.unit, r.extra["version"]) == (pytest.approx(5.2), 10, "mean 1–7", "2.0")
    assert_allclose([r.low, r.high], stats.t.interval(0.95, df=9, loc=x.mean(), scale=stats.sem(x)))
    assert r.extra["agree_pct"] == 70.0
    old = ces(fb, version="1.0")
    assert (old.value, old.unit, old.extra["low_effort_pct"]) == (pytest.approx(2.3), "mean 1–5", 70.0)
    with pytest.raises(InputError, match=r"CES 1\.0 and 2\.0 are never pooled"):
        ces(fb, version=None)
    with pytest.raises(
        InvalidParameterError, match=r"'version' parameter must be '1.0', '2.0' or None.*Got '3'"
    ):
        ces(fb, version="3")


def test_ces_single_version_with_none_and_unversioned_rows_reported(duck, feedback_rows):
    fb = _fb(duck, feedback_rows("ces", [7] * 10, version="2"), feedback_rows("ces", [1, 2], prefix="nov"))
    r = ces(fb, version=None)
    assert (r.value, r.n, r.extra["unversioned"]) == (7.0, 10, 2)


def test_life_impact_index_per_response_set(duck, feedback_rows):
    rows = pd.concat(
        [
            feedback_rows("life_impact", [5, 4, 3], customers=["c1"] * 3, survey_id="s1", prefix="l1"),
            feedback_rows("life_impact", [1, 2], customers=["c2"] * 2, survey_id="s1", prefix="l2"),
            feedback_rows("life_impact", [3], survey_id="s1", prefix="anon"),
        ],
        ignore_index=True,
    )
    fb = _fb(duck, rows)
    r = life_impact_index(fb, suppress_below=0)
    sets = np.array([75.0, 12.5, 50.0])  # (mean − 1) / 4 · 100 per set
    assert r.n == 3 and r.unit == "index 0–100"
    assert_allclose(r.value, sets.mean())
    assert_allclose([r.low, r.high], stats.t.interval(0.95, df=2, loc=sets.mean(), scale=stats.sem(sets)))
    assert "not yet a validated scale" in r.definition and r.extra["answers"] == 6
    assert r.definition_vi


def test_bad_parameters_name_the_parameter(duck):
    fb = duck.table("feedback")
    with pytest.raises(
        InvalidParameterError, match=r"'by' parameter must be None, 'period' or a column .* Got 'provnce'"
    ):
        nps(fb, by="provnce")
    with pytest.raises(
        InvalidParameterError, match=r"'freq' parameter must be one of \['M', 'Q', 'W'\].*Got 'D'"
    ):
        nps(fb, by="period", freq="D")
    with pytest.raises(InvalidParameterError, match=r"'scale' parameter .* Got 10 instead"):
        csat(fb, scale=10)
    with pytest.raises(
        InvalidParameterError, match=r"'tz' parameter must be a time zone with a fixed UTC offset"
    ):
        nps(fb, by="period", tz="Europe/Paris")
    with pytest.raises(InvalidParameterError, match=r"'feedback' argument must be an Ibis table"):
        nps(pd.DataFrame())
    with pytest.raises(
        InvalidParameterError, match=r"'min_n' parameter must be a non-negative integer. Got -1"
    ):
        nps(fb, min_n=-1)

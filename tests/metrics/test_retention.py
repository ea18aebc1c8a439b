"""Period retention, cohort triangles and churn on a hand-made orders table (DuckDB).

Activity by local month (see ``orders_df``; E's February order is cancelled,
C's first order is Jan 31 18:00 UTC = Feb 1 local):

    Jan: A B E      Feb: A C      Mar: A B D      Apr: C
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from centric.exceptions import InputError, InvalidParameterError
from centric.metrics import churn, cohort_retention, inactivity_rule, period_retention

NAN = np.nan


@pytest.fixture
def orders(duck, orders_df):
    duck.append_new("orders", orders_df)
    return duck.table("orders")


def test_period_retention_by_hand(orders):
    df = period_retention(orders, freq="M")
    assert [str(p) for p in df["period"]] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    # S = active last month, E = active this month, N = first order this month
    assert list(df["S"]) == [0, 3, 2, 3]
    assert list(df["E"]) == [3, 2, 3, 1]
    assert list(df["N"]) == [3, 1, 1, 0]
    assert list(df["retained"]) == [0, 1, 1, 0]  # Feb: A; Mar: A; Apr: nobody
    assert list(df["reactivated"]) == [0, 0, 1, 1]  # Mar: B; Apr: C
    assert list(df["churned"]) == [0, 2, 1, 3]
    assert_allclose(df["retention"], [NAN, 100 / 3, 100.0, 100 / 3])  # (E − N) / S
    assert_allclose(df["retained_pct"], [NAN, 100 / 3, 50.0, 0.0])
    ci = stats.binomtest(1, 2).proportion_ci(method="wilson")
    assert_allclose(df.loc[2, ["low", "high"]].astype(float), [100 * ci.low, 100 * ci.high])
    assert np.isnan(df.loc[0, "low"])


def test_period_retention_window_and_quarters(orders):
    df = period_retention(orders, start="2024-02-01", end="2024-05-31")
    assert [str(p) for p in df["period"]] == ["2024-02", "2024-03", "2024-04", "2024-05"]
    assert list(df["S"]) == [3, 2, 3, 1] and list(df["E"]) == [2, 3, 1, 0]
    q = period_retention(orders, freq="Q")
    assert [str(p) for p in q["period"]] == ["2024Q1", "2024Q2"]
    assert list(q["S"]) == [0, 5] and list(q["E"]) == [5, 1] and list(q["retained"]) == [0, 1]


def test_cohort_triangle_customers_by_hand(orders):
    tri = cohort_retention(orders, freq="M")
    want = pd.DataFrame(
        [
            [1.0, 1 / 3, 2 / 3, 0.0],  # Jan cohort A B E: Feb A; Mar A B; Apr nobody
            [1.0, 0.0, 1.0, NAN],  # Feb cohort C: Mar none; Apr C; May not observed
            [1.0, 0.0, NAN, NAN],  # Mar cohort D
        ],
        index=pd.PeriodIndex(["2024-01", "2024-02", "2024-03"], freq="M", name="cohort"),
        columns=pd.Index([0, 1, 2, 3], name="age"),
    )
    pd.testing.assert_frame_equal(tri.shares, want)
    assert list(tri.sizes) == [3, 1, 1]
    assert tri.counts.iloc[0].tolist() == [3, 1, 2, 0]
    assert pd.isna(tri.counts.iloc[2, 2])


def test_cohort_triangle_revenue_by_hand(orders):
    tri = cohort_retention(orders, by="revenue")
    # Jan cohort age-0 revenue 100 + 200 + 100 = 400; Feb 50 (A); Mar 20 + 100 = 120; Apr 0
    # Feb cohort 30 + 70 = 100; Apr 50.  Mar cohort 40.
    want = np.array([[1.0, 50 / 400, 120 / 400, 0.0], [1.0, 0.0, 0.5, NAN], [1.0, 0.0, NAN, NAN]])
    assert_allclose(tri.shares.to_numpy(), want)
    assert_allclose(tri.counts.iloc[0].to_numpy(), [400, 50, 120, 0])


def test_churn_with_explicit_rule(orders):
    r = churn(orders, as_of="2024-05-01", inactive_days=40)
    assert (r.n, r.value, r.suppressed) == (5, None, True)  # n = 5 < 10: withheld by default
    r = churn(orders, as_of="2024-05-01", inactive_days=40, suppress_below=0)
    # cut-off 2024-03-22 local: last orders A Mar 10, B Mar 20, E Jan 5 are older; C Apr 15, D Mar 25 are not
    assert (r.n, r.extra["churned"], r.value) == (5, 3, 60.0)
    ci = stats.binomtest(3, 5).proportion_ci(method="wilson")
    assert_allclose([r.low, r.high], [100 * ci.low, 100 * ci.high])
    assert r.small_sample and "more than 40 days" in r.definition


def test_default_inactivity_rule_by_hand(orders):
    rule = inactivity_rule(orders)
    # repeat customers' mean gaps: A (Jan 10 → Mar 10) 60/2 = 30; B 60/1 = 60; C (Feb 1 → Apr 15) 74/2 = 37
    assert (rule.median_gap_days, rule.days, rule.n_repeat_customers) == (37.0, 111, 3)
    r = churn(orders, as_of="2024-05-01", suppress_below=0)
    # 111 days before May 1 is Jan 11: only E (Jan 5) has lapsed
    assert (r.value, r.extra["inactive_days"]) == (20.0, 111)
    assert "no purchase in the last 111 days (3× the median gap of 37 days)" in r.definition


def test_churn_counts_only_customers_before_as_of(orders):
    r = churn(orders, as_of="2024-02-01", inactive_days=15, suppress_below=0)
    # before Feb 1 local: A, B, E (C's first order is Feb 1 01:00 local)
    # cut-off Jan 17: A (Jan 10) and E (Jan 5) have lapsed, B (Jan 20) has not
    assert (r.n, r.extra["churned"]) == (3, 2)


def test_empty_orders(duck):
    orders = duck.table("orders")
    r = churn(orders, as_of="2024-05-01")
    assert (r.n, r.value, r.suppressed) == (0, None, True)
    assert period_retention(orders).empty
    assert cohort_retention(orders).shares.empty
    with pytest.raises(InputError, match="no customer has purchases on two different days"):
        inactivity_rule(orders)


def test_retention_errors(orders):
    with pytest.raises(
        InvalidParameterError, match=r"'by' parameter must be 'customers' or 'revenue'. Got 'orders'"
    ):
        cohort_retention(orders, by="orders")
    with pytest.raises(
        InvalidParameterError, match=r"'inactive_days' parameter must be a positive whole number.*Got 0"
    ):
        churn(orders, as_of="2024-05-01", inactive_days=0)
    with pytest.raises(
        InvalidParameterError, match=r"'as_of' parameter must be a date or datetime.*Got 'soon'"
    ):
        churn(orders, as_of="soon")

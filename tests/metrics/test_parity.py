"""The same metric calls give the same hand-worked numbers on DuckDB and on local Spark.

One test per backend: opening a Spark store costs seconds (it creates every
canonical table), so all the store-taking metrics share one store here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from centric.metrics import (
    ces,
    churn,
    clv_summary,
    cohort_retention,
    csat,
    engagement_index,
    historical_clv,
    life_impact_index,
    nps,
    period_retention,
)

NAN = np.nan


def test_metrics_agree_on_both_backends(
    backend_store, feedback_rows, orders_df, items_df, products_df, add_products, events_df
):
    _check_survey(backend_store, feedback_rows)
    _check_commerce(backend_store, orders_df, items_df, products_df, add_products, events_df)


def _check_survey(backend_store, feedback_rows):
    nps_scores = [9] * 10 + [8] * 6 + [0] * 4  # 10 / 6 / 4
    at = ["2024-03-31T17:30:00+00:00"] * 10 + ["2024-03-10T03:00:00+00:00"] * 10  # Apr 1 local / Mar 10
    rows = pd.concat(
        [
            feedback_rows("nps", nps_scores, touchpoint=["web"] * 12 + ["store"] * 8, at=at),
            feedback_rows("csat", [5, 5, 4, 4, 4, 5, 4, 4, 2, 1]),
            feedback_rows("ces", [7, 6, 5, 4, 3, 7, 7, 2, 6, 5], version="2.0"),
            feedback_rows("life_impact", [5, 4, 3], customers=["c1"] * 3, survey_id="s1", prefix="l1"),
            feedback_rows("life_impact", [1, 2], customers=["c2"] * 2, survey_id="s1", prefix="l2"),
        ],
        ignore_index=True,
    )
    backend_store.append("feedback", rows)
    fb = backend_store.table("feedback")

    r = nps(fb)
    assert (r.value, r.n) == (30.0, 20)
    assert_allclose([r.low, r.high], [-5.7, 57.9], atol=0.05)
    by_tp = nps(fb, by="touchpoint", suppress_below=0)
    assert list(by_tp["touchpoint"]) == ["store", "web"]
    assert list(by_tp["n"]) == [8, 12]
    assert_allclose(
        by_tp["value"], [100 * (0 - 4) / 8, 100 * (10 - 0) / 12]
    )  # store: 6 passives, 4 detractors
    by_p = nps(fb, by="period", suppress_below=0)
    assert [str(p) for p in by_p["period"]] == ["2024-03", "2024-04"]
    assert list(by_p["value"]) == [-40.0, 100.0]

    c = csat(fb)
    assert (c.value, c.n) == (80.0, 10)
    assert_allclose([c.low, c.high], [49.02, 94.33], atol=0.005)
    e = ces(fb)
    assert (e.value, e.extra["agree_pct"]) == (pytest.approx(5.2), 70.0)
    li = life_impact_index(fb, suppress_below=0)
    assert (li.n, li.value) == (2, pytest.approx((75 + 12.5) / 2))


def _check_commerce(backend_store, orders_df, items_df, products_df, add_products, events_df):
    s = backend_store
    s.append("orders", orders_df)
    s.append("order_items", items_df)
    add_products(s, products_df)
    s.append("events", events_df)
    orders = s.table("orders")

    pr = period_retention(orders)
    assert list(pr["S"]) == [0, 3, 2, 3] and list(pr["E"]) == [3, 2, 3, 1] and list(pr["N"]) == [3, 1, 1, 0]
    assert_allclose(pr["retention"], [NAN, 100 / 3, 100.0, 100 / 3])

    tri = cohort_retention(orders)
    assert_allclose(tri.shares.to_numpy(), [[1, 1 / 3, 2 / 3, 0], [1, 0, 1, NAN], [1, 0, NAN, NAN]])
    assert [str(p) for p in tri.shares.index] == ["2024-01", "2024-02", "2024-03"]
    rev = cohort_retention(orders, by="revenue")
    assert_allclose(rev.shares.iloc[0].to_numpy(), [1, 0.125, 0.3, 0])

    ch = churn(orders, as_of="2024-05-01", inactive_days=40, suppress_below=0)
    assert (ch.n, ch.value) == (5, 60.0)
    default = churn(orders, as_of="2024-05-01", suppress_below=0)
    assert (default.value, default.extra["inactive_days"]) == (20.0, 111)

    clv = historical_clv(orders, order_items=s.table("order_items"), products=s.table("products"))
    df = clv.execute().set_index("customer_id").sort_index()
    assert df["revenue"].tolist() == [170.0, 300.0, 150.0, 40.0, 100.0]
    assert df["margin"].tolist()[:3] == [40.0, 100.0, 0.0] and df["margin"].iloc[3:].isna().all()
    summary = clv_summary(clv, suppress_below=0)
    assert (summary.n, summary.value, summary.extra["p50"]) == (5, pytest.approx(152.0), 150.0)

    eng = (
        engagement_index(s.table("events"), as_of="2024-05-01")
        .execute()
        .set_index("customer_id")
        .sort_index()
    )
    assert_allclose(eng["raw"].to_numpy(), [6.0, 1.25, 4.0])
    assert eng["index"].tolist() == [100.0, 0.0, 50.0]

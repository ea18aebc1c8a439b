"""Historical CLV and the Engagement Index on hand cases (DuckDB); the public API contract."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import centric.metrics as metrics
from centric.exceptions import InvalidParameterError
from centric.metrics import clv_summary, engagement_index, engagement_summary, historical_clv

AS_OF = "2024-05-01"  # midnight Asia/Ho_Chi_Minh


@pytest.fixture
def sales(duck, orders_df, items_df, products_df, add_products):
    duck.append_new("orders", orders_df)
    duck.append_new("order_items", items_df)
    add_products(duck, products_df)
    return duck.table("orders"), duck.table("order_items"), duck.table("products")


def test_historical_clv_revenue_and_margin_by_hand(sales):
    orders, items, products = sales
    df = (
        historical_clv(orders, order_items=items, products=products)
        .execute()
        .set_index("customer_id")
        .sort_index()
    )
    # E's 999 order is cancelled; B's NULL-status order counts as completed
    assert df["revenue"].to_dict() == {"A": 170.0, "B": 300.0, "C": 150.0, "D": 40.0, "E": 100.0}
    assert df["orders"].to_dict() == {"A": 3, "B": 2, "C": 3, "D": 1, "E": 1}
    assert df.loc[["A", "B", "C"], "margin"].tolist() == [40.0, 100.0, 0.0]
    assert df.loc[["D", "E"], "margin"].isna().all()  # no item lines on counted orders
    assert df.loc["A", "lines_without_cost"] == 1
    no_margin = historical_clv(orders).execute()
    assert "margin" not in no_margin.columns and len(no_margin) == 5


def test_clv_summary_mean_t_interval_and_quantiles(sales):
    orders, items, products = sales
    x = np.array([170, 300, 150, 40, 100], float)
    r = clv_summary(orders, suppress_below=0)
    assert (r.metric, r.n, r.unit, r.method) == ("historical_clv", 5, "VND", "t")
    assert r.value == pytest.approx(152.0)
    assert_allclose([r.low, r.high], stats.t.interval(0.95, df=4, loc=x.mean(), scale=stats.sem(x)))
    assert_allclose([r.extra["p10"], r.extra["p50"], r.extra["p90"]], [64.0, 150.0, 248.0])
    m = clv_summary(orders, order_items=items, products=products, value="margin", suppress_below=0)
    assert (m.n, m.value) == (3, pytest.approx(140 / 3))  # margin known for A, B, C
    pre = historical_clv(orders, as_of="2024-02-01")  # a precomputed table is accepted too
    assert clv_summary(pre, suppress_below=0).extra["total"] == 100 + 200 + 100


def test_engagement_decay_by_hand(duck, events_df):
    duck.append_new("events", events_df)
    idx = engagement_index(duck.table("events"), as_of=AS_OF).execute().set_index("customer_id").sort_index()
    # an event exactly one half-life (90 days) old weighs half:
    # X = 10·½ + 1; Y = 1·¼ + 1 (unknown name → 1); Z = 4
    assert_allclose(idx["raw"].to_numpy(), [6.0, 1.25, 4.0])
    assert idx["events"].tolist() == [2, 2, 1]
    assert idx["index"].tolist() == [100.0, 0.0, 50.0]
    one = engagement_index(duck.table("events"), as_of=AS_OF, weights={}, half_life_days=180).execute()
    assert_allclose(sorted(one["raw"]), [1.0, 1.5, 1 + 2**-0.5])  # Z: 1; Y: ½ + 1; X: 2^−½ + 1
    r = engagement_summary(duck.table("events"), as_of=AS_OF, suppress_below=0)
    x = np.array([100.0, 0.0, 50.0])
    assert (r.n, r.value, r.unit) == (3, 50.0, "index 0–100")
    assert_allclose([r.low, r.high], stats.t.interval(0.95, df=2, loc=50, scale=stats.sem(x)))
    assert "Decree 356/2025" in r.definition and "356/2025" in r.definition_vi
    assert r.extra["events"] == 5 and r.extra["mean_raw"] == pytest.approx(11.25 / 3)


def test_empty_value_and_engagement(duck):
    r = clv_summary(duck.table("orders"))
    assert (r.n, r.value, r.suppressed) == (0, None, True)
    r = engagement_summary(duck.table("events"), as_of=AS_OF)
    assert (r.n, r.value, r.suppressed) == (0, None, True)


def test_value_engagement_errors(duck, sales):
    orders, items, _ = sales
    with pytest.raises(InvalidParameterError, match="'order_items' and 'products' parameters go together"):
        historical_clv(orders, order_items=items)
    with pytest.raises(InvalidParameterError, match="value='margin' needs product costs"):
        clv_summary(orders, value="margin")
    with pytest.raises(
        InvalidParameterError, match=r"'half_life_days' parameter must be a positive number.*Got 0"
    ):
        engagement_index(duck.table("events"), as_of=AS_OF, half_life_days=0)


def test_public_api_all_is_sorted_and_complete():
    # ruff RUF022 (isort style): CONSTANTS, then Classes, then functions, each alphabetical
    def key(n):
        return (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)

    assert metrics.__all__ == sorted(metrics.__all__, key=key)
    public = {n for n in dir(metrics) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(metrics, n)).__name__ == "module"}
    assert set(metrics.__all__) == public - modules
    assert math.isclose(metrics.DEFAULT_WEIGHTS["purchase"], 10)

"""The recommend data layer and tables give the same results on DuckDB and on local Spark."""

from __future__ import annotations

import pandas as pd
from recommend_helpers import fill_toy_store

from centric.recommend import (
    build_recommendations,
    interactions,
    next_best_actions,
    repeat_categories,
    shared_purchases,
)


def test_same_on_every_backend(backend_store):
    store = fill_toy_store(backend_store)
    got = interactions(store, view_weight=0.5).set_index(["customer_id", "product_id"])
    assert got.loc[("c1", "P1"), "orders"] == 2 and got.loc[("c4", "P1"), "weight"] == 1.0
    assert len(got) == 10  # 8 bought pairs + 2 viewed-only pairs (c4 P1, c4 P5)
    rc = repeat_categories(store, threshold=0.3, min_customers=1).set_index("category")
    assert bool(rc.loc["Skin", "repeat"]) and not bool(rc.loc["Fashion", "repeat"])
    recs = build_recommendations(store, k=3, life_stage=True, repeat_threshold=0.3, repeat_min_customers=1)
    assert set(recs.loc[recs["model"] != "popularity", "customer_id"]) == {"c1", "c2"}
    store.replace("recommendations", recs)
    back = store.table("recommendations").execute()
    assert len(back) == len(recs)
    nba = next_best_actions(store, recs, as_of=pd.Timestamp("2025-06-30", tz="UTC")).set_index("customer_id")
    assert nba.loc["c1", "action"] == "win_back" and nba.loc["c5", "action"] == "survey_request"


def test_shared_purchases_on_every_backend(backend_store):
    store = fill_toy_store(backend_store)
    ends = [pd.Timestamp("2025-02-01", tz="UTC"), pd.Timestamp("2025-06-30", tz="UTC")]
    alone = [interactions(store, end=e) for e in ends]
    rc = repeat_categories(store, end=ends[1], threshold=0.3, min_customers=1)
    with shared_purchases(store, ends=ends):
        inside = [interactions(store, end=e) for e in ends]
        rc_inside = repeat_categories(store, end=ends[1], threshold=0.3, min_customers=1)
    for a, b in zip(alone, inside, strict=True):
        pd.testing.assert_frame_equal(a.drop(columns="last_at"), b.drop(columns="last_at"))
        assert (a["last_at"] == b["last_at"]).all()
    assert inside[1].set_index(["customer_id", "product_id"]).loc[("c1", "P1"), "orders"] == 2
    assert len(inside[0]) == 6  # before February: c1 P1, c2 P1, c3 P3, c4 P2, c4 P3, c5 P5
    pd.testing.assert_frame_equal(rc, rc_inside)

"""Data, consent, filters and next best action on a small hand-made store (DuckDB file)."""

from __future__ import annotations

import pandas as pd
import pytest
from recommend_helpers import fill_toy_store

from centric.recommend import (
    NBAPolicy,
    NotEnoughDataError,
    build_recommendations,
    evaluate_time_split,
    interactions,
    next_best_actions,
    product_info,
    repeat_categories,
)
from centric.store import connect

T = pd.Timestamp


@pytest.fixture
def store(tmp_path):
    s = fill_toy_store(connect(f"duckdb://{tmp_path}/rec.duckdb"))
    yield s
    s.close()


def test_interactions_count_completed_orders_and_weighted_views(store):
    df = interactions(store).set_index(["customer_id", "product_id"])
    assert df.loc[("c1", "P1"), "orders"] == 2
    assert ("c2", "P3") not in df.index  # cancelled
    assert df.loc[("c4", "P3"), "weight"] == 1.0
    views = interactions(store, view_weight=0.5).set_index(["customer_id", "product_id"])
    assert views.loc[("c4", "P1"), "views"] == 2 and views.loc[("c4", "P1"), "weight"] == 1.0
    assert views.loc[("c4", "P5"), "weight"] == 0.5
    early = interactions(store, end=T("2025-02-01", tz="UTC"))
    assert set(early["customer_id"]) == {"c1", "c2", "c3", "c4", "c5"} and early["orders"].max() == 1


def test_repeat_categories_and_availability(store):
    rc = repeat_categories(store, threshold=0.3, min_customers=1).set_index("category")
    # Skin buyers c1 (P1 twice), c2, c4: 1 of 3 rebuy the same product; Fashion c1, c3 (P3 twice), c4, c5: 1 of 4
    assert rc.loc["Skin", "share"] == pytest.approx(1 / 3) and bool(rc.loc["Skin", "repeat"])
    assert rc.loc["Fashion", "share"] == pytest.approx(1 / 4) and not bool(rc.loc["Fashion", "repeat"])
    info = product_info(store).set_index("product_id")
    assert info["available"].to_dict() == {"P1": True, "P2": True, "P3": True, "P4": False, "P5": True}


def test_personal_lists_only_with_consent(store):
    recs = build_recommendations(store, k=3, life_stage=False, repeat_threshold=0.3, repeat_min_customers=1)
    personal = recs[recs["model"] != "popularity"]
    assert set(personal["customer_id"]) == {"c1", "c2"}  # c3 withdrew; c4 only allows analytics
    assert set(recs["customer_id"]) == {f"c{i}" for i in range(1, 7)}
    assert "P4" not in set(recs["product_id"])  # unavailable
    assert "P5" not in set(recs["product_id"])  # only bought by c5, who allowed no profiling
    c1 = personal[personal["customer_id"] == "c1"]
    assert "P3" not in set(c1["product_id"])  # bought, and Fashion is not repeat-purchase
    fb = recs[recs["model"] == "popularity"]
    per = fb.groupby("customer_id")["product_id"].apply(tuple)
    assert per.nunique() == 1  # one bestseller list for everyone else
    assert set(fb["because_vi"]) == {"Sản phẩm bán chạy (không cá nhân hoá)"}
    c2 = personal[personal["customer_id"] == "c2"].set_index("product_id")
    # c2 has P1, P2 (Skin, repeat) and gets P3 because c1/c4 bought it with P1/P2
    assert c2.loc["P3", "because_en"].startswith("Because you bought “")
    assert list(recs.columns) == ["customer_id", "rank", "product_id", "product_name", "category", "score", "model",
                                  "because_en", "because_vi", "run_id", "computed_at"]
    none = build_recommendations(store, k=2, fallback="none", repeat_threshold=0.3, repeat_min_customers=1)
    assert set(none["customer_id"]) == {"c1", "c2"}


def test_next_best_action_formula_consent_and_fatigue(store):
    recs = build_recommendations(store, k=2, life_stage=False, repeat_threshold=0.3, repeat_min_customers=1)
    as_of = T("2025-06-30", tz="UTC")
    nba = next_best_actions(store, recs, as_of=as_of).set_index("customer_id")
    # c1: 0.6 · 2,000,000 · 0.10 − 0.10 · 0.15 · 300,000 − 500 = 115,000
    assert nba.loc["c1", "action"] == "win_back"
    assert nba.loc["c1", "expected_value"] == pytest.approx(115_000)
    assert nba.loc["c1", "priority"] == 1
    top = recs[(recs.customer_id == "c2") & (recs["rank"] == 1)]["product_id"].iloc[0]
    price = {"P1": 100_000, "P2": 200_000, "P3": 300_000}[top]
    assert nba.loc["c2", "action"] == "cross_sell"  # risk 0.1 < 0.30: no win-back
    assert nba.loc["c2", "expected_value"] == pytest.approx(0.9 * 0.04 * price - 500)
    assert nba.loc["c5", "action"] == "survey_request" and nba.loc["c5", "expected_value"] == 2_500
    assert nba.loc["c2", "priority"] == 2 and nba.loc["c5", "priority"] == 3
    assert nba.loc["c3", "action"] == "leave_alone" and pd.isna(nba.loc["c3", "priority"])
    assert nba.loc["c3", "reason_en"] == "No consent to contact for marketing: leave alone."
    assert "ưu đãi giữ chân" in nba.loc["c1", "reason_vi"]
    store.append("messages", pd.DataFrame({
        "message_id": ["m1", "m2", "m3"], "customer_id": ["c2", "c2", "c1"], "status": ["sent", "sent", "failed"],
        "sent_at": [T("2025-06-27", tz="UTC"), T("2025-06-29", tz="UTC"), T("2025-06-29", tz="UTC")],
    }))
    again = next_best_actions(store, recs, as_of=as_of).set_index("customer_id")
    assert again.loc["c2", "action"] == "leave_alone"
    assert again.loc["c2", "reason_en"] == "Contacted 2 times in the last 7 days: leave alone to avoid fatigue."
    assert again.loc["c1", "action"] == "win_back"  # a failed send is not a contact
    strict = next_best_actions(store, recs, as_of=as_of, policy=NBAPolicy(win_back_min_risk=0.7))
    assert strict.set_index("customer_id").loc["c1", "action"] == "cross_sell"


def test_too_little_data_is_stated(store):
    with pytest.raises(NotEnoughDataError, match=r"Only 0 customers bought both before and after the cut"):
        evaluate_time_split(store, as_of=T("2025-04-01", tz="UTC"), test_days=30)


def test_step_without_orders_states_it_and_writes_typed_tables(tmp_path):
    from types import SimpleNamespace

    from centric.recommend import recommend_step

    s = connect(f"duckdb://{tmp_path}/empty.duckdb")
    s.append("customers", pd.DataFrame({"customer_id": ["c1", "c2"]}))
    res = SimpleNamespace(summary={"run_id": "r1"}, frames={})
    recommend_step(s, res, T("2025-06-30", tz="UTC"))
    rec = res.summary["recommend"]
    assert rec["status"] == "not_enough_data"
    assert rec["message"].startswith("Only 0 customers bought both before and after the cut 2025-01-01")
    assert s.count("recommendations") == 0
    nba = s.table("next_best_actions").execute()
    assert set(nba["action"]) == {"leave_alone"} and len(nba) == 2
    s.close()

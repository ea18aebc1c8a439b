"""Against the demo's ground truth (SF 0.1): the later-window backtest, the churn step and its outputs."""

from __future__ import annotations

import json

import pandas as pd

from centric.churn import TARGETS, churn_step, figures
from centric.pipeline import Results


def _allowed_buyers_before(store, cutoff) -> int:
    """Customers whose latest 'analytics' consent is a grant, with a completed order before ``cutoff`` (plain SQL)."""
    sql = f"""
        WITH latest AS (
            SELECT customer_id, arg_max(status, (recorded_at, status)) AS status
            FROM consents WHERE purpose = 'analytics' AND customer_id IS NOT NULL GROUP BY customer_id)
        SELECT count(DISTINCT o.customer_id) FROM orders o JOIN latest l USING (customer_id)
        WHERE l.status = 'granted' AND o.status = 'completed' AND o.ordered_at < TIMESTAMPTZ '{cutoff.isoformat()}'
    """
    return int(store.con.raw_sql(sql).fetchone()[0])


def test_later_window_meets_targets_and_beats_recency(churn_store, churn_run):
    cm = churn_run.summary["churn_model"]
    assert cm["available"], cm
    bt = cm["backtest"]
    m, b = bt["metrics"]["model"], bt["metrics"]["baseline"]
    print("churn backtest (SF 0.1):", json.dumps(bt["metrics"], indent=1))
    # the later window starts where the training labels end: no overlap
    assert bt["train"]["label_window_end"] == bt["test"]["cutoff"]
    # only customers who allow 'analytics' are profiled (PDP Law: no legitimate-interest basis)
    assert bt["test"]["n"] == _allowed_buyers_before(churn_store, pd.Timestamp(bt["test"]["cutoff"]))
    assert bt["test"]["n"] > 6000 and 0.05 < bt["test"]["churn_rate"] < 0.95
    assert m["roc_auc"] >= TARGETS["roc_auc_min"]
    assert m["ece"] <= TARGETS["ece_max"]
    assert m["roc_auc"] > b["roc_auc"] + 0.01
    assert m["pr_auc"] > b["pr_auc"]
    assert m["brier"] < b["brier"]
    assert m["lift_top_decile"] >= b["lift_top_decile"]
    assert bt["beats_baseline"] and bt["targets"]["met"]
    json.dumps(churn_run.summary)  # JSON-ready


def test_risk_tracks_the_simulators_truth(churn_store, churn_run):
    """Customers the simulator let die (before the end) get a higher risk than those alive at the end."""
    scores = churn_store.table("churn_scores").execute()
    refs = churn_store.table("customer_records").select("customer_ref", "customer_id").execute()
    root = churn_store.url[len("duckdb://") :].rsplit("/", 1)[0]
    persons = pd.read_parquet(
        f"{root}/w/truth/persons.parquet", columns=["pos_ref", "web_ref", "alive_at_end"]
    )
    truth = pd.concat(
        [
            persons[["pos_ref", "alive_at_end"]].rename(columns={"pos_ref": "customer_ref"}),
            persons[["web_ref", "alive_at_end"]].rename(columns={"web_ref": "customer_ref"}),
        ]
    ).dropna()
    joined = (
        truth.merge(refs, on="customer_ref").drop_duplicates("customer_id").merge(scores, on="customer_id")
    )
    assert len(joined) > 5000
    dead = joined.loc[~joined["alive_at_end"], "churn_risk"].mean()
    alive = joined.loc[joined["alive_at_end"], "churn_risk"].mean()
    assert dead > alive + 0.2


def test_scores_table_reasons_and_frames(churn_store, churn_run):
    scores = churn_store.table("churn_scores").execute()
    expected = [
        "customer_id",
        "churn_risk",
        *[f"reason_{k}_vi" for k in (1, 2, 3)],
        *[f"reason_{k}_en" for k in (1, 2, 3)],
        "horizon_days",
        "run_id",
        "computed_at",
    ]
    assert list(scores.columns) == expected
    assert scores["customer_id"].is_unique
    assert scores["churn_risk"].between(0, 1).all()
    assert (scores["run_id"] == "test-run").all()
    assert len(scores) == churn_run.summary["churn_model"]["scored"]["customers"]
    risky = scores[scores["churn_risk"] >= 0.5]
    assert risky["reason_1_vi"].notna().mean() > 0.95 and risky["reason_1_en"].notna().mean() > 0.95
    text_vi = " ".join(risky["reason_1_vi"].dropna().head(500))
    assert any(
        w in text_vi for w in ("chưa mua hàng", "khả năng còn là khách", "không có đơn nào", "số đơn giảm")
    )
    # the reason speaks of the customer's own numbers: recency in whole days
    frame_row = scores[scores["reason_1_en"].fillna("").str.startswith("no order for ")].iloc[0]
    days = int(frame_row["reason_1_en"].split()[3])
    assert 14 <= days <= 800
    frames = churn_run.frames
    assert set(frames) >= {"churn_calibration", "churn_lift", "churn_risk"}
    assert set(frames["churn_calibration"]["model"]) == {"churn model", "recency baseline"}
    assert frames["churn_lift"]["decile"].max() == 10
    figs = figures(frames, "vi")
    assert len(figs) == 3
    assert figs[0].layout.title.text.startswith("Hiệu chuẩn")
    assert [f.layout.title.text for f in figures(frames, "en")][2] == "Churn risk of current customers"


def test_small_store_gets_a_statement_not_a_model(churn_store, as_of):
    """Only 312 customers' orders: the step says so in the summary and writes no scores."""

    class Few:
        def __init__(self, store, ids):
            self.store, self.ids = store, ids

        def table(self, name):
            t = self.store.table(name)
            return (
                t.filter(t.customer_id.isin(self.ids))
                if name in ("orders", "events", "feedback", "tickets")
                else t
            )

        def has_table(self, name):
            return False

        def replace(self, *a, **k):  # pragma: no cover - must not be reached
            raise AssertionError("nothing may be written")

    from centric.privacy import allowed_customers

    o = churn_store.table("orders").semi_join(allowed_customers(churn_store, "analytics"), "customer_id")
    t1 = as_of - pd.Timedelta(days=180)
    early = (
        o.filter((o.ordered_at < t1) & (o.status == "completed"))
        .select("customer_id")
        .distinct()
        .order_by("customer_id")
        .limit(312)
    )
    ids = early.execute()["customer_id"].tolist()
    results = Results(run_id="few", summary={"headline": {}, "warnings": []}, frames={})
    churn_step(Few(churn_store, ids), results, as_of)
    cm = results.summary["churn_model"]
    assert cm["available"] is False
    assert cm["reason"].startswith("not enough customers to train churn risk: 312, need ≥ 500")
    assert any(w.startswith("churn: not enough customers") for w in results.summary["warnings"])
    assert "churn_risk" not in results.frames


def test_contractual_workspace_is_stated(churn_store, as_of):
    results = Results(run_id="c", summary={"headline": {}}, frames={})
    churn_step(churn_store, results, as_of, setting="contractual")
    assert "subscriptions/cancellation source" in results.summary["churn_model"]["reason"]

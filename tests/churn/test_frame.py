"""The churn table: hand-computed features and labels, and no leakage from the future."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from centric.churn import FEATURES, churn_frame, label_definition
from centric.exceptions import InputError, InvalidParameterError
from centric.store import connect

TZ = "Asia/Ho_Chi_Minh"


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz=TZ).tz_convert("UTC")


@pytest.fixture
def tiny_store():
    """Four customers with hand-placed orders, events, feedback and tickets around a 2025-06-01 cutoff."""
    store = connect("duckdb://")
    orders = [
        # a: 3 completed orders before, one cancelled, one after the cutoff (stays)
        ("o1", "a", "2025-01-01 10:00", "completed", 100_000),
        ("o2", "a", "2025-03-02 10:00", "completed", 200_000),
        ("o3", "a", "2025-05-01 10:00", "completed", 300_000),
        ("o4", "a", "2025-05-10 10:00", "cancelled", 50_000),
        ("o5", "a", "2025-07-01 10:00", "completed", 100_000),
        # b: one order before, nothing after (churns)
        ("o6", "b", "2025-02-01 10:00", "completed", 500_000),
        # c: one order before; only a cancelled order and one after the window (churns)
        ("o7", "c", "2025-05-31 23:59", "completed", 80_000),
        ("o8", "c", "2025-06-15 10:00", "cancelled", 80_000),
        ("o9", "c", "2025-09-15 10:00", "completed", 80_000),
        # d: first order exactly at the cutoff: not active before it, so not in the table
        ("o10", "d", "2025-06-01 00:00", "completed", 10_000),
        # e: a last order after the data end keeps the label window observed
        ("o11", "e", "2025-10-01 00:00", "completed", 10_000),
    ]
    df = pd.DataFrame(orders, columns=["order_id", "customer_id", "ordered_at", "status", "total_amount"])
    df["customer_ref"] = "pos:" + df["customer_id"]
    df["ordered_at"] = df["ordered_at"].map(_ts)
    df["total_amount"] = df["total_amount"].astype(float)
    store.append("orders", df)
    events = pd.DataFrame(
        {
            "event_id": ["e1", "e2", "e3", "e4", "e5"],
            "customer_id": ["a", "a", "a", "b", "a"],
            "occurred_at": [
                _ts(x)
                for x in (
                    "2025-05-20 09:00",
                    "2025-05-25 09:00",
                    "2025-04-01 09:00",
                    "2025-05-28 09:00",
                    "2025-06-02 09:00",
                )
            ],
            "name": ["page_view", "email_open", "email_sent", "email_sent", "page_view"],
        }
    )
    store.append("events", events)
    feedback = pd.DataFrame(
        {
            "response_id": ["f1", "f2", "f3", "f4"],
            "customer_id": ["a", "a", "b", "b"],
            "instrument": ["csat", "csat", "nps", "nps"],
            "score": [5.0, 2.0, 3.0, 10.0],
            "submitted_at": [
                _ts("2025-03-01 10:00"),
                _ts("2025-05-02 10:00"),
                _ts("2025-02-02 10:00"),
                _ts("2025-06-05 10:00"),
            ],
        }
    )
    store.append("feedback", feedback)
    tickets = pd.DataFrame(
        {
            "ticket_id": ["t1", "t2"],
            "customer_id": ["b", "b"],
            "opened_at": [_ts("2025-02-03 10:00"), _ts("2025-05-20 10:00")],
            "closed_at": [_ts("2025-02-04 10:00"), _ts("2025-06-03 10:00")],  # t2 still open at the cutoff
            "topic": ["Giao hàng chậm", "Đổi trả"],
            "status": ["closed", "closed"],
        }
    )
    store.append("tickets", tickets)
    yield store
    store.close()


def test_hand_computed_features_and_labels(tiny_store):
    df = churn_frame(tiny_store, cutoff="2025-06-01", p_alive=False)
    assert list(df.index) == ["a", "b", "c"]
    assert df["churned"].to_dict() == {"a": 0, "b": 1, "c": 1}
    a, b = df.loc["a"], df.loc["b"]
    assert a["frequency"] == 3 and a["monetary"] == 600_000 and a["avg_order_value"] == 200_000
    cut = _ts("2025-06-01")
    assert a["recency_days"] == pytest.approx((cut - _ts("2025-05-01 10:00")).total_seconds() / 86400)
    assert a["mean_gap_days"] == pytest.approx(120 / 2)
    assert a["recency_gap_ratio"] == pytest.approx(a["recency_days"] / 60)
    assert a["bad_orders"] == 1 and a["bad_order_share"] == pytest.approx(0.25)
    assert a["orders_90d"] == 1 and a["orders_prev_90d"] == 2 and a["orders_trend"] == -1
    assert a["revenue_90d"] == 300_000 and a["revenue_trend"] == 0
    assert a["web_events_30d"] == 1 and a["web_events_90d"] == 1
    assert a["email_opens_90d"] == 1 and a["emails_sent_90d"] == 1
    assert a["csat_last"] == 2 and a["csat_mean"] == 3.5 and a["negative_answers"] == 1
    assert np.isnan(a["nps_last"])
    assert b["nps_last"] == 3 and b["negative_answers"] == 1  # the NPS 10 came after the cutoff
    assert b["tickets"] == 2 and b["tickets_open"] == 1 and b["tickets_late_delivery"] == 1
    assert np.isnan(b["mean_gap_days"]) and b["frequency"] == 1
    assert list(df.columns) == [*FEATURES, "churned"]


def test_label_window_must_be_observed(tiny_store):
    with pytest.raises(InputError, match="after the last stored order"):
        churn_frame(tiny_store, cutoff="2025-09-01", p_alive=False)
    scored = churn_frame(tiny_store, cutoff="2025-09-01", p_alive=False, label=False)
    assert "churned" not in scored.columns


def test_contractual_setting_needs_a_cancellation_source(tiny_store):
    with pytest.raises(InputError, match="subscriptions/cancellation source"):
        churn_frame(tiny_store, cutoff="2025-06-01", setting="contractual")
    with pytest.raises(InvalidParameterError, match="'setting' parameter"):
        churn_frame(tiny_store, cutoff="2025-06-01", setting="subscription")
    with pytest.raises(InvalidParameterError, match="'horizon_days' parameter"):
        churn_frame(tiny_store, cutoff="2025-06-01", horizon_days=0)
    assert "90 ngày" in label_definition(90)["vi"]


def test_features_unchanged_when_the_future_is_deleted(churn_store, tmp_path):
    """Leakage: delete every row stamped at or after the cutoff; the features (P(alive) too) do not move."""
    cutoff = pd.Timestamp("2025-07-01", tz=TZ)
    before = churn_frame(churn_store, cutoff=cutoff, label=False)
    churn_store.con.raw_sql("CHECKPOINT")
    src = churn_store.url[len("duckdb://") :]
    copy = tmp_path / "past.duckdb"
    shutil.copy(src, copy)
    past = connect(f"duckdb://{copy}")
    try:
        cut = cutoff.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S+00")
        for table, col in (
            ("orders", "ordered_at"),
            ("events", "occurred_at"),
            ("feedback", "submitted_at"),
            ("tickets", "opened_at"),
        ):
            past.con.raw_sql(f"DELETE FROM {table} WHERE {col} >= TIMESTAMPTZ '{cut}'")
        assert past.table("orders").ordered_at.max().execute() < cutoff
        # a ticket closed after the cutoff must still count as open: forget its closing time
        past.con.raw_sql(f"UPDATE tickets SET closed_at = NULL WHERE closed_at >= TIMESTAMPTZ '{cut}'")
        after = churn_frame(past, cutoff=cutoff, label=False)
    finally:
        past.close()
    assert before["p_alive"].notna().all()
    pd.testing.assert_frame_equal(before, after, check_exact=False, rtol=1e-9)

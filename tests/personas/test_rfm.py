"""RFM scores and segments on a hand-made orders table, with literal expected values (DuckDB and Spark)."""

from __future__ import annotations

import pandas as pd
import pytest

from centric.exceptions import InputError, InvalidParameterError
from centric.personas import RFM_SEGMENTS, rfm_segment_name, rfm_segments

AS_OF = "2025-01-01"  # local midnight in Asia/Ho_Chi_Minh = 2024-12-31 17:00 UTC
END = pd.Timestamp(AS_OF, tz="Asia/Ho_Chi_Minh").tz_convert("UTC")

# customer: (days since last order, orders, total spend in VND)
CUSTOMERS = {
    "c01": (1, 5, 5_000_000),
    "c02": (2, 4, 400_000),
    "c03": (5, 1, 900_000),
    "c04": (10, 3, 300_000),
    "c05": (20, 2, 200_000),
    "c06": (40, 6, 6_000_000),
    "c07": (80, 1, 100_000),
    "c08": (160, 2, 800_000),
    "c09": (300, 1, 50_000),
    "c10": (400, 1, 700_000),
}

# R: 10 customers, 2 per quintile, oldest first. F: the four one-order customers fall in
# quintiles 1 and 2 and all get the lowest (1); c05/c08 (2 orders) get 3. FM = floor((F + M + 1) / 2).
EXPECTED = {
    #      R  F  M  segment
    "c01": (5, 5, 5, "champions"),
    "c02": (5, 4, 3, "champions"),
    "c03": (4, 1, 4, "potential_loyalists"),
    "c04": (4, 4, 2, "potential_loyalists"),
    "c05": (3, 3, 2, "need_attention"),
    "c06": (3, 5, 5, "loyal_customers"),
    "c07": (2, 1, 1, "hibernating"),
    "c08": (2, 3, 4, "at_risk"),
    "c09": (1, 1, 1, "lost"),
    "c10": (1, 1, 3, "hibernating"),
}


def _orders() -> pd.DataFrame:
    rows = []
    for cid, (days, n, total) in CUSTOMERS.items():
        for k in range(n):
            rows.append(
                {
                    "order_id": f"{cid}-{k}",
                    "customer_ref": f"pos:{cid}",
                    "customer_id": cid,
                    "ordered_at": END - pd.Timedelta(days=days + k),
                    "status": "completed",
                    "total_amount": total // n,
                    "channel": "pos",
                    "currency": "VND",
                }
            )
    # not counted: a cancelled order, an order after as_of, a customer with only a cancelled order
    rows.append(
        {
            "order_id": "x1",
            "customer_ref": "pos:c09",
            "customer_id": "c09",
            "status": "cancelled",
            "ordered_at": END - pd.Timedelta(days=1),
            "total_amount": 9_999_000,
        }
    )
    rows.append(
        {
            "order_id": "x2",
            "customer_ref": "pos:c10",
            "customer_id": "c10",
            "status": "completed",
            "ordered_at": END + pd.Timedelta(days=1),
            "total_amount": 9_999_000,
        }
    )
    rows.append(
        {
            "order_id": "x3",
            "customer_ref": "pos:c11",
            "customer_id": "c11",
            "status": "cancelled",
            "ordered_at": END - pd.Timedelta(days=3),
            "total_amount": 1_000,
        }
    )
    return pd.DataFrame(rows)


def test_rfm_scores_and_segments(backend_store):
    backend_store.append("orders", _orders())
    df = (
        rfm_segments(backend_store.table("orders"), as_of=AS_OF)
        .execute()
        .set_index("customer_id")
        .sort_index()
    )
    assert list(df.index) == sorted(CUSTOMERS)
    for cid, (r, f, m, seg) in EXPECTED.items():
        row = df.loc[cid]
        assert (int(row.r_score), int(row.f_score), int(row.m_score), row.rfm_segment) == (r, f, m, seg), cid
        assert row.rfm_score == f"{r}{f}{m}"
        days, n, total = CUSTOMERS[cid]
        assert row.recency_days == pytest.approx(days)
        assert int(row.frequency) == n
        assert row.monetary == pytest.approx(total // n * n)


def test_rfm_segment_names_in_both_languages():
    assert len(RFM_SEGMENTS) == 11
    assert rfm_segment_name("champions", "en") == "Champions"
    assert rfm_segment_name("at_risk", "vi") == "Có nguy cơ rời bỏ"
    assert rfm_segment_name("cant_lose_them", "en") == "Can't lose them"
    assert len({vi for _, vi in RFM_SEGMENTS.values()}) == 11


def test_rfm_segments_errors():
    import ibis

    t = ibis.memtable(pd.DataFrame({"customer_id": ["a"], "ordered_at": [END]}))
    with pytest.raises(InputError, match="Required column 'total_amount' missing from 'orders'"):
        rfm_segments(t, as_of=AS_OF)
    with pytest.raises(InvalidParameterError, match="The 'as_of' parameter must be a date"):
        rfm_segments(_orders_table(), as_of="not a date")


def _orders_table():
    import ibis

    df = _orders()[["order_id", "customer_id", "ordered_at", "total_amount"]]
    return ibis.memtable(df.assign(total_amount=df.total_amount.astype(float)))

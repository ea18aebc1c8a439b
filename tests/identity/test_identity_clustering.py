"""After resolution, fact tables on DuckDB are stored clustered by customer (fast per-customer reads)."""

from __future__ import annotations

import duckdb
import pandas as pd


def test_fact_tables_are_stored_in_customer_order(demo_ws):
    ws, _ = demo_ws
    con = duckdb.connect(str(ws / "centric.duckdb"), read_only=True)
    try:
        for table in ("events", "orders", "feedback"):
            ids = pd.Series([r[0] for r in con.execute(f"SELECT customer_id FROM {table} ORDER BY rowid").fetchall()])
            known = ids.dropna()
            assert len(known) > 100, table
            assert known.is_monotonic_increasing, f"{table} is not stored in customer_id order"
            assert ids.isna().sum() == 0 or ids[ids.isna()].index.min() > known.index.max()  # NULLs last
    finally:
        con.close()

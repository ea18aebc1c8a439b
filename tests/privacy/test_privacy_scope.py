"""Profiling reads only customers allowed the purpose: the scoped store view used by churn."""

from __future__ import annotations

import pandas as pd

from centric.privacy import ScopedStore, scoped_store
from centric.store import connect

T = pd.Timestamp("2025-03-01", tz="UTC")


def _store():
    s = connect("duckdb://")
    s.append("customers", pd.DataFrame({"customer_id": ["c1", "c2", "c3"]}))
    s.append("orders", pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4"], "customer_ref": ["x:1", "x:2", "x:3", "x:3"],
        "customer_id": ["c1", "c2", "c3", "c3"], "ordered_at": [T] * 4,
    }))
    s.append("products", pd.DataFrame({"product_id": ["p1"], "name": ["Sữa"]}))
    return s


def _consent(s, cid, status, day):
    s.append("consents", pd.DataFrame({
        "consent_id": [f"{cid}-{day}"], "customer_ref": [f"x:{cid[1:]}"], "customer_id": [cid],
        "purpose": ["analytics"], "status": [status], "recorded_at": [pd.Timestamp(f"2025-01-{day:02d}", tz="UTC")],
    }))


def test_scoped_store_keeps_only_allowed_customers_and_passes_other_tables():
    s = _store()
    _consent(s, "c1", "granted", 1)
    _consent(s, "c2", "granted", 1)
    _consent(s, "c2", "withdrawn", 5)  # withdrawn later: out
    view = scoped_store(s)
    assert isinstance(view, ScopedStore)
    assert sorted(view.table("orders").customer_id.execute()) == ["c1"]
    assert sorted(view.table("customers").customer_id.execute()) == ["c1"]
    assert view.table("products").count().execute() == 1  # no customer_id: untouched
    assert view.kind == "duckdb"  # everything else is the store's
    assert s.table("orders").count().execute() == 4  # the store itself is unchanged


def test_without_any_consent_ledger_everyone_is_in_scope():
    s = _store()
    assert scoped_store(s) is s

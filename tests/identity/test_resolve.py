"""Identity resolution on hand-made records (truth known by construction)."""

from __future__ import annotations

import decimal

import pandas as pd

from centric.identity import customer_id_for, explain, resolve


def _records():
    return pd.DataFrame(
        {
            "customer_ref": ["pos:1", "pos:2", "web:A", "web:B", "web:C", "pos:3"],
            "source": ["pos", "pos", "web", "web", "web", "pos"],
            "external_id": ["1", "2", "A", "B", "C", "3"],
            "display_name": ["Lan", "Minh", "Lan N.", "Minh", "Hoa", "Hoa"],
            "email": ["lan@x.vn", None, "lan@x.vn", None, "hoa@x.vn", None],
            "phone": [None, "+84912345678", None, "+84912345678", None, None],
            "loyalty_id": [None, None, None, None, "TV9", "TV9"],
            "created_at": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-02-01", "2024-03-01", "2024-01-05", "2024-01-03"], utc=True
            ),
        }
    )


def test_resolve_links_by_email_phone_loyalty(backend_store):
    store = backend_store
    store.append_new("customer_records", _records())
    store.append_new(
        "orders",
        pd.DataFrame(
            {
                "order_id": ["o1", "o2", "o3"],
                "customer_ref": ["web:A", "pos:1", "shopee:zz"],
                "ordered_at": ["2024-03-01T00:00:00Z"] * 3,
                "total_amount": [decimal.Decimal("100000")] * 3,
            }
        ),
    )
    report = resolve(store)
    assert report.records == 6
    assert report.merged_records == 3  # 6 records -> 3 people
    assert report.links_by_kind == {"email": 1, "phone": 1, "external": 1}
    assert report.refs_without_record == 1
    assert report.customers == 4  # 3 people + the pseudonymous marketplace buyer

    recs = store.table("customer_records").execute().set_index("customer_ref")["customer_id"]
    assert recs["pos:1"] == recs["web:A"] == customer_id_for("pos:1")
    assert recs["pos:2"] == recs["web:B"]
    assert recs["pos:3"] == recs["web:C"] == customer_id_for("pos:3")
    assert len(set(recs)) == 3

    orders = store.table("orders").execute().set_index("order_id")["customer_id"]
    assert orders["o1"] == orders["o2"] == customer_id_for("pos:1")
    assert orders["o3"] == customer_id_for("shopee:zz")

    why = explain(store, customer_id_for("pos:1"))
    assert why[["ref_a", "ref_b", "kind", "value"]].values.tolist() == [["pos:1", "web:A", "email", "lan@x.vn"]]

    golden = store.table("customers").execute().set_index("customer_id")
    assert golden.loc[customer_id_for("pos:1"), "n_records"] == 2
    assert golden.loc[customer_id_for("pos:1"), "display_name"] == "Lan N."  # newest record wins


def test_resolve_twice_is_stable():
    from centric.store import connect

    store = connect("duckdb://")
    store.append_new("customer_records", _records())
    first = resolve(store)
    ids1 = store.table("customers").execute()["customer_id"].sort_values().tolist()
    second = resolve(store)
    ids2 = store.table("customers").execute()["customer_id"].sort_values().tolist()
    assert ids1 == ids2
    assert first.customers == second.customers == 3


def test_crowded_value_does_not_link():
    from centric.identity import DeterministicMatcher
    from centric.store import connect

    store = connect("duckdb://")
    recs = pd.DataFrame(
        {
            "customer_ref": [f"pos:{i}" for i in range(5)],
            "source": "pos",
            "external_id": [str(i) for i in range(5)],
            "phone": ["+84900000000"] * 5,  # the shop's own hotline typed on every record
        }
    )
    store.append_new("customer_records", recs)
    report = resolve(store, matcher=DeterministicMatcher(max_group=3))
    assert report.customers == 5
    assert report.crowded_values == 1

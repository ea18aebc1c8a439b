"""A small hand-made store shared by the recommend tests (a uniquely named module)."""

from __future__ import annotations

import pandas as pd

T = pd.Timestamp


def fill_toy_store(s):
    """Six customers, five products (P4 unavailable), ten orders (one cancelled), consents, scores."""
    s.append("customers", pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(1, 7)],
        "life_stage": [None, "new_parent", None, None, None, None],
    }))
    s.append("products", pd.DataFrame({
        "product_id": ["P1", "P2", "P3", "P4", "P5"],
        "name": ["Kem dưỡng", "Sữa rửa mặt", "Áo sơ mi", "Váy liền", "Quần jean"],
        "category": ["Skin", "Skin", "Fashion", "Fashion", "Fashion"],
        "price": ["100000", "200000", "300000", "400000", "500000"],
        "attributes": [None, "{}", None, '{"available": false}', '{"status": "active"}'],
    }))
    orders = [  # order, customer, day, status, products
        ("o1", "c1", "2025-01-05", "completed", ["P1"]),
        ("o2", "c1", "2025-02-05", "completed", ["P1"]),
        ("o3", "c1", "2025-03-05", "completed", ["P3"]),
        ("o4", "c2", "2025-01-10", "completed", ["P1"]),
        ("o5", "c2", "2025-02-10", "completed", ["P2"]),
        ("o6", "c2", "2025-03-10", "cancelled", ["P3"]),
        ("o7", "c3", "2025-01-15", "completed", ["P3"]),
        ("o8", "c3", "2025-02-15", "completed", ["P3"]),
        ("o9", "c4", "2025-01-20", "completed", ["P2", "P3"]),
        ("o10", "c5", "2025-01-25", "completed", ["P5"]),
    ]
    s.append("orders", pd.DataFrame({
        "order_id": [o[0] for o in orders], "customer_ref": [o[1] for o in orders],
        "customer_id": [o[1] for o in orders], "ordered_at": [T(o[2], tz="UTC") for o in orders],
        "status": [o[3] for o in orders], "total_amount": ["1"] * len(orders),
    }))
    lines = [(o[0], i + 1, p) for o in orders for i, p in enumerate(o[4])]
    s.append("order_items", pd.DataFrame({
        "order_id": [x[0] for x in lines], "line": [x[1] for x in lines], "product_id": [x[2] for x in lines],
        "quantity": [1] * len(lines), "unit_price": ["1"] * len(lines),
    }))
    s.append("events", pd.DataFrame({
        "event_id": ["e1", "e2", "e3"], "customer_id": ["c4", "c4", "c4"], "name": ["product_view"] * 3,
        "occurred_at": [T("2025-01-19", tz="UTC")] * 3,
        "properties": ['{"product_id": "P1", "price": 1}', '{"product_id":"P1"}', '{"product_id": "P5"}'],
    }))
    consents = [  # customer, purpose, status, day
        ("c1", "personalisation", "granted", "2024-12-01"), ("c2", "personalisation", "granted", "2024-12-01"),
        ("c3", "personalisation", "granted", "2024-12-01"), ("c3", "personalisation", "withdrawn", "2025-04-01"),
        ("c4", "analytics", "granted", "2024-12-01"), ("c1", "marketing_email", "granted", "2024-12-01"),
        ("c2", "marketing_zalo", "granted", "2024-12-01"), ("c5", "surveys", "granted", "2024-12-01"),
    ]
    s.append("consents", pd.DataFrame({
        "consent_id": [f"k{i}" for i in range(len(consents))], "customer_ref": [c[0] for c in consents],
        "customer_id": [c[0] for c in consents], "purpose": [c[1] for c in consents],
        "status": [c[2] for c in consents], "recorded_at": [T(c[3], tz="UTC") for c in consents],
    }))
    s.replace("customer_scores", pd.DataFrame({
        "customer_id": ["c1", "c2", "c3", "c5"], "revenue": [900_000.0, 300_000.0, 100_000.0, 500_000.0],
        "orders": [3, 2, 2, 1], "clv_12m": [2_000_000.0, 1_000_000.0, 50_000.0, 10_000.0],
        "churn_risk": [0.6, 0.1, 0.9, 0.5],
    }))
    return s

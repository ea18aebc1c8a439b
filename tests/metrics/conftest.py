"""Hand-made tables for the metric tests; every expected number is worked out by hand in the tests."""

from __future__ import annotations

import decimal

import pandas as pd
import pytest

from centric.store import connect

D = decimal.Decimal


@pytest.fixture
def duck():
    """A fresh in-memory DuckDB store (for tests that need no backend matrix)."""
    store = connect("duckdb://")
    yield store
    store.close()


def feedback_rows(
    instrument: str,
    scores,
    *,
    version=None,
    touchpoint=None,
    at="2024-01-15T10:00:00+07:00",
    prefix=None,
    customers=None,
    survey_id=None,
) -> pd.DataFrame:
    """Feedback rows, one per score."""
    n = len(scores)
    prefix = prefix or instrument
    return pd.DataFrame(
        {
            "response_id": [f"{prefix}-{i}" for i in range(n)],
            "instrument": instrument,
            "instrument_version": version,
            "score": [None if s is None else float(s) for s in scores],
            "touchpoint": touchpoint if isinstance(touchpoint, list) else [touchpoint] * n,
            "submitted_at": at if isinstance(at, list) else [at] * n,
            "customer_id": customers if customers is not None else [None] * n,
            "survey_id": survey_id,
        }
    )


@pytest.fixture(name="feedback_rows")
def feedback_rows_fixture():
    """The :func:`feedback_rows` factory."""
    return feedback_rows


@pytest.fixture
def orders_df() -> pd.DataFrame:
    """Five customers, Jan–Apr 2024 (local time Asia/Ho_Chi_Minh).

    A: Jan 10 (100), Feb 10 (50), Mar 10 (20)
    B: Jan 20 (200), Mar 20 (100)
    C: 2024-01-31T18:00Z = Feb 1 01:00 local (30), Feb 15 (70), Apr 15 (50)
    D: Mar 25 (40)
    E: Jan 5 (100), Feb 5 (999, cancelled)
    """
    rows = [
        ("a1", "A", "2024-01-10T10:00:00+07:00", "100", "completed"),
        ("a2", "A", "2024-02-10T10:00:00+07:00", "50", "completed"),
        ("a3", "A", "2024-03-10T10:00:00+07:00", "20", "completed"),
        ("b1", "B", "2024-01-20T10:00:00+07:00", "200", "completed"),
        ("b2", "B", "2024-03-20T10:00:00+07:00", "100", None),
        ("c1", "C", "2024-01-31T18:00:00+00:00", "30", "completed"),
        ("c2", "C", "2024-02-15T10:00:00+07:00", "70", "completed"),
        ("c3", "C", "2024-04-15T10:00:00+07:00", "50", "completed"),
        ("d1", "D", "2024-03-25T10:00:00+07:00", "40", "completed"),
        ("e1", "E", "2024-01-05T10:00:00+07:00", "100", "completed"),
        ("e2", "E", "2024-02-05T10:00:00+07:00", "999", "cancelled"),
    ]
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "total_amount", "status"])
    df["customer_ref"] = "pos:" + df["customer_id"]
    df["total_amount"] = df["total_amount"].map(D)
    return df


@pytest.fixture
def products_df() -> pd.DataFrame:
    """P1 cost 30, P2 cost 10; P3 (no cost) is added by :func:`add_products`."""
    return pd.DataFrame({"product_id": ["P1", "P2"], "cost": [D("30"), D("10")]})


def add_products(store, products_df: pd.DataFrame) -> None:
    """Store the products, plus P3 whose cost is unknown.

    P3 goes in a separate append: a decimal column mixing values and None makes
    ibis's pandas-to-Arrow conversion fail (``Series.map(Decimal)`` on None) in
    ``Store.append``/``append_new`` — a store issue, reported to the lead.
    """
    store.append("products", products_df)
    store.append("products", pd.DataFrame({"product_id": ["P3"]}))


@pytest.fixture(name="add_products")
def add_products_fixture():
    return add_products


@pytest.fixture
def items_df() -> pd.DataFrame:
    """Margins: A = 2·(50−30) + 5·(10−10) = 40 (+1 line without cost); B = 10·(20−10) = 100;
    C = 1·(30−30) = 0; D and E: no lines of counted orders (E's lines are on a cancelled order)."""
    rows = [
        ("a1", 1, "P1", 2, "50"),
        ("a2", 1, "P2", 5, "10"),
        ("a2", 2, "P3", 1, "20"),
        ("b1", 1, "P2", 10, "20"),
        ("c1", 1, "P1", 1, "30"),
        ("e2", 1, "P1", 10, "100"),
    ]
    df = pd.DataFrame(rows, columns=["order_id", "line", "product_id", "quantity", "unit_price"])
    df["unit_price"] = df["unit_price"].map(D)
    return df


@pytest.fixture
def events_df() -> pd.DataFrame:
    """as_of = 2024-05-01 00:00 local = 2024-04-30T17:00Z; half-life 90 days.

    X: purchase exactly 90 days before (10 · ½ = 5) + page_view at as_of (1) → raw 6
    Y: page_view 180 days before (¼) + unknown 'foo' at as_of (1) → raw 1.25
    Z: add_to_cart at as_of (4); a purchase after as_of is ignored → raw 4
    one anonymous event (no customer) is ignored.
    """
    rows = [
        ("e1", "X", "2024-01-31T17:00:00+00:00", "purchase"),
        ("e2", "X", "2024-04-30T17:00:00+00:00", "page_view"),
        ("e3", "Y", "2023-11-02T17:00:00+00:00", "page_view"),
        ("e4", "Y", "2024-04-30T17:00:00+00:00", "foo"),
        ("e5", "Z", "2024-04-30T17:00:00+00:00", "add_to_cart"),
        ("e6", "Z", "2024-05-01T17:00:00+00:00", "purchase"),
        ("e7", None, "2024-04-30T10:00:00+00:00", "purchase"),
    ]
    return pd.DataFrame(rows, columns=["event_id", "customer_id", "occurred_at", "name"])

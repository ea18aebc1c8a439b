"""Store: canonical tables, idempotent appends, schema version guard."""

from __future__ import annotations

import decimal

import pandas as pd
import pytest

from centric.exceptions import ConfigError, SchemaVersionError, UnknownTableError
from centric.schema import SCHEMA_VERSION, TABLES
from centric.store import connect


def _orders(ids):
    return pd.DataFrame(
        {
            "order_id": ids,
            "customer_ref": ["pos:1"] * len(ids),
            "ordered_at": ["2024-01-01T10:00:00+07:00"] * len(ids),
            "total_amount": [decimal.Decimal("1234568.00")] * len(ids),
        }
    )


def test_every_canonical_table_exists(backend_store):
    tables = set(backend_store.con.list_tables())
    assert set(TABLES) <= tables
    assert backend_store.schema_version == SCHEMA_VERSION


def test_append_new_is_idempotent(backend_store):
    assert backend_store.append_new("orders", _orders(["a", "b"])) == (2, 0)
    assert backend_store.append_new("orders", _orders(["a", "b", "c"])) == (1, 2)
    df = backend_store.table("orders").order_by("order_id").execute()
    assert list(df["order_id"]) == ["a", "b", "c"]
    # money is exact; 10:00 in Ho Chi Minh is 03:00 UTC
    assert decimal.Decimal(str(df["total_amount"].iloc[0])) == decimal.Decimal("1234568.00")
    assert pd.Timestamp(df["ordered_at"].iloc[0]).hour == 3


def test_duckdb_file_persists(tmp_path):
    url = f"duckdb://{tmp_path}/ws/centric.duckdb"
    with connect(url) as store:
        store.append_new("orders", _orders(["x"]))
    with connect(url) as store:
        assert store.count("orders") == 1


def test_newer_schema_is_refused(tmp_path):
    url = f"duckdb://{tmp_path}/centric.duckdb"
    with connect(url) as store:
        store.con.raw_sql("UPDATE _centric_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="schema version 99"):
        connect(url)


def test_unknown_table_and_url():
    store = connect("duckdb://")
    with pytest.raises(UnknownTableError, match="Unknown table 'ordrs'"):
        store.table("ordrs")
    with pytest.raises(ConfigError, match="not supported"):
        connect("postgres://x")

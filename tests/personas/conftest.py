"""Fixtures of the persona tests: a demo world at SF 0.05, imported and resolved (no full analysis)."""

from __future__ import annotations

import pandas as pd
import pytest

from centric.demo import generate
from centric.identity import resolve
from centric.ingest import import_paths
from centric.store import connect

AS_OF = pd.Timestamp("2026-01-01", tz="Asia/Ho_Chi_Minh").tz_convert("UTC")


def truth_segments(store, truth_dir) -> pd.Series:
    """The generating segment of each resolved customer (the most common one among its records)."""
    records = pd.read_parquet(truth_dir / "records.parquet", columns=["customer_ref", "person_id"])
    persons = pd.read_parquet(truth_dir / "persons.parquet", columns=["person_id", "segment"])
    refs = pd.concat(
        [
            store.table("customer_records").select("customer_ref", "customer_id").execute(),
            store.table("orders").select("customer_ref", "customer_id").distinct().execute(),
        ]
    ).drop_duplicates()
    m = refs.merge(records, on="customer_ref").merge(persons, on="person_id")
    return m.groupby("customer_id")["segment"].agg(lambda s: s.mode().iloc[0])


@pytest.fixture(scope="session")
def persona_ws(tmp_path_factory):
    """(workspace, store, truth_dir): SF 0.05 demo exports imported into ws/centric.duckdb, identities resolved."""
    root = tmp_path_factory.mktemp("personas")
    world = generate(root / "demo", scale=0.05, seed=42)
    ws = root / "ws"
    ws.mkdir()
    store = connect(f"duckdb://{ws}/centric.duckdb")
    import_paths(store, [world.exports_dir])
    resolve(store)
    yield ws, store, world.truth_dir
    store.close()

"""Fixtures of the journeys tests: a hand-made event log and a small demo store."""

from __future__ import annotations

import pytest
from journeys_helpers import hand_events


@pytest.fixture
def hand_store():
    """The hand fixture in an in-memory DuckDB store (Spark: see test_backends_agree)."""
    from centric.store import connect

    store = connect("duckdb://")
    store.append("events", hand_events())
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A demo at SF 0.03 (seed 11): generated, imported and resolved into a DuckDB file."""
    from centric.demo import generate
    from centric.identity import resolve
    from centric.ingest import import_paths
    from centric.store import connect

    root = tmp_path_factory.mktemp("journeys")
    world = generate(root / "demo", scale=0.03, seed=11)
    ws = root / "ws"
    ws.mkdir()
    store = connect(f"duckdb://{ws}/centric.duckdb")
    import_paths(store, [world.exports_dir])
    resolve(store)
    yield store, world, ws
    store.close()

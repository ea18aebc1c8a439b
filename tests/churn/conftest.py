"""Churn fixtures: one demo store (SF 0.1, generated, imported, resolved) and one churn run, per session."""

from __future__ import annotations

import pandas as pd
import pytest

SCALE = 0.1  # ≈10k customers; the whole churn suite runs in about 40 s on 2 cores
SEED = 42


@pytest.fixture(scope="session")
def churn_store(tmp_path_factory):
    """The demo retailer at SF 0.1 (≈10k customers), imported and resolved into a DuckDB file."""
    from centric.demo import generate
    from centric.identity import resolve
    from centric.ingest import import_paths
    from centric.store import connect

    root = tmp_path_factory.mktemp("churn")
    generate(root / "w", scale=SCALE, seed=SEED)
    store = connect(f"duckdb://{root / 'centric.duckdb'}")
    import_paths(store, [root / "w" / "exports"])
    resolve(store)
    store.con.raw_sql("CHECKPOINT")
    yield store
    store.close()


@pytest.fixture(scope="session")
def as_of(churn_store):
    ts = pd.Timestamp(churn_store.table("orders").ordered_at.max().execute())
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@pytest.fixture(scope="session")
def churn_run(churn_store, as_of):
    """The churn step run once: backtest at as_of − 180 d / − 90 d, refit, score."""
    from centric.churn import churn_step
    from centric.pipeline import Results

    results = Results(run_id="test-run", summary={"headline": {}, "warnings": []}, frames={})
    churn_step(churn_store, results, as_of)
    return results

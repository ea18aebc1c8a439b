"""The whole main job on local Spark gives the same headline numbers as on DuckDB."""

from __future__ import annotations

import json
import math

import pytest

from centric.ingest import import_paths
from centric.pipeline import analyze

pytestmark = pytest.mark.spark


def test_spark_pipeline_matches_duckdb(demo_ws, spark_session):
    ws, _ = demo_ws
    duck = json.loads((ws / "report" / "summary.json").read_text("utf-8"))
    from centric.store import connect

    spark_session.sql("CREATE DATABASE IF NOT EXISTS parity")
    spark_session.catalog.setCurrentDatabase("parity")
    try:
        store = connect(spark_session)
        reports = import_paths(store, [ws / "exports"])
        assert sum(r.rows_stored for r in reports) == sum(r["rows_stored"] for r in duck["imports"])
        res = analyze(store)
    finally:
        spark_session.sql("DROP DATABASE IF EXISTS parity CASCADE")
        spark_session.catalog.setCurrentDatabase("default")
    assert res.summary["identity"]["customers"] == duck["identity"]["customers"]
    assert set(res.headline) == set(duck["headline"])
    for key, m in res.headline.items():
        d = duck["headline"][key]
        assert m["n"] == d["n"], key
        for field in ("value", "low", "high"):
            if d[field] is None:
                assert m[field] is None, (key, field)
            else:
                assert math.isclose(m[field], d[field], rel_tol=1e-6, abs_tol=1e-9), (key, field, m[field], d[field])

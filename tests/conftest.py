"""Shared fixtures: the backend matrix (DuckDB and local Spark)."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark session for the whole test run (startup costs 5-10 s)."""
    pytest.importorskip("pyspark")
    from centric.store._store import _spark_session

    spark = _spark_session(tempfile.mkdtemp(prefix="centric-test-wh-"))
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend_store(request):
    """A fresh, empty store on each backend (Spark shares one session, fresh database)."""
    from centric.store import connect

    if request.param == "duckdb":
        store = connect("duckdb://")
        yield store
        store.close()
        return
    spark = request.getfixturevalue("spark_session")
    db = f"t{abs(hash(request.node.nodeid)) % 10**10}"
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {db}")
    spark.catalog.setCurrentDatabase(db)
    store = connect(spark)
    yield store
    spark.sql(f"DROP DATABASE IF EXISTS {db} CASCADE")
    spark.catalog.setCurrentDatabase("default")


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory):
    """A demo workspace at SF 0.01 built once through the CLI (generate → import → analyze → report)."""
    from typer.testing import CliRunner

    from centric.cli import app

    ws = tmp_path_factory.mktemp("demo") / "ws"
    result = CliRunner().invoke(
        app, ["demo", "--scale", "0.01", "--seed", "7", "--workspace", str(ws), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    return ws, result.output

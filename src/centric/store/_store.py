"""The Store: canonical tables over an Ibis backend (DuckDB file or Spark)."""

from __future__ import annotations

import datetime as _dt
import decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa

from centric.exceptions import ConfigError, SchemaVersionError, StoreError
from centric.schema import SCHEMA_VERSION, TABLES, ibis_schema, table_spec

__all__ = ["Store", "connect"]

META = "_centric_meta"


class Store:
    """Canonical tables in one Ibis backend.

    Use :func:`connect` to open one. The same methods work on DuckDB and on
    Spark; set-based work is done with Ibis expressions on ``store.table(...)``.

    Examples
    --------
    >>> from centric.store import connect
    >>> store = connect("duckdb://")          # in memory
    >>> store.table("orders").count().execute()
    0
    """

    def __init__(self, con: Any, *, kind: str, url: str) -> None:
        self.con = con
        self.kind = kind
        self.url = url
        self._ensure_schema()

    # -- schema ---------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        existing = set(self.con.list_tables())
        if META in existing:
            meta = self.con.table(META).execute()
            version = int(meta.loc[meta["key"] == "schema_version", "value"].iloc[0])
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"The store at {self.url!r} was written with schema version {version}, "
                    f"but this Centric understands versions up to {SCHEMA_VERSION}. "
                    "Upgrade Centric (pip install -U centric) to open it."
                )
        else:
            self.con.create_table(
                META,
                pd.DataFrame({"key": ["schema_version"], "value": [str(SCHEMA_VERSION)]}),
            )
        for name in TABLES:
            if name not in existing:
                self.con.create_table(name, schema=ibis_schema(name))

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        meta = self.con.table(META).execute()
        return int(meta.loc[meta["key"] == "schema_version", "value"].iloc[0])

    # -- reading --------------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        """The Ibis table ``name`` (canonical or derived)."""
        if name in TABLES:
            return self.con.table(name)
        if name in self.con.list_tables():
            return self.con.table(name)
        table_spec(name)  # raises UnknownTableError with the list of tables
        raise AssertionError  # pragma: no cover

    def has_table(self, name: str) -> bool:
        """Whether a table called ``name`` exists."""
        return name in self.con.list_tables()

    def count(self, name: str) -> int:
        """Number of rows in table ``name``."""
        return int(self.table(name).count().execute())

    def to_pandas(self, expr: ibis.Table) -> pd.DataFrame:
        """Execute an expression and return pandas (only for small, aggregated results)."""
        return expr.execute()

    # -- writing --------------------------------------------------------------------
    def conform(self, name: str, df: pd.DataFrame) -> ibis.Table:
        """Cast a pandas frame to canonical table ``name`` (missing columns become NULL)."""
        schema = ibis_schema(name)
        # decimals travel as exact strings and are cast in the backend (ibis' Spark memtable
        # cannot take a decimal column with NULLs)
        carrier = ibis.schema({c: (dt.string if t.is_decimal() else t) for c, t in schema.items()})
        target = carrier.to_pyarrow()
        arrays = [
            _arrow_column(df[col] if col in df.columns else None, col, typ, target.field(col).type, len(df))
            for col, typ in schema.items()
        ]
        mem = ibis.memtable(pa.Table.from_arrays(arrays, schema=target))
        return mem.select(**{c: (mem[c].cast(t) if t.is_decimal() else mem[c]) for c, t in schema.items()})

    def append(self, name: str, df: pd.DataFrame | ibis.Table) -> int:
        """Append rows to table ``name``; returns the number appended."""
        expr = self.conform(name, df) if isinstance(df, pd.DataFrame) else df
        n = int(expr.count().execute()) if not isinstance(df, pd.DataFrame) else len(df)
        if n:
            self.con.insert(name, expr)
        return n

    def append_new(self, name: str, df: pd.DataFrame) -> tuple[int, int]:
        """Append the rows whose key is not stored yet.

        Returns ``(appended, already_present)``. This is what makes imports
        idempotent: the same rows twice change nothing.
        """
        spec = table_spec(name)
        if df.empty:
            return 0, 0
        new = self.conform(name, df)
        key = list(spec.key)
        current = self.table(name).select(*key)
        fresh = new.anti_join(current, key)
        before = self.count(name)
        try:
            self.con.insert(name, fresh)
        finally:
            self._release(new)
        appended = self.count(name) - before
        return appended, len(df) - appended

    def _release(self, expr: ibis.Table) -> None:
        """Drop the in-memory tables behind ``expr`` (ibis keeps them registered until exit)."""
        if self.kind != "duckdb":
            return
        import ibis.expr.operations as ops

        for op in expr.op().find(ops.InMemoryTable):
            try:
                self.con.con.unregister(op.name)
                self.con._memtables.discard(op)
            except Exception:  # pragma: no cover - private ibis API; keeping it registered is harmless
                pass

    def replace(self, name: str, data: pd.DataFrame | ibis.Table) -> int:
        """Overwrite table ``name`` with ``data`` (used for derived tables)."""
        if name in TABLES:
            expr = self.conform(name, data) if isinstance(data, pd.DataFrame) else data
            frame = expr.execute()
            self._drop(name)
            self.con.create_table(name, schema=ibis_schema(name))
            if len(frame):
                self.con.insert(name, self.conform(name, frame))
            return len(frame)
        frame = data if isinstance(data, pd.DataFrame) else data.execute()
        self._drop(name)
        self.con.create_table(name, _coerce_us(frame))
        return len(frame)

    def rewrite(self, name: str, expr: ibis.Table, *, cluster_by: tuple[str, ...] = ()) -> int:
        """Replace canonical table ``name`` by ``expr`` computed inside the backend.

        The new content is written to a side table first, then swapped in, so
        large tables (events at scale) never pass through Python. ``cluster_by``:
        on DuckDB, store the rows in this order, so that a lookup of one value
        (one customer's events for the customer 360) reads a few row groups
        instead of the whole table (DuckDB skips row groups by their min/max);
        other backends ignore it.
        """
        schema = ibis_schema(name)
        expr = expr.select(**{c: expr[c].cast(schema[c]) for c in schema.names})
        if cluster_by and self.kind == "duckdb":
            expr = expr.order_by(list(cluster_by))
        tmp = f"_{name}_rewrite"
        self._drop(tmp)
        self.con.create_table(tmp, expr)
        self._drop(name)
        self.con.raw_sql(f"ALTER TABLE {tmp} RENAME TO {name}")
        return self.count(name)

    def _drop(self, name: str) -> None:
        if name in self.con.list_tables():
            self.con.drop_table(name, force=True)

    def close(self) -> None:
        """Release the connection (Spark sessions are left to their owner)."""
        if self.kind == "duckdb":
            try:
                self.con.disconnect()
            except Exception:
                pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store(kind={self.kind!r}, url={self.url!r})"


def _coerce_us(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype("datetime64[us, UTC]") if getattr(out[c].dt, "tz", None) else out[c].astype("datetime64[us]")
    return out


def _arrow_column(s: pd.Series | None, col: str, typ: dt.DataType, target: pa.DataType, n: int) -> pa.Array:
    """One column as the Arrow carrier type: vectorised for the usual dtypes, else value by value."""
    if s is None:
        return pa.nulls(n, target)
    try:
        if isinstance(s.dtype, pd.ArrowDtype):
            return pa.array(s.array).cast(target)
        if typ.is_timestamp() and isinstance(s.dtype, pd.DatetimeTZDtype):
            return pa.Array.from_pandas(s.dt.tz_convert("UTC")).cast(target, safe=False)
        if (typ.is_string() and s.dtype == object) or (typ.is_integer() and s.dtype.kind in "iu"):
            return pa.array(s.to_numpy(), type=target, from_pandas=True)
        if typ.is_floating() and s.dtype.kind == "f":
            return pa.array(s.to_numpy(), type=target, from_pandas=True)
        if typ.is_decimal() and s.dtype == object:
            # exact text of each Decimal (anything else makes pa.array raise: the slow path below)
            dec = decimal.Decimal
            return pa.array([None if v is None else str(v) if type(v) is dec else v for v in s.to_numpy()],
                            type=target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    frame = _to_arrow_friendly(pd.DataFrame({col: s.reset_index(drop=True)}), ibis.schema({col: typ}))
    return pa.Array.from_pandas(frame[col], type=target)


def _to_arrow_friendly(frame: pd.DataFrame, schema: ibis.Schema) -> pd.DataFrame:
    """Make object columns unambiguous before handing them to a memtable."""
    out = frame.copy()
    for col, typ in schema.items():
        s = out[col]
        if typ.is_timestamp():
            out[col] = pd.to_datetime(s, utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        elif typ.is_string():
            out[col] = s.astype("object").where(s.notna(), None)
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        elif typ.is_integer():
            out[col] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif typ.is_floating():
            out[col] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif typ.is_decimal():
            out[col] = [
                None if v is None or (isinstance(v, float) and v != v) or v is pd.NA
                else str(v if isinstance(v, decimal.Decimal) else decimal.Decimal(str(v)))
                for v in s.astype("object")
            ]
    return out


def _spark_session(warehouse: str | None) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        from centric.exceptions import BackendNotInstalledError

        raise BackendNotInstalledError(
            "Backend 'spark' requires pyspark, which is not installed. "
            "Install with: pip install 'centric[spark]'"
        ) from exc
    import os
    import sys
    import tempfile

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers must be this interpreter (the one with pandas/pyarrow), not whatever python3 is on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    wh = warehouse or tempfile.mkdtemp(prefix="centric-spark-")
    return (
        SparkSession.builder.master("local[2]")
        .appName("centric")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", wh)
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def connect(url: str | Any | None = None) -> Store:
    """Open (or create) a store.

    Parameters
    ----------
    url
        ``"duckdb:///path/centric.duckdb"`` (the default kind; ``"duckdb://"`` is
        in memory), ``"spark://local"`` (local Spark; ``?warehouse=DIR`` keeps
        tables between sessions) or a ``SparkSession`` handed in.

    Examples
    --------
    >>> store = connect("duckdb://")
    >>> store.kind
    'duckdb'
    """
    if url is None:
        url = "duckdb://"
    if not isinstance(url, str):
        # a SparkSession handed in
        if type(url).__name__ == "SparkSession":
            return Store(ibis.pyspark.connect(url), kind="spark", url="spark://session")
        raise ConfigError(f"connect() takes a URL string or a SparkSession; got {type(url).__name__}.")
    if url.startswith("duckdb://"):
        path = url[len("duckdb://") :]
        if path in ("", ":memory:"):
            con = ibis.duckdb.connect()
            con.raw_sql("SET TimeZone = 'UTC'")
            con.raw_sql("SET enable_progress_bar = false")
            return Store(con, kind="duckdb", url=url)
        file = Path(path)  # duckdb:///abs/path.duckdb or duckdb://relative.duckdb
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            con = ibis.duckdb.connect(str(file))
        except Exception as exc:
            raise StoreError(f"Cannot open the DuckDB store at {str(file)!r}: {exc}") from exc
        con.raw_sql("SET TimeZone = 'UTC'")
        con.raw_sql("SET enable_progress_bar = false")
        return Store(con, kind="duckdb", url=url)
    if url.startswith("spark://"):
        rest = url[len("spark://") :]
        host, _, query = rest.partition("?")
        if host not in ("local", ""):
            raise ConfigError(
                f"Spark URL {url!r} is not supported: use 'spark://local' or hand in a SparkSession."
            )
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        spark = _spark_session(params.get("warehouse"))
        return Store(ibis.pyspark.connect(spark), kind="spark", url=url)
    raise ConfigError(
        f"Store URL {url!r} is not supported. Use 'duckdb:///path/centric.duckdb' or 'spark://local'."
    )


def utcnow() -> _dt.datetime:
    """Now, as an aware UTC datetime."""
    return _dt.datetime.now(_dt.UTC)


_ = dt  # re-exported type module kept for callers building schemas

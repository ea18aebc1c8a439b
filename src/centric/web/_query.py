"""Run the pages' Ibis expressions fast: compile once, then execute with bound parameters on DuckDB.

Compiling an Ibis expression to SQL costs 10–60 ms on the 2-core box, more than running it on
the store, and a page runs several. :func:`run` builds the expression once per ``key`` with
placeholder strings for the ``params``, keeps the SQL with ``$name`` parameters and executes it
on the DuckDB connection with the values bound (never spliced into the SQL). On any other
backend (Spark) it builds the expression with the values and executes it through Ibis, so
the same expression is the single definition of the query everywhere.

The key must capture the expression's *shape* (which filters, page, limit); ``params`` only
carry string values. The cache is dropped when the store's tables change shape
(:func:`forget`, called when a new analysis is loaded).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import ibis
import pandas as pd

__all__ = ["forget", "records", "run", "table_names"]

_SQL: dict[tuple[int, Hashable], str] = {}
_TABLES: dict[int, tuple[float, frozenset[str]]] = {}
_LOCK = threading.Lock()
TABLES_TTL_S = 5.0
MAX_QUERIES = 1000


def _placeholder(name: str) -> str:
    return f"__centric_param_{name}__"


def run(store: Any, key: Hashable, build: Callable[[dict[str, str]], ibis.Expr],
        params: dict[str, str] | None = None) -> pd.DataFrame:
    """Execute ``build(params)`` (an Ibis table expression) and return pandas."""
    params = dict(params or {})
    if getattr(store, "kind", "") != "duckdb":
        return build(params).execute()  # type: ignore[no-any-return]
    return _cursor(store, key, build, params).df()


def records(store: Any, key: Hashable, build: Callable[[dict[str, str]], ibis.Expr],
            params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Like :func:`run`, as a list of dicts (NULL is ``None``); cheaper than pandas for a few rows."""
    params = dict(params or {})
    if getattr(store, "kind", "") != "duckdb":
        df = build(params).execute()
        return [{k: (None if _isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]
    cur = _cursor(store, key, build, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _cursor(store: Any, key: Hashable, build: Callable[[dict[str, str]], ibis.Expr], params: dict[str, str]) -> Any:
    ck = (id(store), key)
    with _LOCK:
        sql = _SQL.get(ck)
    if sql is None:
        expr = build({k: _placeholder(k) for k in params})
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        for k in params:
            quoted = f"'{_placeholder(k)}'"
            if quoted not in sql:  # the expression transformed the value: inline it (escaped), do not cache
                return store.con.con.execute(str(ibis.to_sql(build(params), dialect="duckdb")))
            sql = sql.replace(quoted, f"${k}")
        with _LOCK:
            if len(_SQL) >= MAX_QUERIES:  # keys carry dates and pages: keep the cache bounded
                _SQL.clear()
            _SQL[ck] = sql
    return store.con.con.execute(sql, params)


def table_names(store: Any) -> frozenset[str]:
    """The store's table names, remembered for a few seconds (listing them is a query)."""
    import time

    now = time.monotonic()
    with _LOCK:
        hit = _TABLES.get(id(store))
        if hit and hit[0] > now:
            return hit[1]
    names = frozenset(store.con.list_tables())
    with _LOCK:
        _TABLES[id(store)] = (now + TABLES_TTL_S, names)
    return names


def forget() -> None:
    """Drop every cached query and table list (tables were rewritten with other columns)."""
    with _LOCK:
        _SQL.clear()
        _TABLES.clear()

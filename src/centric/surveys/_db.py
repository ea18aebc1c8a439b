"""Small row-level store operations the survey answers need (update one row, find a customer's ref)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import pandas as pd

from centric.schema import TABLES

__all__ = ["atomic", "customer_ref_for", "existing", "insert_rows", "update_row"]


@contextmanager
def atomic(store: Any) -> Iterator[None]:
    """One transaction on DuckDB (all of the block's writes or none); a plain block elsewhere."""
    if store.kind != "duckdb":
        yield
        return
    con = store.con.con
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def existing(store: Any, table: str, key: str, values: list[str]) -> set[str]:
    """The ``values`` of column ``key`` that are already in ``table``."""
    if not values:
        return set()
    if store.kind == "duckdb":
        marks = ", ".join("?" for _ in values)
        rows = store.con.con.execute(f'SELECT "{key}" FROM "{table}" WHERE "{key}" IN ({marks})', values).fetchall()
        return {r[0] for r in rows}
    t = store.table(table)
    return set(t.filter(t[key].isin(values)).select(key).execute()[key])


def insert_rows(store: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts; missing columns are NULL) into canonical ``table``.

    The caller has checked the keys are new. DuckDB takes one parameterised ``INSERT`` (milliseconds,
    where a memtable round trip costs a few hundred); other backends go through ``store.append``.
    """
    if not rows:
        return
    if store.kind != "duckdb":
        store.append(table, pd.DataFrame(rows))
        return
    cols = TABLES[table].names
    names = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join("?" for _ in cols)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    store.con.con.executemany(sql, [[_param(r.get(c)) for c in cols] for r in rows])


def _param(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def update_row(store: Any, table: str, key: str, value: str, values: dict[str, Any]) -> None:
    """Set ``values`` on the row(s) of ``table`` whose ``key`` is ``value``.

    On DuckDB this is one parameterised ``UPDATE`` (committed when it returns); on other backends the
    table is rewritten in the backend with the new values on the matching row.
    """
    if not values:
        return
    if store.kind == "duckdb":
        sets = ", ".join(f'"{c}" = ?' for c in values)
        store.con.con.execute(f'UPDATE "{table}" SET {sets} WHERE "{key}" = ?', [*values.values(), value])
        return
    t = store.table(table)
    match = t[key] == value
    store.rewrite(
        table,
        t.mutate(**{c: ibis.ifelse(match, ibis.literal(v, type=t[c].type()), t[c]) for c, v in values.items()}),
    )


def customer_ref_for(store: Any, customer_id: str) -> str | None:
    """A source key (``customer_ref``) of ``customer_id``, so that re-running identity keeps the link.

    Identity resolution stamps ``customer_id`` on fact rows from their ``customer_ref``; a web answer
    therefore carries one of the customer's refs (the smallest in ``customer_records``, else one
    seen on an order, answer or consent). ``None`` when the customer has no ref at all.
    """
    for name in ("customer_records", "orders", "feedback", "consents"):
        if store.kind == "duckdb":
            row = store.con.con.execute(
                f'SELECT min(customer_ref) FROM "{name}" WHERE customer_id = ? AND customer_ref IS NOT NULL',
                [customer_id],
            ).fetchone()
            ref = row[0] if row else None
        else:
            t = store.table(name)
            got = (
                t.filter((t.customer_id == customer_id) & t.customer_ref.notnull())
                .aggregate(ref=t.customer_ref.min())
                .execute()
            )
            ref = got["ref"].iloc[0] if len(got) else None
        if isinstance(ref, str):
            return ref
    return None

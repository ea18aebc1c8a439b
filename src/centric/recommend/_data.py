"""What the recommenders learn from, computed in the backend (DuckDB or Spark) with Ibis.

* :func:`interactions`: one row per (customer, product): ``orders`` (completed orders with the
  product), ``views`` (``product_view`` events), ``weight = orders + view_weight · views`` and
  ``last_at``; optionally inside a time window and for a set of customers.
* :func:`repeat_categories`: categories people re-buy. For each category, among the customers who
  bought a product of it, the share who bought **the same product** on two or more different
  orders; a category is *repeat-purchase* when that share is at least ``threshold`` (default
  0.15) and at least ``min_customers`` customers bought in it.
* :func:`available_products`: products that may be recommended. A product is unavailable when its
  ``attributes`` JSON says ``"available": false`` or ``"status"`` is ``"discontinued"`` or
  ``"out_of_stock"``; products without such keys are available.
* :func:`shared_purchases`: a ``with`` block in which both of the above, for the given end dates,
  read one materialised table of per-(customer, product) order counts instead of joining orders
  and order items again (the recommend step evaluates at the cut and serves at as_of).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from centric.exceptions import InvalidParameterError

__all__ = ["available_products", "interactions", "product_info", "purchases", "repeat_categories", "shared_purchases"]

_PID = r'"product_id"\s*:\s*"([^"]+)"'


def purchases(store: Any, *, start: Any = None, end: Any = None) -> ibis.Table:
    """Completed order lines: ``customer_id, order_id, product_id, ordered_at``."""
    o = store.table("orders")
    o = o.filter((o.status == "completed") | o.status.isnull(), o.customer_id.notnull())
    if start is not None:
        o = o.filter(o.ordered_at >= pd.Timestamp(start).to_pydatetime())
    if end is not None:
        o = o.filter(o.ordered_at < pd.Timestamp(end).to_pydatetime())
    i = store.table("order_items")
    o = o.select("order_id", "customer_id", "ordered_at")
    j = o.join(i.select("order_id", "product_id"), "order_id")
    return j.select("customer_id", "order_id", "product_id", "ordered_at")


@dataclass(frozen=True)
class _Shared:
    store: Any
    ends: tuple[pd.Timestamp, ...]
    pairs: ibis.Table  # customer_id, product_id, n<i> (distinct orders before ends[i]), last<i>


_SHARED: ContextVar[_Shared | None] = ContextVar("centric_recommend_shared_purchases", default=None)


@contextmanager
def shared_purchases(store: Any, *, ends: Iterable[Any]) -> Iterator[None]:
    """Within the block, :func:`interactions` and :func:`repeat_categories` on ``store`` with ``start=None``
    and an ``end`` in ``ends`` read one table computed once in the backend (cached by Ibis, dropped on exit).

    The table has one row per (customer, product) bought before the latest end, with the number of
    distinct completed orders and the last order time before each end: the same numbers those
    functions compute on their own, so the results are identical; other calls are unaffected.
    """
    stamps = tuple(pd.Timestamp(e) for e in ends)
    p = purchases(store, end=max(stamps))
    po = p.group_by("customer_id", "product_id", "order_id").aggregate(at=p.ordered_at.max())
    aggs: dict[str, Any] = {}
    for i, e in enumerate(stamps):
        early = po.at < e.to_pydatetime()
        aggs[f"n{i}"] = po.order_id.count(where=early).cast("int64")
        aggs[f"last{i}"] = po.at.max(where=early)
    pairs = po.group_by("customer_id", "product_id").aggregate(**aggs).cache()
    token = _SHARED.set(_Shared(store, stamps, pairs))
    try:
        yield
    finally:
        _SHARED.reset(token)
        pairs.release()


def _shared_pairs(store: Any, start: Any, end: Any) -> tuple[ibis.Table, int] | None:
    """The shared table and the index of ``end`` in it, when this call may use it."""
    sh = _SHARED.get()
    if sh is None or sh.store is not store or start is not None or end is None:
        return None
    e = pd.Timestamp(end)
    for i, x in enumerate(sh.ends):
        if (e.tzinfo is None) == (x.tzinfo is None) and e == x:
            return sh.pairs.filter(sh.pairs[f"n{i}"] > 0), i
    return None


def _orders_per_pair(store: Any, start: Any, end: Any, customers: ibis.Table | None) -> ibis.Table:
    """customer_id, product_id, orders (distinct completed orders), views (0), last_at."""
    shared = _shared_pairs(store, start, end)
    if shared is not None:
        t, i = shared
        agg = t.select(
            "customer_id", "product_id", orders=t[f"n{i}"], views=ibis.literal(0, "int64"), last_at=t[f"last{i}"]
        )
        return agg if customers is None else agg.semi_join(customers.select("customer_id"), "customer_id")
    p = purchases(store, start=start, end=end)
    if customers is not None:  # filter before aggregating (the same rows, less work)
        p = p.semi_join(customers.select("customer_id"), "customer_id")
    # distinct orders per (customer, product) in two steps: cheaper than COUNT(DISTINCT) per group
    po = p.group_by("customer_id", "product_id", "order_id").aggregate(at=p.ordered_at.max())
    return po.group_by("customer_id", "product_id").aggregate(
        orders=po.count().cast("int64"), views=ibis.literal(0, "int64"), last_at=po.at.max()
    )


def interactions(
    store: Any,
    *,
    start: Any = None,
    end: Any = None,
    view_weight: float = 0.0,
    customers: ibis.Table | None = None,
) -> pd.DataFrame:
    """One row per (customer, product) with ``orders``, ``views``, ``weight`` and ``last_at``.

    ``customers`` (an Ibis table with ``customer_id``) restricts the rows, e.g. to the customers
    :func:`centric.privacy.allowed_customers` allows. Views count only when ``view_weight > 0``.
    """
    if not (isinstance(view_weight, (int, float)) and view_weight >= 0):
        raise InvalidParameterError(f"'view_weight' must be a number >= 0. Got {view_weight!r} instead.")
    agg = _orders_per_pair(store, start, end, customers)
    if view_weight > 0:
        e = store.table("events")
        e = e.filter(e.name == "product_view", e.customer_id.notnull())
        if start is not None:
            e = e.filter(e.occurred_at >= pd.Timestamp(start).to_pydatetime())
        if end is not None:
            e = e.filter(e.occurred_at < pd.Timestamp(end).to_pydatetime())
        if customers is not None:
            e = e.semi_join(customers.select("customer_id"), "customer_id")
        e = e.mutate(product_id=e.properties.re_extract(_PID, 1)).filter(ibis._.product_id != "")
        v = e.group_by("customer_id", "product_id").aggregate(
            orders=ibis.literal(0, "int64"), views=e.count().cast("int64"), last_at=e.occurred_at.max()
        )
        u = agg.union(v.select(*agg.columns))
        agg = u.group_by("customer_id", "product_id").aggregate(
            orders=u.orders.sum(), views=u.views.sum(), last_at=u.last_at.max()
        )
    df = agg.to_pyarrow().to_pandas()  # Arrow's conversion of the timestamp column is the quicker one
    df["orders"] = df["orders"].astype("int64")
    df["views"] = df["views"].astype("int64")
    df["weight"] = df["orders"] + float(view_weight) * df["views"]
    df = df[df["weight"] > 0]
    return df.sort_values(["customer_id", "product_id"], kind="stable").reset_index(drop=True)


def product_info(store: Any) -> pd.DataFrame:
    """The product table (small: one row per product) with ``available`` parsed from attributes."""
    df = store.table("products").select("product_id", "name", "category", "brand", "price", "attributes").execute()
    df["available"] = [_available(a) for a in df["attributes"]]
    return df.drop(columns="attributes")


def _available(attrs: Any) -> bool:
    if attrs is None or (isinstance(attrs, float) and pd.isna(attrs)) or attrs == "":
        return True
    try:
        d = json.loads(attrs) if isinstance(attrs, str) else dict(attrs)
    except (ValueError, TypeError):
        return True
    if not isinstance(d, dict):
        return True
    if d.get("available") is False or str(d.get("available")).lower() in ("false", "0", "no"):
        return False
    return str(d.get("status", "")).lower() not in ("discontinued", "out_of_stock")


def available_products(store: Any) -> list[str]:
    """Product ids that may be recommended (see the module docstring)."""
    info = product_info(store)
    return info.loc[info["available"], "product_id"].astype(str).tolist()


def repeat_categories(store: Any, *, end: Any = None, threshold: float = 0.15, min_customers: int = 20) -> pd.DataFrame:
    """Re-buy share per category (see the module docstring): ``category, customers, rebuyers, share, repeat``."""
    if not (isinstance(threshold, (int, float)) and 0 <= threshold <= 1):
        raise InvalidParameterError(f"'threshold' must be a number in [0, 1]. Got {threshold!r} instead.")
    prods = store.table("products").select(_pid="product_id", category="category")
    shared = _shared_pairs(store, None, end)
    if shared is not None:
        t, i = shared
        per = t.select("customer_id", "product_id", rebuy=t[f"n{i}"] >= 2)
    else:
        p = purchases(store, end=end)
        # two or more distinct orders <=> the smallest and largest order_id differ (no COUNT(DISTINCT))
        per = p.group_by("customer_id", "product_id").aggregate(rebuy=p.order_id.min() != p.order_id.max())
    per = per.join(prods, per.product_id == prods._pid)
    cust = per.group_by("customer_id", "category").aggregate(rebuy=per.rebuy.any())
    out = cust.group_by("category").aggregate(customers=cust.count(), rebuyers=cust.rebuy.cast("int64").sum()).execute()
    out["share"] = out["rebuyers"] / out["customers"]
    out["repeat"] = (out["share"] >= threshold) & (out["customers"] >= min_customers)
    return out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)

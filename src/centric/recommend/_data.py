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
"""

from __future__ import annotations

import json
from typing import Any

import ibis
import pandas as pd

from centric.exceptions import InvalidParameterError

__all__ = ["available_products", "interactions", "product_info", "purchases", "repeat_categories"]

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
    p = purchases(store, start=start, end=end)
    agg = p.group_by("customer_id", "product_id").aggregate(
        orders=p.order_id.nunique().cast("int64"), views=ibis.literal(0, "int64"), last_at=p.ordered_at.max()
    )
    if view_weight > 0:
        e = store.table("events")
        e = e.filter(e.name == "product_view", e.customer_id.notnull())
        if start is not None:
            e = e.filter(e.occurred_at >= pd.Timestamp(start).to_pydatetime())
        if end is not None:
            e = e.filter(e.occurred_at < pd.Timestamp(end).to_pydatetime())
        e = e.mutate(product_id=e.properties.re_extract(_PID, 1)).filter(ibis._.product_id != "")
        v = e.group_by("customer_id", "product_id").aggregate(
            orders=ibis.literal(0, "int64"), views=e.count().cast("int64"), last_at=e.occurred_at.max()
        )
        u = agg.union(v.select(*agg.columns))
        agg = u.group_by("customer_id", "product_id").aggregate(
            orders=u.orders.sum(), views=u.views.sum(), last_at=u.last_at.max()
        )
    if customers is not None:
        agg = agg.semi_join(customers.select("customer_id"), "customer_id")
    df = agg.execute()
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


def repeat_categories(
    store: Any, *, end: Any = None, threshold: float = 0.15, min_customers: int = 20
) -> pd.DataFrame:
    """Re-buy share per category (see the module docstring): ``category, customers, rebuyers, share, repeat``."""
    if not (isinstance(threshold, (int, float)) and 0 <= threshold <= 1):
        raise InvalidParameterError(f"'threshold' must be a number in [0, 1]. Got {threshold!r} instead.")
    p = purchases(store, end=end)
    prods = store.table("products").select(_pid="product_id", category="category")
    per = p.group_by("customer_id", "product_id").aggregate(n=p.order_id.nunique())
    per = per.join(prods, per.product_id == prods._pid)
    cust = per.group_by("customer_id", "category").aggregate(rebuy=(per.n >= 2).any())
    out = cust.group_by("category").aggregate(
        customers=cust.count(), rebuyers=cust.rebuy.cast("int64").sum()
    ).execute()
    out["share"] = out["rebuyers"] / out["customers"]
    out["repeat"] = (out["share"] >= threshold) & (out["customers"] >= min_customers)
    return out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)

"""Historical customer value: revenue (and gross margin when product cost is known) to date.

Historical CLV is backward-looking and auditable (DOMAIN.md §1.6): the sum of
what each customer has spent in counted orders. Predictive CLV lives in
:mod:`centric.clv`. Money comes back as float64 in the orders' currency
(VND by default): exact to the đồng far beyond any realistic customer total.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np

from centric.exceptions import InvalidParameterError
from centric.metrics._common import DEFAULT_TZ, check_table, completed_orders, customer_key, to_utc
from centric.metrics._intervals import check_confidence, t_mean_interval
from centric.metrics._result import MetricResult, check_min_n, make_result

__all__ = ["clv_summary", "historical_clv"]

COMPLETED = ("completed",)


def historical_clv(
    orders: ibis.Table,
    *,
    order_items: ibis.Table | None = None,
    products: ibis.Table | None = None,
    as_of: Any = None,
    statuses: Sequence[str] | None = COMPLETED,
    tz: str = DEFAULT_TZ,
) -> ibis.Table:
    """Per-customer historical value, as an Ibis expression (nothing is executed).

    Columns: ``customer_id`` (``customer_id``, else ``customer_ref`` for
    unresolved rows), ``revenue`` (Σ ``total_amount``, float64), ``orders``
    (int64), ``first_order_at``, ``last_order_at``. When both ``order_items``
    and ``products`` are given, also ``margin`` = Σ quantity·(unit_price − cost)
    over lines whose product cost is known, and ``lines_without_cost`` (lines
    left out of the margin because the product has no cost); a customer whose
    orders have no item lines gets NULL margin. Only orders with a status in
    ``statuses`` count (NULL status counts as completed), and only before
    ``as_of`` when given.
    """
    check_table(orders, ("customer_id", "ordered_at", "total_amount", "order_id"), name="orders")
    if (order_items is None) != (products is None):
        raise InvalidParameterError(
            "The 'order_items' and 'products' parameters go together: margin needs item lines and "
            f"product costs. Got order_items={'a table' if order_items is not None else None!r}, "
            f"products={'a table' if products is not None else None!r}."
        )
    o = completed_orders(orders, statuses)
    if as_of is not None:
        o = o.filter(o.ordered_at < ibis.literal(to_utc(as_of, name="as_of", tz=tz)))
    o = o.mutate(_c=customer_key(o))
    o = o.filter(o._c.notnull())
    per = o.group_by("_c").aggregate(
        revenue=o.total_amount.cast("float64").sum(),
        orders=o.count(),
        first_order_at=o.ordered_at.min(),
        last_order_at=o.ordered_at.max(),
    )
    if order_items is None or products is None:
        return per.rename(customer_id="_c")
    check_table(order_items, ("order_id", "product_id", "quantity", "unit_price"), name="order_items")
    check_table(products, ("product_id", "cost"), name="products")
    oi = order_items.select("order_id", "product_id", "quantity", "unit_price")
    lines = o.select("order_id", "_c").join(oi, "order_id")
    costs = products.select(_pid="product_id", _cost="cost")
    lines = lines.left_join(costs, lines.product_id == costs._pid)
    known = lines._cost.notnull()
    line_margin = lines.quantity.cast("float64") * (
        lines.unit_price.cast("float64") - lines._cost.cast("float64")
    )
    m = lines.group_by("_c").aggregate(
        margin=known.ifelse(line_margin, 0.0).sum(),
        lines_without_cost=(~known).cast("int64").sum(),
    )
    m = m.rename(_c2="_c")
    joined = per.left_join(m, per._c == m._c2)
    return joined.select(
        customer_id=joined._c,
        revenue=joined.revenue,
        orders=joined.orders,
        first_order_at=joined.first_order_at,
        last_order_at=joined.last_order_at,
        margin=joined.margin,
        lines_without_cost=joined.lines_without_cost,
    )


def clv_summary(
    data: ibis.Table,
    *,
    order_items: ibis.Table | None = None,
    products: ibis.Table | None = None,
    as_of: Any = None,
    value: str = "revenue",
    statuses: Sequence[str] | None = COMPLETED,
    confidence: float = 0.95,
    min_n: int = 30,
    suppress_below: int = 10,
    currency: str = "VND",
    tz: str = DEFAULT_TZ,
) -> MetricResult:
    """Mean historical value per customer with a t interval, plus its distribution.

    ``data`` is the ``orders`` table, or a table already built by
    :func:`historical_clv`. ``value`` is ``"revenue"`` (default) or
    ``"margin"`` (needs ``order_items`` and ``products``). Executes one column
    per customer (the distribution), nothing wider. ``extra``: p10, p50, p90,
    total, and mean_margin when margin is known.
    """
    if value not in ("revenue", "margin"):
        raise InvalidParameterError(
            f"The 'value' parameter must be 'revenue' or 'margin'. Got {value!r} instead."
        )
    conf = check_confidence(confidence)
    min_n, suppress_below = check_min_n(min_n, suppress_below)
    if (
        isinstance(data, ibis.Table)
        and {"revenue", "orders"} <= set(data.columns)
        and "ordered_at" not in data.columns
    ):
        clv = data
    else:
        clv = historical_clv(
            data, order_items=order_items, products=products, as_of=as_of, statuses=statuses, tz=tz
        )
    if value not in clv.columns:
        raise InvalidParameterError(
            "value='margin' needs product costs: pass order_items=store.table('order_items') and "
            "products=store.table('products')."
        )
    cols = [c for c in ("revenue", "margin") if c in clv.columns]
    df = clv.select(*cols).execute()
    x = df[value].astype("float64").dropna().to_numpy()
    n = len(x)
    mean, low, high, sd = t_mean_interval(n, x.sum(), (x * x).sum(), confidence=conf)
    extra: dict[str, Any] = {"currency": currency, "basis": value}
    if n:
        p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
        extra.update(p10=p10, p50=p50, p90=p90, total=float(x.sum()), sd=float(sd) if n > 1 else None)
    if "margin" in df.columns and value == "revenue":
        mg = df["margin"].astype("float64").dropna()
        extra["mean_margin"] = float(mg.mean()) if len(mg) else None
    what, what_vi = ("revenue", "doanh thu") if value == "revenue" else ("gross margin", "lợi nhuận gộp")
    return make_result(
        "historical_clv",
        value=mean,
        n=n,
        low=low,
        high=high,
        method="t",
        unit=currency,
        definition=(
            f"Historical CLV: the mean {what} per customer from completed orders to date, with a t interval."
        ),
        definition_vi=(
            f"CLV lịch sử: {what_vi} trung bình trên mỗi khách hàng từ các đơn hàng hoàn tất đến nay, "
            "kèm khoảng tin cậy t."
        ),
        min_n=min_n,
        suppress_below=suppress_below,
        extra=extra,
        confidence=conf,
    )

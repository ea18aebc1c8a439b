"""RFM scores and the named RFM segments, as Ibis expressions (DuckDB and Spark alike).

Recency, frequency and monetary value are computed per customer from the counted
orders (status ``completed`` or NULL) placed before ``as_of``. Each is scored 1–5
by quintile with ``ntile(5)`` (5 = most recent, most frequent, highest spend).
Customers with the same value always get the same score — the *lowest* quintile
any of them fell into — so ties never depend on row order or on the backend
(with many one-order customers, frequency scores are then often only 1, 4 and 5).

The named segment comes from the usual R × FM grid, where FM is the mean of the
F and M scores rounded half up:

=====  ==================  ==================  =================  ===============
 R     FM 1                FM 2–3              FM 4               FM 5
=====  ==================  ==================  =================  ===============
 5     New customers       Potential loyalists Champions          Champions
 4     Promising           Potential loyalists Loyal customers    Loyal customers
 3     About to sleep      About to sleep (2), Loyal customers    Loyal customers
                           Need attention (3)
 1–2   Lost (R 1), else    Hibernating (2),    At risk            Can't lose them
       Hibernating         At risk (3)
=====  ==================  ==================  =================  ===============
"""

from __future__ import annotations

from typing import Any

import ibis

from centric._ibis import epoch_seconds
from centric.metrics._common import DEFAULT_TZ, check_table, completed_orders, customer_key, to_utc

__all__ = ["RFM_SEGMENTS", "rfm_segment_name", "rfm_segments"]

#: segment key → (English name, Vietnamese name), in the order they are reported.
RFM_SEGMENTS: dict[str, tuple[str, str]] = {
    "champions": ("Champions", "Nhà vô địch"),
    "loyal_customers": ("Loyal customers", "Khách hàng trung thành"),
    "potential_loyalists": ("Potential loyalists", "Tiềm năng trung thành"),
    "new_customers": ("New customers", "Khách hàng mới"),
    "promising": ("Promising", "Hứa hẹn"),
    "need_attention": ("Need attention", "Cần quan tâm"),
    "about_to_sleep": ("About to sleep", "Sắp ngủ đông"),
    "at_risk": ("At risk", "Có nguy cơ rời bỏ"),
    "cant_lose_them": ("Can't lose them", "Không thể để mất"),
    "hibernating": ("Hibernating", "Ngủ đông"),
    "lost": ("Lost", "Đã mất"),
}


def rfm_segment_name(key: str, lang: str = "en") -> str:
    """The display name of RFM segment ``key`` in ``lang`` ("vi" or "en")."""
    en, vi = RFM_SEGMENTS[key]
    return vi if lang == "vi" else en


def _score(t: ibis.Table, col: str, *, descending: bool) -> ibis.Table:
    """Add ``<col>_score``: 1–5 by ntile over ``col`` (ties share the lowest score)."""
    key = t[col]
    order = [key.desc() if descending else key.asc(), t.customer_id.asc()]
    t = t.mutate(**{f"_nt_{col}": ibis.ntile(5).over(order_by=order)})
    low = t[f"_nt_{col}"].min().over(group_by=t[col])
    return t.mutate(**{f"{col}_score": (low + 1).cast("int32")}).drop(f"_nt_{col}")


def rfm_segments(orders: ibis.Table, *, as_of: Any, tz: str = DEFAULT_TZ) -> ibis.Table:
    """Per-customer RFM values, 1–5 scores and the named segment (an Ibis expression).

    Parameters
    ----------
    orders
        The store's ``orders`` table (``customer_id``, ``ordered_at``, ``total_amount``,
        ``order_id``; ``status`` and ``customer_ref`` are used when present).
    as_of
        The moment of measurement; only orders before it count. Naive values are read
        in ``tz``.
    tz
        Workspace time zone (used to read a naive ``as_of``).

    Returns
    -------
    ibis.Table
        ``customer_id``, ``recency_days`` (float, days since the last order),
        ``frequency`` (orders), ``monetary`` (total spend, float), ``r_score``,
        ``f_score``, ``m_score`` (int 1–5), ``rfm_score`` (e.g. ``"545"``) and
        ``rfm_segment`` (a key of :data:`RFM_SEGMENTS`).

    Examples
    --------
    >>> seg = rfm_segments(store.table("orders"), as_of="2025-12-31")   # doctest: +SKIP
    >>> seg.rfm_segment.value_counts().execute()                          # doctest: +SKIP
    """
    check_table(orders, ("customer_id", "ordered_at", "total_amount", "order_id"), name="orders")
    end = ibis.literal(to_utc(as_of, name="as_of", tz=tz))
    o = completed_orders(orders, ("completed",))
    o = o.filter(o.ordered_at < end)
    o = o.mutate(_c=customer_key(o))
    o = o.filter(o._c.notnull())
    per = o.group_by("_c").aggregate(
        _last=o.ordered_at.max(),
        frequency=o.order_id.count().cast("int64"),
        monetary=o.total_amount.cast("float64").sum(),
    )
    per = per.mutate(
        customer_id=per._c,
        recency_days=(epoch_seconds(end) - epoch_seconds(per._last)).cast("float64") / 86400.0,
    ).select("customer_id", "recency_days", "frequency", "monetary")
    per = _score(per, "recency_days", descending=True)
    per = _score(per, "frequency", descending=False)
    per = _score(per, "monetary", descending=False)
    per = per.rename(r_score="recency_days_score", f_score="frequency_score", m_score="monetary_score")
    r, f, m = per.r_score, per.f_score, per.m_score
    fm = ((f + m + 1) / 2).floor().cast("int32")
    segment = ibis.cases(
        ((r == 5) & (fm >= 4), "champions"),
        ((r >= 3) & (fm >= 4), "loyal_customers"),
        ((r == 5) & (fm == 1), "new_customers"),
        ((r == 4) & (fm == 1), "promising"),
        ((r >= 4), "potential_loyalists"),
        ((r == 3) & (fm == 3), "need_attention"),
        ((r == 3), "about_to_sleep"),
        ((fm == 5), "cant_lose_them"),
        ((fm >= 3), "at_risk"),
        ((r == 1) & (fm == 1), "lost"),
        else_="hibernating",
    )
    return per.mutate(
        rfm_score=r.cast("string") + f.cast("string") + m.cast("string"),
        rfm_segment=segment,
    )

"""One feature row per customer, for persona discovery.

Everything set-based runs as Ibis expressions inside the store's backend and is
aggregated to one row per customer (or per customer and category/channel/topic)
before it reaches pandas. The frame is indexed by ``customer_id`` and holds only
customers with at least one counted order before ``as_of`` (personas describe
buyers). Column groups (see :data:`FEATURE_GROUPS`):

* value: ``frequency``, ``monetary``, ``aov`` (mean order value), ``discount_share``
  (share of orders with a discount) and, when the CLV step has run, ``clv_12m``;
* lifecycle: ``recency_days``, ``tenure_days`` and, when the CLV step has run, ``p_alive``;
* category: ``cat:<category>`` — share of the customer's item spend per product category;
* channel: ``channel:<channel>`` — share of orders per sales channel (marketplace
  orders without a channel count under their ``source``), ``app_share`` — share of
  web/app events that came from the app;
* engagement: ``engagement_index`` (from ``customer_scores``) and ``email_open_rate``;
* feedback: ``nps_mean``, ``csat_mean`` (mean score given; NaN when none);
* support: ``tickets`` (support tickets opened);
* life: ``life:<stage>`` one-hot of the declared life stage, ``life:unknown`` otherwise.
"""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd

from centric._ibis import epoch_seconds
from centric.metrics._common import DEFAULT_TZ, completed_orders, customer_key, to_utc
from centric.personas._rfm import rfm_segments
from centric.store import Store

__all__ = ["FEATURE_GROUPS", "customer_features", "feature_group"]

#: group → (columns or prefixes ending in ":"), in the order they are reported.
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "value": ("frequency", "monetary", "aov", "discount_share", "clv_12m"),
    "lifecycle": ("recency_days", "tenure_days", "p_alive"),
    "category": ("cat:",),
    "channel": ("channel:", "app_share"),
    "engagement": ("engagement_index", "email_open_rate"),
    "feedback": ("nps_mean", "csat_mean"),
    "support": ("tickets",),
    "life": ("life:",),
}


def feature_group(column: str) -> str | None:
    """The group of a feature column, or None when it is not a persona feature."""
    for group, members in FEATURE_GROUPS.items():
        for m in members:
            if column == m or (m.endswith(":") and column.startswith(m)):
                return group
    return None


def _frame(expr: ibis.Table) -> pd.DataFrame:
    return expr.execute()


def _pivot_shares(df: pd.DataFrame, key: str, prefix: str, value: str) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame()
    df = df.assign(**{key: df[key].fillna("unknown").astype(str)})
    wide = df.pivot_table(index="customer_id", columns=key, values=value, aggfunc="sum", fill_value=0.0)
    total = wide.sum(axis=1).replace(0.0, np.nan)
    shares = wide.div(total, axis=0).fillna(0.0)
    shares.columns = [f"{prefix}{c}" for c in shares.columns]
    return shares.sort_index(axis=1)


def customer_features(store: Store, *, as_of: Any, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Build the persona feature frame (one row per buying customer, indexed by ``customer_id``).

    Parameters
    ----------
    store
        An open :class:`~centric.store.Store`.
    as_of
        Only behaviour before this moment counts (naive values are read in ``tz``).
    tz
        Workspace time zone.

    Returns
    -------
    pandas.DataFrame
        Numeric feature columns (see the module docstring) plus ``rfm_segment`` (str).
        Missing feedback is NaN; every other column is filled.

    Examples
    --------
    >>> feats = customer_features(store, as_of="2025-12-31")   # doctest: +SKIP
    >>> feats.filter(like="cat:").sum(axis=1).round(6).unique()  # doctest: +SKIP
    array([1.])
    """
    end = ibis.literal(to_utc(as_of, name="as_of", tz=tz))
    orders = store.table("orders")
    rfm = rfm_segments(orders, as_of=as_of, tz=tz)
    o = completed_orders(orders, ("completed",))
    o = o.filter(o.ordered_at < end).mutate(_c=customer_key(o))
    o = o.filter(o._c.notnull())
    base = o.group_by("_c").aggregate(
        _first=o.ordered_at.min(),
        _disc=(o.discount.fill_null(0) > 0).cast("float64").mean(),
    )
    base = base.mutate(
        tenure_days=(epoch_seconds(end) - epoch_seconds(base._first)).cast("float64") / 86400.0
    )
    base = base.select(customer_id="_c", tenure_days="tenure_days", discount_share="_disc")
    r = _frame(rfm.select("customer_id", "recency_days", "frequency", "monetary", "rfm_segment"))
    feats = r.merge(_frame(base), on="customer_id", how="left").set_index("customer_id").sort_index()
    feats["frequency"] = feats["frequency"].astype("float64")
    feats["aov"] = feats["monetary"] / feats["frequency"].where(feats["frequency"] > 0)
    parts: list[pd.DataFrame] = []

    # category mix: item spend by product category
    items, products = store.table("order_items"), store.table("products")
    lines = o.select("order_id", "_c").join(
        items.select("order_id", "product_id", "quantity", "unit_price"), "order_id"
    )
    prods = products.select(_pid="product_id", _cat="category")
    lines = lines.left_join(prods, lines.product_id == prods._pid)
    cat = (
        lines.group_by(["_c", "_cat"])
        .aggregate(spend=(lines.quantity.cast("float64") * lines.unit_price.cast("float64")).sum())
        .rename(customer_id="_c", category="_cat")
    )
    parts.append(_pivot_shares(_frame(cat), "category", "cat:", "spend"))

    # channel mix: orders per channel (marketplace rows carry their source instead)
    ch = o.mutate(_ch=ibis.coalesce(o.channel, o.source, ibis.literal("unknown")))
    chn = ch.group_by(["_c", "_ch"]).aggregate(n=ch.count()).rename(customer_id="_c", channel="_ch")
    parts.append(_pivot_shares(_frame(chn), "channel", "channel:", "n"))

    # events: app share of web/app events, e-mail open rate
    ev = store.table("events")
    ev = ev.filter((ev.occurred_at < end) & ev.customer_id.notnull())
    evs = ev.group_by("customer_id").aggregate(
        _app=(ev.channel == "app").cast("float64").sum(),
        _site=ev.channel.isin(["app", "web"]).cast("float64").sum(),
        _sent=(ev.name == "email_sent").cast("float64").sum(),
        _open=(ev.name == "email_open").cast("float64").sum(),
    )
    e = _frame(evs).set_index("customer_id")
    if len(e):
        parts.append(
            pd.DataFrame(
                {
                    "app_share": e["_app"] / e["_site"].where(e["_site"] > 0),
                    "email_open_rate": (e["_open"] / e["_sent"].where(e["_sent"] > 0)).clip(upper=1.0),
                }
            )
        )

    # feedback given
    fb = store.table("feedback")
    fb = fb.filter(
        (fb.submitted_at < end)
        & fb.customer_id.notnull()
        & fb.score.notnull()
        & fb.instrument.isin(["nps", "csat"])
    )
    fbs = fb.group_by(["customer_id", "instrument"]).aggregate(m=fb.score.mean())
    f = _frame(fbs)
    if len(f):
        w = f.pivot_table(index="customer_id", columns="instrument", values="m")
        parts.append(pd.DataFrame({f"{k}_mean": w[k] for k in ("nps", "csat") if k in w}))

    # support tickets
    tk = store.table("tickets")
    tk = tk.filter((tk.opened_at < end) & tk.customer_id.notnull())
    t = _frame(tk.group_by("customer_id").aggregate(tickets=tk.count()))
    if len(t):
        parts.append(t.set_index("customer_id").astype("float64"))

    # scores from the main job (engagement, CLV) when present
    if store.has_table("customer_scores"):
        cs = store.table("customer_scores")
        cols = [c for c in ("engagement_index", "clv_12m", "p_alive") if c in cs.columns]
        if cols:
            parts.append(_frame(cs.select("customer_id", *cols)).set_index("customer_id").astype("float64"))

    # declared life stage
    cu = store.table("customers")
    life = _frame(cu.select("customer_id", "life_stage")).set_index("customer_id")["life_stage"]
    life = life.reindex(feats.index).fillna("unknown").astype(str)
    parts.append(pd.get_dummies(life, prefix="life", prefix_sep=":", dtype="float64"))

    for p in parts:
        if len(p):
            p = p[~p.index.duplicated()]
            feats = feats.join(p, how="left")
    for c in feats.columns:
        if c.startswith(("cat:", "channel:", "life:")) or c in ("tickets", "discount_share"):
            feats[c] = feats[c].fillna(0.0)
    for c in ("app_share", "email_open_rate", "engagement_index"):
        if c in feats:
            feats[c] = feats[c].fillna(0.0)
    if "life:unknown" not in feats:
        feats["life:unknown"] = 0.0
    feats.index.name = "customer_id"
    return feats

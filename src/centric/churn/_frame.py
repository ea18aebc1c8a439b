"""The churn table: features before a cutoff and the label after it, as Ibis expressions.

One row per customer with at least one completed order before ``cutoff``.
Every feature is computed **only** from rows stamped strictly before
``cutoff`` (orders, events, feedback, tickets; a ticket counts as open when it
was not closed before ``cutoff``, never from its current status). The label
looks only at the window ``[cutoff, cutoff + horizon)``:

    churned = 1  ⇔  no completed order in [cutoff, cutoff + horizon_days)

The work is set-based (Ibis over the store's backend: DuckDB or Spark) and is
pulled into pandas only once it is one row per customer. P(alive) comes from a
BG/NBD model (:mod:`centric.clv`) fitted on the completed orders before
``cutoff``; it is left empty when that model cannot be fitted.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from centric._ibis import epoch_seconds
from centric.exceptions import CentricError, InputError, InvalidParameterError

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "FEATURES",
    "SETTINGS",
    "churn_frame",
    "churn_table",
    "label_definition",
]

DEFAULT_HORIZON_DAYS = 90
DEFAULT_TZ = "Asia/Ho_Chi_Minh"
SETTINGS = ("contractual", "non-contractual")
DAY = 86_400
#: the label window may end this many days after the last stored order (quiet days at the end)
LABEL_SLACK_DAYS = 7
EMAIL_EVENTS = ("email_sent", "email_open", "email_click")
#: topics (lower case, with or without diacritics) that mean a late delivery
LATE_DELIVERY = r"(giao hàng chậm|giao hang cham|chậm|tre hen|trễ|late|delay)"

#: Feature columns, in model order, with a one-line meaning each.
FEATURES: dict[str, str] = {
    "recency_days": "days since the last completed order",
    "frequency": "completed orders before the cutoff",
    "monetary": "revenue of completed orders before the cutoff",
    "avg_order_value": "mean value of a completed order",
    "tenure_days": "days since the first completed order",
    "orders_90d": "completed orders in the 90 days before the cutoff",
    "orders_prev_90d": "completed orders in the 90 days before those",
    "orders_trend": "orders_90d - orders_prev_90d",
    "revenue_90d": "revenue in the 90 days before the cutoff",
    "revenue_prev_90d": "revenue in the 90 days before those",
    "revenue_trend": "revenue_90d - revenue_prev_90d",
    "mean_gap_days": "mean days between completed orders (2+ orders)",
    "recency_gap_ratio": "recency_days / mean_gap_days",
    "bad_order_share": "share of orders cancelled or returned",
    "bad_orders": "orders cancelled or returned",
    "web_events_30d": "web/app events in the last 30 days",
    "web_events_90d": "web/app events in the last 90 days",
    "days_since_event": "days since the last web/app event",
    "emails_sent_90d": "e-mails sent in the last 90 days",
    "email_opens_90d": "e-mail opens in the last 90 days",
    "email_clicks_90d": "e-mail clicks in the last 90 days",
    "nps_last": "last NPS answer (0-10)",
    "nps_mean": "mean NPS answer (0-10)",
    "csat_last": "last CSAT answer (1-5)",
    "csat_mean": "mean CSAT answer (1-5)",
    "ces_last": "last CES 2.0 answer (1-7, higher is easier)",
    "negative_answers": "survey answers that were negative (NPS<=6, CSAT<=2, CES 2.0<=3, CES 1.0>=4)",
    "tickets": "support tickets opened",
    "tickets_open": "tickets not closed by the cutoff",
    "tickets_late_delivery": "tickets about late delivery",
    "p_alive": "P(alive) from a BG/NBD model fitted before the cutoff",
}


# --------------------------------------------------------------------------- time helpers
def _instant(value: Any, name: str, tz: str) -> pd.Timestamp:
    """A UTC instant; a naive date or time is read in the workspace zone ``tz``."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(
            f"The {name!r} parameter must be a date or a time; got {value!r}."
        ) from exc
    if ts is pd.NaT:
        raise InvalidParameterError(f"The {name!r} parameter must be a date or a time; got {value!r}.")
    try:
        return (ts.tz_localize(tz) if ts.tzinfo is None else ts).tz_convert("UTC")
    except Exception as exc:  # unknown zone name
        raise InvalidParameterError(f"The 'tz' parameter must be an IANA time zone; got {tz!r}.") from exc


def _check_horizon(horizon_days: Any) -> int:
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int | np.integer) or horizon_days < 1:
        raise InvalidParameterError(
            f"The 'horizon_days' parameter must be a whole number of days >= 1. Got {horizon_days!r} instead."
        )
    return int(horizon_days)


def check_setting(setting: Any) -> str:
    """Validate the workspace's churn setting; contractual churn needs a source the store does not have."""
    if setting not in SETTINGS:
        raise InvalidParameterError(
            f"The 'setting' parameter must be one of {list(SETTINGS)}. Got {setting!r} instead."
        )
    if setting == "contractual":
        raise InputError(
            "Contractual churn is an observed cancellation of a subscription or contract, and the store has "
            "no subscriptions/cancellation source yet. Use setting='non-contractual' (churn = no purchase in "
            "the next H days), or import a subscriptions table with cancellation dates when one is supported."
        )
    return str(setting)


def label_definition(horizon_days: int = DEFAULT_HORIZON_DAYS) -> dict[str, str]:
    """The label in words, in English and Vietnamese."""
    h = _check_horizon(horizon_days)
    return {
        "en": (
            f"Churned = no completed purchase in the {h} days after the cutoff. Features use only data "
            "stamped before the cutoff (non-contractual setting)."
        ),
        "vi": (
            f"Rời bỏ = không có đơn hàng hoàn thành nào trong {h} ngày sau mốc cắt. Các đặc trưng chỉ dùng "
            "dữ liệu trước mốc cắt (bối cảnh phi hợp đồng)."
        ),
    }


def _secs(col: ir.Value) -> ir.IntegerValue:
    return epoch_seconds(col).cast("int64")


def _n(cond: ir.BooleanValue) -> ir.IntegerScalar:
    return cond.cast("int64").sum()


# --------------------------------------------------------------------------- pieces
def _orders(orders: ir.Table, cut: int, horizon: int, label: bool) -> ir.Table:
    o = orders.filter(orders.customer_id.notnull())
    o = o.mutate(_s=_secs(o.ordered_at))
    o = o.filter(o._s < (cut + horizon * DAY) if label else o._s < cut)
    done = o.status.isnull() | (o.status == "completed")
    amt = o.total_amount.cast("float64").fill_null(0.0)
    before = o._s < cut
    d = done & before
    w90 = d & (o._s >= cut - 90 * DAY)
    w180 = d & (o._s >= cut - 180 * DAY) & (o._s < cut - 90 * DAY)
    aggs: dict[str, Any] = {
        "frequency": _n(d),
        "monetary": ibis.ifelse(d, amt, 0.0).sum(),
        "first_s": o._s.min(where=d),
        "last_s": o._s.max(where=d),
        "orders_90d": _n(w90),
        "orders_prev_90d": _n(w180),
        "revenue_90d": ibis.ifelse(w90, amt, 0.0).sum(),
        "revenue_prev_90d": ibis.ifelse(w180, amt, 0.0).sum(),
        "all_orders": _n(before),
        "bad_orders": _n(before & o.status.isin(["cancelled", "returned"])),
    }
    if label:
        aggs["future_orders"] = _n(done & ~before)
    g = o.group_by("customer_id").aggregate(**aggs)
    g = g.filter(g.frequency > 0)
    rec = (cut - g.last_s).cast("float64") / DAY
    span = (g.last_s - g.first_s).cast("float64") / DAY
    gap = ibis.ifelse(
        (g.frequency > 1) & (span > 0), span / (g.frequency - 1).cast("float64"), ibis.null("float64")
    )
    cols: dict[str, Any] = {
        "customer_id": g.customer_id,
        "recency_days": rec,
        "frequency": g.frequency,
        "monetary": g.monetary,
        "avg_order_value": g.monetary / g.frequency.cast("float64"),
        "tenure_days": (cut - g.first_s).cast("float64") / DAY,
        "orders_90d": g.orders_90d,
        "orders_prev_90d": g.orders_prev_90d,
        "orders_trend": g.orders_90d - g.orders_prev_90d,
        "revenue_90d": g.revenue_90d,
        "revenue_prev_90d": g.revenue_prev_90d,
        "revenue_trend": g.revenue_90d - g.revenue_prev_90d,
        "mean_gap_days": gap,
        "recency_gap_ratio": rec / gap,
        "bad_order_share": g.bad_orders.cast("float64") / g.all_orders.cast("float64"),
        "bad_orders": g.bad_orders,
    }
    if label:
        cols["churned"] = (g.future_orders == 0).cast("int64")
    return g.select(**cols)


def _events(events: ir.Table, cut: int) -> ir.Table:
    e = events.filter(events.customer_id.notnull())
    e = e.mutate(_s=_secs(e.occurred_at))
    e = e.filter(e._s < cut)
    mail = e.name.isin(list(EMAIL_EVENTS))
    web = ~mail
    r30, r90 = e._s >= cut - 30 * DAY, e._s >= cut - 90 * DAY
    g = e.group_by(_k="customer_id").aggregate(
        web_events_30d=_n(web & r30),
        web_events_90d=_n(web & r90),
        last_web_s=e._s.max(where=web),
        emails_sent_90d=_n(r90 & (e.name == "email_sent")),
        email_opens_90d=_n(r90 & (e.name == "email_open")),
        email_clicks_90d=_n(r90 & (e.name == "email_click")),
    )
    return g.mutate(days_since_event=(cut - g.last_web_s).cast("float64") / DAY).drop("last_web_s")


def _feedback(feedback: ir.Table, cut: int) -> ir.Table:
    f = feedback.filter(feedback.customer_id.notnull() & feedback.score.notnull())
    f = f.mutate(_s=_secs(f.submitted_at))
    f = f.filter(f._s < cut)
    ver = f.instrument_version.fill_null("").lower().replace("ces", "").replace("v", "").strip()
    nps, csat = f.instrument == "nps", f.instrument == "csat"
    ces2 = (f.instrument == "ces") & ver.startswith("2")
    ces1 = (f.instrument == "ces") & ver.startswith("1")
    neg = (nps & (f.score <= 6)) | (csat & (f.score <= 2)) | (ces2 & (f.score <= 3)) | (ces1 & (f.score >= 4))
    return f.group_by(_k="customer_id").aggregate(
        nps_last=f.score.argmax(f._s, where=nps),
        nps_mean=f.score.mean(where=nps),
        csat_last=f.score.argmax(f._s, where=csat),
        csat_mean=f.score.mean(where=csat),
        ces_last=f.score.argmax(f._s, where=ces2),
        negative_answers=_n(neg),
    )


def _tickets(tickets: ir.Table, cut: int) -> ir.Table:
    t = tickets.filter(tickets.customer_id.notnull())
    t = t.mutate(_s=_secs(t.opened_at), _c=_secs(t.closed_at))
    t = t.filter(t._s < cut)
    late = t.topic.fill_null("").lower().re_search(LATE_DELIVERY)
    return t.group_by(_k="customer_id").aggregate(
        tickets=t.count(),
        tickets_open=_n(t._c.isnull() | (t._c >= cut)),
        tickets_late_delivery=_n(late),
    )


def _p_alive(orders: ir.Table, cut_ts: pd.Timestamp) -> ir.Table | None:
    """Per-customer P(alive) from a BG/NBD fitted on completed orders before the cutoff (None if it fails)."""
    from centric.clv import BetaGeoModel, compress, rfm_summary, score

    cut = int(cut_ts.timestamp())
    o = orders.filter(orders.customer_id.notnull() & (_secs(orders.ordered_at) < cut))
    end = (cut_ts - pd.Timedelta(seconds=1)).date()
    try:
        rfm = rfm_summary(o, period="W", observation_end=end)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bg = BetaGeoModel().fit(compress(rfm))
            scored = score(rfm, bg)
    except (CentricError, ValueError, FloatingPointError):
        return None
    return scored.select(_k=scored.customer_id, p_alive=scored.p_alive)


# --------------------------------------------------------------------------- public
def churn_table(
    store: Any,
    *,
    cutoff: Any,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    tz: str = DEFAULT_TZ,
    label: bool = True,
    p_alive: bool = True,
    setting: str = "non-contractual",
) -> ir.Table:
    """The churn features (and label) as one Ibis expression, for the backend to run.

    Parameters are those of :func:`churn_frame`. The expression has one row per
    customer with at least one completed order before ``cutoff``: ``customer_id``,
    the :data:`FEATURES` and, when ``label`` is true, ``churned`` (0/1).
    """
    check_setting(setting)
    horizon = _check_horizon(horizon_days)
    cut_ts = _instant(cutoff, "cutoff", tz)
    cut = int(cut_ts.timestamp())
    base = _orders(store.table("orders"), cut, horizon, label)
    parts = [
        _events(store.table("events"), cut),
        _feedback(store.table("feedback"), cut),
        _tickets(store.table("tickets"), cut),
    ]
    if p_alive:
        pa_expr = _p_alive(store.table("orders"), cut_ts)
        if pa_expr is not None:
            parts.append(pa_expr)
    out = base
    for part in parts:
        out = out.left_join(part, out.customer_id == part._k).drop("_k")
    zero = (
        "web_events_30d",
        "web_events_90d",
        "emails_sent_90d",
        "email_opens_90d",
        "email_clicks_90d",
        "negative_answers",
        "tickets",
        "tickets_open",
        "tickets_late_delivery",
    )
    cols: dict[str, Any] = {"customer_id": out.customer_id}
    for name in FEATURES:
        if name not in out.columns:
            cols[name] = ibis.null("float64")
        elif name in zero:
            cols[name] = out[name].fill_null(0).cast("float64")
        else:
            cols[name] = out[name].cast("float64")
    if label:
        cols["churned"] = out.churned
    return out.select(**cols)


def churn_frame(
    store: Any,
    *,
    cutoff: Any,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    tz: str = DEFAULT_TZ,
    label: bool = True,
    p_alive: bool = True,
    setting: str = "non-contractual",
) -> pd.DataFrame:
    """One row per customer active before ``cutoff``: features from before it, label after it.

    Parameters
    ----------
    store : Store
        A :class:`centric.store.Store` (anything with ``.table(name)`` returning
        the canonical Ibis tables works).
    cutoff : date, datetime or str
        The split point. A naive value is read in ``tz`` (a date means local
        midnight). Features use rows stamped strictly before it.
    horizon_days : int, default 90
        Length H of the label window ``[cutoff, cutoff + H)``.
    tz : str, default "Asia/Ho_Chi_Minh"
        Workspace time zone.
    label : bool, default True
        Add ``churned`` (1 = no completed order in the label window). The label
        window must be observed: it may not end after the last stored order.
    p_alive : bool, default True
        Add P(alive) from a BG/NBD fitted on the orders before ``cutoff``
        (left empty when that model cannot be fitted).
    setting : {"non-contractual", "contractual"}
        The workspace's churn setting; contractual churn needs a subscriptions /
        cancellation source the store does not have yet (raises InputError).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), columns :data:`FEATURES` (+ ``churned``);
        ``attrs`` holds ``cutoff`` and ``horizon_days``.

    Raises
    ------
    InputError
        Contractual setting, no customer active before the cutoff, or a label
        window that ends after the data.

    Examples
    --------
    >>> from centric.store import connect
    >>> frame = churn_frame(connect("duckdb://"), cutoff="2025-06-01")  # doctest: +SKIP
    """
    check_setting(setting)
    horizon = _check_horizon(horizon_days)
    cut_ts = _instant(cutoff, "cutoff", tz)
    if label:
        last = store.table("orders").ordered_at.max().execute()
        end = cut_ts + pd.Timedelta(days=horizon)
        if last is None or pd.isna(last):
            raise InputError(
                "There are no orders in the store; churn needs completed orders. Import orders first."
            )
        last_ts = pd.Timestamp(last)
        last_ts = last_ts.tz_localize("UTC") if last_ts.tzinfo is None else last_ts.tz_convert("UTC")
        if end > last_ts + pd.Timedelta(days=LABEL_SLACK_DAYS):
            raise InputError(
                f"The label window of cutoff {cut_ts.tz_convert(tz):%Y-%m-%d %H:%M} ends on "
                f"{end.tz_convert(tz):%Y-%m-%d}, after the last stored order "
                f"({last_ts.tz_convert(tz):%Y-%m-%d}): the label would count unseen days as churn. "
                f"Use a cutoff at least {horizon} days before the "
                "end of the data, or label=False to score."
            )
    expr = churn_table(store, cutoff=cut_ts, horizon_days=horizon, tz=tz, label=label, p_alive=p_alive)
    df = expr.execute().set_index("customer_id").sort_index()
    if df.empty:
        raise InputError(
            f"No customer has a completed order before {cut_ts.tz_convert(tz):%Y-%m-%d}; "
            "pick a later cutoff or import orders."
        )
    for c in FEATURES:
        df[c] = df[c].astype("float64")
    if label:
        df["churned"] = df["churned"].astype("int64")
    df.attrs.update({"cutoff": cut_ts.isoformat(), "horizon_days": horizon})
    return df

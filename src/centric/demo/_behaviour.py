"""Behaviour: web/app sessions with a purchase funnel, e-mail campaign events, support tickets.

A checkout-friction spot is planted for the journeys analysis to find: on the ``app`` channel the
payment step fails for :data:`APP_PAYMENT_FAILURE` of the purchases, so each of those buyers first
has a session that reaches ``begin_checkout`` and ends without a purchase, some hours before the
session that completes the order. The CES 2.0 answers at the ``checkout`` touchpoint carry the same
story (a higher friction rate on ``app``, see :data:`CES_FRICTION`); :func:`journeys_truth` records
both in ``params.json``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from centric.demo import _vocab as V
from centric.demo._catalogue import Catalogue
from centric.demo._common import (
    SECONDS_PER_DAY,
    SECONDS_PER_WEEK,
    fold,
    group_cumsum,
    group_starts,
    rank_in_group,
    row_choice,
)

EVENT_NAMES = (
    "page_view",
    "product_view",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "email_sent",
    "email_open",
    "email_click",
)
EVENT_CHANNELS = ("web", "app", "email")
CAMPAIGN_EVERY_DAYS = 14
#: Share of app purchases preceded by a failed checkout session (payment step failing on the app).
APP_PAYMENT_FAILURE = 0.30
#: Share of checkout CES answers hit by friction, by the channel the answer names.
CES_FRICTION = {"app": 0.40, "web": 0.05}
_SLUGS = tuple("/danh-muc/" + fold(c[0]).lower().replace(" & ", "-").replace(" ", "-") for c in V.CATEGORIES)


def _cat(*parts: object) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _s(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


class ProductJson:
    """Per-product JSON fragments, built once per catalogue."""

    def __init__(self, cat: Catalogue) -> None:
        names = [V.CATEGORIES[c][0] for c in cat.category]
        self.view = pa.array(
            [
                f'{{"product_id":"{p}","category":"{c}","price":{v}}}'
                for p, c, v in zip(cat.product_id, names, cat.price, strict=True)
            ]
        )
        self.cart = pa.array([f'{{"product_id":"{p}","quantity":1}}' for p in cat.product_id])
        self.page = pa.array(['{"page":"/"}'] + [f'{{"page":"{s}"}}' for s in _SLUGS])


def make_sessions(
    rng: np.random.Generator,
    *,
    person: dict[str, np.ndarray],
    btyd: dict[str, np.ndarray],
    orders: dict[str, np.ndarray],
    items: dict[str, np.ndarray],
    web_created: np.ndarray,
    horizon: int,
    cat: Catalogue,
) -> dict[str, np.ndarray]:
    """Sessions: purchase sessions of web orders, browsing of web members, anonymous visitors."""
    n = len(person["index"])
    # purchase sessions: one per web order, ending with the purchase event at the order time
    web_o = np.flatnonzero(orders["channel"] == 1)
    n_lines = np.bincount(items["order"], minlength=len(orders["t"]))
    # browsing sessions of web members while active (until 26 weeks after dropping out)
    member = web_created >= 0
    active_to = np.where(btyd["death_t"] >= 0, btyd["death_t"] + 26 * SECONDS_PER_WEEK, horizon)
    active_to = np.minimum(active_to, horizon)
    span = np.where(member, np.maximum(active_to - web_created, 0), 0)
    rate = 0.04 + 0.15 * np.minimum(btyd["lam"], 3.0)  # sessions per week
    k = rng.poisson(rate * span / SECONDS_PER_WEEK)
    bp = np.repeat(np.arange(n), k)
    bt = np.repeat(web_created, k) + (rng.random(len(bp)) * np.repeat(span, k)).astype(np.int64)
    # anonymous visitors (never identified), about one session per two customers
    n_anon = int(rng.poisson(0.5 * n))
    s_person = np.concatenate([orders["person"][web_o], bp, np.full(n_anon, -1)])
    s_t = np.concatenate([orders["t"][web_o], bt, rng.integers(0, horizon, n_anon)])
    s_order = np.concatenate([web_o, np.full(len(bp) + n_anon, -1)])
    ns = len(s_person)
    buy = s_order >= 0
    lines = np.where(buy, n_lines[np.maximum(s_order, 0)], 0)
    n_pv = 1 + rng.poisson(np.where(buy, 0.5, 1.5))
    n_prod = np.where(buy, lines + rng.poisson(0.5, ns), rng.poisson(1.2, ns))
    cart = (n_prod > 0) & (rng.random(ns) < 0.25)
    n_cart = np.where(buy, lines, cart.astype(np.int64))
    n_chk = np.where(buy, 1, (cart & (rng.random(ns) < 0.4)).astype(np.int64))
    has_p = s_person >= 0
    logged = buy | (has_p & (rng.random(ns) < 0.75))
    app_p = np.where(has_p, person["app_share"][np.maximum(s_person, 0)], 0.2)
    sess = {
        "person": s_person,
        "t": s_t,
        "order": s_order,
        "logged": logged,
        "channel": (rng.random(ns) < app_p).astype(np.int64),
        "n_pv": n_pv,
        "n_prod": n_prod,
        "n_cart": n_cart,
        "n_chk": n_chk,
        "n_buy": buy.astype(np.int64),
        "visitor": np.concatenate([np.full(len(web_o) + len(bp), -1), np.arange(n_anon)]),
    }
    return _failed_checkouts(rng, sess)


def _failed_checkouts(rng: np.random.Generator, sess: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The planted friction: app purchases preceded by a session whose payment step failed.

    The failed session starts 1 hour plus an exponential wait (mean 6 hours) before the order,
    views the same number of products, adds one to the cart, begins checkout and stops there.
    """
    fail = np.flatnonzero(
        (sess["order"] >= 0) & (sess["channel"] == 1) & (rng.random(len(sess["t"])) < APP_PAYMENT_FAILURE)
    )
    n = len(fail)
    lead = (3600 + rng.exponential(6 * 3600.0, n)).astype(np.int64)
    one = np.ones(n, np.int64)
    extra = {
        "person": sess["person"][fail],
        "t": np.maximum(sess["t"][fail] - lead, 0),
        "order": np.full(n, -1),
        "logged": np.ones(n, bool),
        "channel": one,
        "n_pv": 1 + rng.poisson(0.5, n),
        "n_prod": np.maximum(sess["n_prod"][fail], 1),
        "n_cart": one,
        "n_chk": one,
        "n_buy": np.zeros(n, np.int64),
        "visitor": np.full(n, -1),
    }
    return {key: np.concatenate([v, extra[key]]) for key, v in sess.items()}


def journeys_truth() -> dict[str, object]:
    """What was planted for the journeys analysis (``params["journeys"]``)."""
    return {
        "funnel": ["page_view", "product_view", "add_to_cart", "begin_checkout", "purchase"],
        "planted_friction": {
            "channel": "app",
            "step": "begin_checkout→purchase",
            "from": "begin_checkout",
            "to": "purchase",
            "touchpoint": "checkout",
            "mechanism": "payment step fails on the app: a share of app purchases is preceded by a "
            "session that begins checkout and ends without a purchase",
            "p_failed_checkout_before_app_purchase": APP_PAYMENT_FAILURE,
            "ces_friction_rate": dict(CES_FRICTION),
            "ces_friction_effect": -1.0,
        },
    }


def session_events(
    rng: np.random.Generator,
    sess: dict[str, np.ndarray],
    *,
    person: dict[str, np.ndarray],
    orders: dict[str, np.ndarray],
    items: dict[str, np.ndarray],
    order_ids: pa.Array,
    cat: Catalogue,
    pj: ProductJson,
    horizon: int,
) -> dict[str, object]:
    """Explode sessions into funnel events with times and JSON properties."""
    c = sess["n_pv"] + sess["n_prod"] + sess["n_cart"] + sess["n_chk"] + sess["n_buy"]
    s = np.repeat(np.arange(len(c)), c)
    r = rank_in_group(c)
    b1 = sess["n_pv"][s]
    b2 = b1 + sess["n_prod"][s]
    b3 = b2 + sess["n_cart"][s]
    b4 = b3 + sess["n_chk"][s]
    etype = np.select([r < b1, r < b2, r < b3, r < b4], [0, 1, 2, 3], 4)
    sub = r - np.select([etype == 0, etype == 1, etype == 2, etype == 3], [0, b1, b2, b3], b4)
    gap = rng.exponential(45.0, len(s))
    gap[r == 0] = 0.0
    off = group_cumsum(gap, c).astype(np.int64)
    starts = group_starts(c)
    dur = off[starts + c - 1]
    s0 = np.where(sess["order"] >= 0, sess["t"] - dur, sess["t"])
    t = np.clip(s0[s] + off, 0, horizon - 1)

    # products of product_view / add_to_cart: the order's lines first, then browsing picks
    o = sess["order"][s]
    line_start = group_starts(np.bincount(items["order"], minlength=len(orders["t"])))
    n_lines = np.bincount(items["order"], minlength=len(orders["t"]))
    is_pv = etype == 1
    from_order = is_pv & (o >= 0) & (sub < n_lines[np.maximum(o, 0)])
    sp = sess["person"][s]
    cum = np.where(
        (sp >= 0)[:, None],
        person["cat_cum"][np.maximum(sp, 0)],
        np.linspace(1.0 / len(V.CATEGORIES), 1.0, len(V.CATEGORIES)),
    )
    pcat = row_choice(rng, cum)
    span = cat.cat_stop[pcat] - cat.cat_start[pcat]
    prod = cat.cat_start[pcat] + np.minimum((rng.random(len(s)) * span).astype(np.int64), span - 1)
    prod[from_order] = items["product"][line_start[o[from_order]] + sub[from_order]]
    is_cart = etype == 2
    pv_index = starts[s] + b1 + sub  # the product_view with the same rank in the session
    prod[is_cart] = prod[pv_index[is_cart]]
    first_pv = np.minimum(starts[s] + b1, len(s) - 1)
    value = np.where(o >= 0, orders["gross"][np.maximum(o, 0)], cat.price[prod[first_pv]])

    props_parts: list[pa.Array] = []
    idx_parts: list[np.ndarray] = []
    sel = np.flatnonzero(etype == 0)
    page = np.where(sub[sel] == 0, 0, 1 + pcat[sel])
    props_parts.append(pj.page.take(pa.array(page)))
    idx_parts.append(sel)
    sel = np.flatnonzero(is_pv)
    props_parts.append(pj.view.take(pa.array(prod[sel])))
    idx_parts.append(sel)
    sel = np.flatnonzero(is_cart)
    props_parts.append(pj.cart.take(pa.array(prod[sel])))
    idx_parts.append(sel)
    sel = np.flatnonzero(etype == 3)
    props_parts.append(_cat('{"cart_value":', _s(value[sel]), "}"))
    idx_parts.append(sel)
    sel = np.flatnonzero(etype == 4)
    props_parts.append(
        _cat(
            '{"order_id":"',
            order_ids.take(pa.array(o[sel])),
            '","value":',
            _s(orders["total"][o[sel]]),
            ',"currency":"VND"}',
        )
    )
    idx_parts.append(sel)
    return _assemble(
        props_parts,
        idx_parts,
        person=sp,
        logged=sess["logged"][s],
        t=t,
        etype=etype,
        channel=sess["channel"][s],
        session=s,
        visitor=sess["visitor"][s],
    )


def email_events(
    rng: np.random.Generator,
    *,
    person: dict[str, np.ndarray],
    btyd: dict[str, np.ndarray],
    consent_start: np.ndarray,
    consent_stop: np.ndarray,
    horizon: int,
) -> dict[str, object]:
    """Weekly campaigns to web members who hold the marketing_email consent at send time."""
    camp_t = np.arange(SECONDS_PER_DAY + 9 * 3600, horizon, CAMPAIGN_EVERY_DAYS * SECONDS_PER_DAY)
    ok = consent_start >= 0
    lo = np.where(ok, np.searchsorted(camp_t, consent_start), 0)
    hi = np.where(ok, np.searchsorted(camp_t, consent_stop), 0)
    cnt = np.maximum(hi - lo, 0)
    p = np.repeat(np.arange(len(cnt)), cnt)
    k = np.repeat(lo, cnt) + rank_in_group(cnt)
    sent = camp_t[k] + rng.integers(0, 7200, len(k))
    dead = (btyd["death_t"][p] >= 0) & (btyd["death_t"][p] < sent)
    opened = rng.random(len(k)) < person["engagement"][p] * np.where(dead, 0.35, 1.0)
    t_open = sent + rng.exponential(6 * 3600.0, len(k)).astype(np.int64)
    opened &= t_open < horizon
    clicked = opened & (rng.random(len(k)) < 0.2)
    t_click = t_open + rng.exponential(120.0, len(k)).astype(np.int64)
    clicked &= t_click < horizon
    kind = np.concatenate(
        [np.zeros(len(k), np.int64), np.ones(opened.sum(), np.int64), np.full(clicked.sum(), 2, np.int64)]
    )
    rows = np.concatenate([np.arange(len(k)), np.flatnonzero(opened), np.flatnonzero(clicked)])
    t = np.concatenate([sent, t_open[opened], t_click[clicked]])
    camp = k[rows]
    base = [
        f'{{"campaign_id":"CMP{i + 1:03d}","subject":"{V.EMAIL_SUBJECTS[i % len(V.EMAIL_SUBJECTS)]}"'
        for i in range(len(camp_t))
    ]
    table = pa.array([b + "}" for b in base] + [b + ',"url":"/khuyen-mai"}' for b in base])
    props = table.take(pa.array(camp + np.where(kind == 2, len(camp_t), 0)))
    return _assemble(
        [props],
        [np.arange(len(rows))],
        person=p[rows],
        logged=np.ones(len(rows), bool),
        t=t,
        etype=5 + kind,
        channel=np.full(len(rows), 2),
        session=np.full(len(rows), -1),
        visitor=np.full(len(rows), -1),
    )


def _assemble(
    props_parts: list[pa.Array], idx_parts: list[np.ndarray], **cols: np.ndarray
) -> dict[str, object]:
    idx = np.concatenate(idx_parts) if idx_parts else np.zeros(0, np.int64)
    props = pa.concat_arrays(
        [
            pa.array(p, pa.string()) if not isinstance(p, pa.Array) else p.cast(pa.string())
            for p in props_parts
        ]
    )
    inverse = np.empty(len(idx), np.int64)
    inverse[idx] = np.arange(len(idx))
    out: dict[str, object] = dict(cols)
    out["props"] = props.take(pa.array(inverse))
    return out


# ---- support tickets -------------------------------------------------------------------


def make_tickets(
    rng: np.random.Generator, *, orders: dict[str, np.ndarray], person: dict[str, np.ndarray], horizon: int
) -> dict[str, np.ndarray]:
    """Tickets caused by orders (late, returned, cancelled, defective) plus account questions.

    Marketplace (shopee) orders are supported by the marketplace and raise no ticket here.
    """
    m = len(orders["t"])
    st, ch, late = orders["status"], orders["channel"], orders["late"]
    own = ch < 2
    u = rng.random(m)
    topic = np.full(m, -1)
    topic[own & (st == 0) & late & (u < 0.12)] = 0
    topic[own & (st == 2) & (u < 0.30)] = np.where(rng.random(m) < 0.7, 1, 3)[own & (st == 2) & (u < 0.30)]
    topic[own & (st == 1) & (u < 0.08)] = 2
    other = own & (st == 0) & ~late & (u < 0.001)
    topic[other] = np.where(rng.random(m) < 0.5, 3, 2)[other]
    tk = np.flatnonzero(topic >= 0)
    delay_days = np.select(
        [topic[tk] == 0, topic[tk] == 2],
        [rng.uniform(5, 10, len(tk)), rng.uniform(0, 1, len(tk))],
        rng.uniform(1, 10, len(tk)),
    )
    # account questions: persons with a web account, rate 0.01 per person
    n = len(person["index"])
    acc = np.flatnonzero(person["in_web"] & (rng.random(n) < 0.01))
    t_acc = rng.integers(0, horizon, len(acc))
    opened = np.concatenate([orders["t"][tk] + (delay_days * SECONDS_PER_DAY).astype(np.int64), t_acc])
    t_person = np.concatenate([orders["person"][tk], acc])
    t_order = np.concatenate([tk, np.full(len(acc), -1)])
    t_topic = np.concatenate([topic[tk], np.full(len(acc), 4)])
    t_source = np.concatenate([ch[tk], np.ones(len(acc), np.int64)])  # 0 pos ref, 1 web ref
    days = np.concatenate([np.floor(delay_days).astype(np.int64), np.zeros(len(acc), np.int64)])
    keep = opened < horizon
    resolve = rng.gamma(2.0, 1.0, len(opened)) * np.where(t_topic == 0, 1.5, 1.0) * SECONDS_PER_DAY
    closed = opened + resolve.astype(np.int64) + 600
    out = {
        "person": t_person,
        "order": t_order,
        "topic": t_topic,
        "source": t_source,
        "opened": opened,
        "closed": np.where(closed < horizon, closed, -1),
        "days": days,
        "channel": rng.integers(0, len(V.TICKET_CHANNELS), len(opened)),
        "ascii": rng.random(len(opened)) < 0.25,
    }
    order = np.lexsort((out["opened"][keep], out["person"][keep]))
    return {key: v[keep][order] for key, v in out.items()}

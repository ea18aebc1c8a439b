"""Purchases: a BG/NBD buy-till-you-die process with Gamma-Gamma spend, and the order lines.

Time unit of the process is the week. Per person:

* first purchase (acquisition) at ``T0 = W * (1 - sqrt(1 - U))``: Beta(1, 2) over the window,
  i.e. acquisition slows down over the two years, as after a launch;
* ``lambda ~ Gamma(r, rate=alpha)``: repeat-purchase rate while alive;
* ``p ~ Beta(a, b)``: after each *repeat* purchase the customer drops out with probability p;
* repeat purchases in ``(T0, end]`` are then ``X = min(N, K)`` with ``N ~ Poisson(lambda * tau)``
  and ``K ~ Geometric(p)``; their times are the first X order statistics of N uniforms on the
  exposure ``tau = end - T0`` (drawn exactly from exponential spacings);
* ``nu ~ Gamma(q, rate=gamma)`` and each order's net value ``z ~ Gamma(p_gg, rate=nu)``,
  rounded to 1,000 VND (Gamma-Gamma).

The time of day is then drawn from shop hours (the calendar day of each purchase is kept).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from centric.demo._catalogue import Catalogue
from centric.demo._common import SECONDS_PER_DAY, group_cumsum, rank_in_group, row_choice

CHANNELS = ("pos", "web", "shopee")
STATUSES = ("completed", "cancelled", "returned")

# hour-of-day weights for purchases (shops open 9-22, online peaks in the evening)
_HOURS = np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 2, 4, 5, 5, 5, 4, 4, 4, 4, 5, 6, 7, 8, 7, 4, 1.5])
_HOUR_CDF = np.cumsum(_HOURS / _HOURS.sum())


@dataclass(frozen=True)
class PurchaseParams:
    """True parameters of the purchase process (BG/NBD in weeks; Gamma-Gamma in VND)."""

    r: float = 0.75
    alpha: float = 1.5
    a: float = 0.8
    b: float = 4.0
    gg_p: float = 6.0
    gg_q: float = 4.0
    gg_gamma: float = 225_000.0  # E[z] = gg_p * gg_gamma / (gg_q - 1) = 450,000 VND
    p_cancelled: float = 0.04
    p_returned: float = 0.02
    p_discount: float = 0.12
    p_late: float = 0.10

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def simulate_btyd(
    rng: np.random.Generator, n: int, weeks: float, prm: PurchaseParams
) -> dict[str, np.ndarray]:
    """Latent parameters and repeat-purchase times (weeks since the window start) of ``n`` persons."""
    t0 = weeks * (1.0 - np.sqrt(1.0 - rng.random(n)))
    lam = rng.gamma(prm.r, 1.0 / prm.alpha, n)
    p = rng.beta(prm.a, prm.b, n)
    tau = weeks - t0
    big_n = rng.poisson(lam * tau)
    k = rng.geometric(np.maximum(p, 1e-12))
    x = np.minimum(big_n, k)
    alive = k > big_n
    e = rng.exponential(size=int(x.sum()))
    cs = group_cumsum(e, x)
    sx = np.bincount(np.repeat(np.arange(n), x), weights=e, minlength=n)
    g = rng.gamma(big_n - x + 1.0)
    scale = tau / (sx + g)
    rep_t = np.repeat(t0, x) + np.repeat(scale, x) * cs
    nu = rng.gamma(prm.gg_q, 1.0 / prm.gg_gamma, n)
    return {"t0_w": t0, "tau_w": tau, "lam": lam, "p": p, "x": x, "alive": alive, "rep_w": rep_t, "nu": nu}


def simulate_orders(
    rng: np.random.Generator,
    person: dict[str, np.ndarray],
    btyd: dict[str, np.ndarray],
    prm: PurchaseParams,
    catalogue: Catalogue,
    horizon: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Orders (one row each) and order lines of the persons, sorted by person then time."""
    n = len(person["index"])
    counts = 1 + btyd["x"]
    op = np.repeat(np.arange(n), counts)
    rank = rank_in_group(counts)
    t_w = np.empty(len(op))
    t_w[rank == 0] = btyd["t0_w"]
    t_w[rank > 0] = btyd["rep_w"]
    day = np.minimum(np.floor(t_w * 7.0), horizon // SECONDS_PER_DAY - 1).astype(np.int64)
    hour = np.searchsorted(_HOUR_CDF, rng.random(len(op)) * 0.999999, side="right")
    t = day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, len(op))
    order = np.lexsort((t, op))
    op, t = op[order], t[order]
    m = len(op)

    member = np.stack([person["in_pos"], person["in_web"], person["in_shopee"]], axis=1)
    w = np.array([1.0, 0.8, 0.5]) * rng.gamma(2.0, 1.0, (n, 3)) * member
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    channel = row_choice(rng, cum[op])

    u = rng.random(m)
    status = np.where(u < prm.p_cancelled, 1, np.where(u < prm.p_cancelled + prm.p_returned, 2, 0))
    delivered = channel > 0
    late = delivered & (rng.random(m) < np.where(status == 2, 3 * prm.p_late, prm.p_late))
    bad = (status > 0) | late
    prior_bad = group_cumsum(bad.astype(np.int64), counts) - bad

    z = rng.gamma(prm.gg_p, 1.0 / btyd["nu"][op])
    net = np.maximum(np.round(z / 1000.0), 10).astype(np.int64) * 1000
    disc = (rng.random(m) < prm.p_discount) & (channel < 2)  # marketplace vouchers are not in its export
    rate = rng.uniform(0.05, 0.15, m)
    gross = np.where(disc, np.round(net / (1.0 - rate) / 1000.0).astype(np.int64) * 1000, net)
    orders = {
        "person": op,
        "t": t,
        "channel": channel,
        "status": status,
        "late": late,
        "prior_bad": prior_bad,
        "total": net,
        "discount": gross - net,
        "gross": gross,
    }
    items = _order_lines(rng, person, orders, catalogue)
    died = ~btyd["alive"]
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, op, t)
    btyd["death_t"] = np.where(died, last, -1)
    btyd["t0"] = t[rank_in_group(counts) == 0]
    return orders, items


def _order_lines(
    rng: np.random.Generator, person: dict[str, np.ndarray], orders: dict[str, np.ndarray], cat: Catalogue
) -> dict[str, np.ndarray]:
    """1-4 lines per order whose amounts add up exactly to the order's gross value."""
    gross = orders["gross"]
    m = len(gross)
    lam = np.clip(gross / 400_000.0, 0.0, 3.0) * 0.8
    n_lines = np.where(gross < 60_000, 1, np.clip(1 + rng.poisson(lam), 1, 4))
    lo = np.repeat(np.arange(m), n_lines)
    line = rank_in_group(n_lines) + 1
    qu = rng.random(len(lo))
    qty = np.where(line == 1, 1, np.where(qu < 0.85, 1, np.where(qu < 0.97, 2, 3)))
    w = rng.gamma(3.0, 1.0, len(lo))
    share = w / np.bincount(lo, weights=w, minlength=m)[lo]
    target = gross[lo] * share / qty
    category = row_choice(rng, person["cat_cum"][orders["person"][lo]])
    prod = cat.nearest(rng, category, target)
    list_price = cat.price[prod]
    factor = gross / np.bincount(lo, weights=qty * list_price, minlength=m)
    unit = np.maximum(np.round(list_price * factor[lo] / 1000.0), 1).astype(np.int64) * 1000
    rest = np.bincount(lo, weights=np.where(line > 1, qty * unit, 0), minlength=m).astype(np.int64)
    first = gross - rest
    broken = first < 1000  # rounding ate the first line: sell the basket as one line instead
    keep = ~(broken[lo] & (line > 1))
    first = np.where(broken, gross, first)
    unit = np.where(line == 1, first[lo], unit)
    return {
        "order": lo[keep],
        "line": line[keep],
        "product": prod[keep],
        "qty": qty[keep],
        "unit": unit[keep],
    }

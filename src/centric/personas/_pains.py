"""Persona pain points: what a persona complains about *more often than everyone else*, with its n.

Sources, both read in the backend:

* **tickets** — each ticket's ``topic`` is mapped to a theme of :data:`PAIN_THEMES` by keyword
  (ASCII-folded Vietnamese or English, whole words); a topic no theme matches stays its own pain
  point (key ``"ticket:<topic>"``, labelled with the topic as written);
* **negative feedback** — NPS 0–6, CSAT 1–2, CES 2.0 1–3 (1–7, "easy" is high) and CES 1.0 4–5
  (1–5, effort is high). An answer counts for every theme its comment names, and for the theme of
  its touchpoint (:data:`TOUCHPOINT_THEMES`: a hard ``checkout``, an unhappy ``support_ticket``)
  even without a comment.

The unit is the customer: for each persona and theme, ``customers`` is how many of the persona's
``n`` customers have at least one such ticket or answer, ``share`` = customers / n, and the same
for everyone else (``share_others``). ``lift`` = share / share_others (the risk ratio), with the
Katz log interval (``lift_low``, ``lift_high``, 95 %) and the two-sided Fisher exact ``p_value``.
``count`` is the number of tickets and answers, ``per_100_customers`` = 100 × count / n.

Ranking: a theme with fewer than ``min_count`` customers is flagged ``small_sample`` and listed
last, never hidden; among the rest, themes whose interval lies above 1 (``distinctive``) come first;
each tier is sorted by lift. The distinct comments and topics are matched in Python (they are
few: the matching table goes back into the backend as a memtable), the counting is set-based.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from centric.metrics._ces import _version_expr
from centric.store import Store

__all__ = ["MIN_PAIN_COUNT", "PAIN_THEMES", "TOUCHPOINT_THEMES", "pain_points", "pain_stats"]

#: Complaint themes: key → (English, Vietnamese, ASCII-folded whole-word keywords).
PAIN_THEMES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "delivery": (
        "slow or careless delivery",
        "giao hàng chậm hoặc cẩu thả",
        (
            *("giao hang", "giao cham", "giao tre", "nhan duoc hang", "dong goi", "van chuyen"),
            *("delivery", "shipping", "packaging", "package", "waited"),
        ),
    ),
    "returns": (
        "returns and exchanges",
        "đổi trả hàng",
        ("doi tra", "tra hang", "doi hang", "doi size", "return", "returns", "exchange"),
    ),
    "price": (
        "prices",
        "giá cả",
        ("gia hoi cao", "gia cao", "dat qua", "price", "prices", "pricey", "expensive"),
    ),
    "staff": ("staff attitude", "thái độ nhân viên", ("nhan vien", "thai do", "staff", "rude")),
    "quality": (
        "product quality",
        "chất lượng sản phẩm",
        (
            *("chat luong", "san pham loi", "san pham bi loi", "hang loi", "hang bi loi", "bi vo", "bi hong"),
            *("hu hong", "khong giong hinh", "quality", "defect", "defective", "damaged", "broken"),
        ),
    ),
    "payment": (
        "payment",
        "thanh toán",
        ("thanh toan", "tru tien", "hoan tien", "payment", "charged", "refund"),
    ),
    "checkout": (
        "a hard checkout",
        "đặt hàng khó khăn",
        ("nhieu buoc", "rat roi", "ma giam gia", "too many steps", "many steps", "discount code"),
    ),
    "app": ("the app or website", "ứng dụng hoặc website", ("ung dung", "app", "website", "web")),
    "account": (
        "account and login",
        "tài khoản và đăng nhập",
        ("tai khoan", "dang nhap", "mat khau", "account", "login", "log in", "password"),
    ),
    "support": ("customer support", "hỗ trợ khách hàng", ("ho tro", "cham soc khach hang", "support")),
}
#: A negative answer at this touchpoint counts for this theme, with or without a comment.
TOUCHPOINT_THEMES: dict[str, str] = {"checkout": "checkout", "support_ticket": "support", "delivery": "delivery"}
#: Fewer customers than this with a pain point: ``small_sample``, ranked last.
MIN_PAIN_COUNT = 10

_PATTERNS = {
    key: re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])")
    for key, (_en, _vi, words) in PAIN_THEMES.items()
}


def fold(text: str) -> str:
    """Lower-case ASCII folding of Vietnamese text (đ → d, diacritics dropped)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def themes_of(text: Any) -> list[str]:
    """The :data:`PAIN_THEMES` keys whose keywords occur (as whole words) in ``text``."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    folded = fold(str(text))
    return [key for key, pat in _PATTERNS.items() if pat.search(folded)]


def _negative(fb: ibis.Table) -> ibis.Value:
    v = _version_expr(fb)
    return (
        ((fb.instrument == "nps") & (fb.score <= 6))
        | ((fb.instrument == "csat") & (fb.score <= 2))
        | ((fb.instrument == "ces") & (v == "2.0") & (fb.score <= 3))
        | ((fb.instrument == "ces") & (v == "1.0") & (fb.score >= 4))
    )


def _ticket_hits(store: Store, end: Any) -> ibis.Table | None:
    """(customer_id, key, source, events): one row per customer, pain key, from tickets."""
    tk = store.table("tickets")
    if end is not None:
        tk = tk.filter(tk.opened_at < ibis.literal(end))
    tk = tk.filter(tk.customer_id.notnull() & tk.topic.notnull())
    topics = tk.select("topic").distinct().execute()["topic"].astype(str)
    rows = []
    for topic in topics:
        keys = themes_of(topic) or [f"ticket:{topic}"]
        rows += [{"_topic": topic, "key": k} for k in keys]
    if not rows:
        return None
    m = ibis.memtable(pd.DataFrame(rows))
    j = tk.join(m, tk.topic == m._topic)
    return j.group_by([j.customer_id, j.key]).aggregate(events=j.count()).mutate(source=ibis.literal("tickets"))


def _feedback_hits(store: Store, end: Any) -> ibis.Table | None:
    """(customer_id, key, source, events) from negative answers: comment themes ∪ touchpoint theme."""
    fb = store.table("feedback")
    if end is not None:
        fb = fb.filter(fb.submitted_at < ibis.literal(end))
    fb = fb.filter(_negative(fb) & fb.customer_id.notnull())
    fb = fb.mutate(_c=fb.comment.fill_null(""), _t=fb.touchpoint.fill_null(""))
    pairs = fb.select("_c", "_t").distinct().execute()
    rows = []
    for c, t in zip(pairs["_c"].astype(str), pairs["_t"].astype(str), strict=True):
        keys = set(themes_of(c))
        if t in TOUCHPOINT_THEMES:
            keys.add(TOUCHPOINT_THEMES[t])
        rows += [{"_cc": c, "_tt": t, "key": k} for k in sorted(keys)]
    if not rows:
        return None
    m = ibis.memtable(pd.DataFrame(rows))
    j = fb.join(m, (fb._c == m._cc) & (fb._t == m._tt))
    return j.group_by([j.customer_id, j.key]).aggregate(events=j.count()).mutate(source=ibis.literal("feedback"))


def _label(key: str) -> tuple[str, str]:
    if key in PAIN_THEMES:
        return PAIN_THEMES[key][0], PAIN_THEMES[key][1]
    raw = key.split(":", 1)[-1]
    return raw, raw


def pain_stats(a: int, n1: int, b: int, n2: int) -> dict[str, float | None]:
    """Share, lift (risk ratio) with the Katz 95 % interval and the Fisher p-value of a 2×2 table.

    ``a`` of ``n1`` persona customers and ``b`` of ``n2`` other customers have the pain point.
    The lift is None when no other customer has it; the interval then uses 0.5 added to each cell.
    """
    share = a / n1 if n1 else None
    other = b / n2 if n2 else None
    lift = share / other if share is not None and other else None
    lo = hi = p = None
    if n1 and n2:
        aa, bb, m1, m2 = (a, b, n1, n2) if a and b else (a + 0.5, b + 0.5, n1 + 1.0, n2 + 1.0)
        rr = (aa / m1) / (bb / m2)
        se = math.sqrt(1 / aa - 1 / m1 + 1 / bb - 1 / m2)
        lo, hi = rr * math.exp(-1.959963984540054 * se), rr * math.exp(1.959963984540054 * se)
        p = float(fisher_exact([[a, n1 - a], [b, n2 - b]]).pvalue)
    return {"share": share, "share_others": other, "lift": lift, "lift_low": lo, "lift_high": hi, "p_value": p}


def pain_points(
    store: Store, labels: pd.Series, end: Any, top: int, *, min_count: int = MIN_PAIN_COUNT
) -> dict[int, list[dict[str, Any]]]:
    """The ``top`` pain points of each persona, the most over-represented first (see module doc)."""
    parts = [h for h in (_ticket_hits(store, end), _feedback_hits(store, end)) if h is not None]
    if not parts:
        return {}
    ids = ibis.memtable(pd.DataFrame({"_cid": labels.index.astype(str), "persona_id": labels.to_numpy(np.int64)}))
    hits = ibis.union(*parts) if len(parts) > 1 else parts[0]
    hits = hits.join(ids, hits.customer_id == ids._cid)
    per_cust = hits.group_by(["persona_id", "customer_id", "key"]).aggregate(events=hits.events.sum())
    agg = (
        per_cust.group_by(["persona_id", "key"])
        .aggregate(customers=per_cust.count(), count=per_cust.events.sum())
        .execute()
    )
    srcs = hits.select("key", "source").distinct().execute()
    sources = srcs.groupby("key")["source"].agg(lambda s: "+".join(sorted(set(s)))).to_dict()
    sizes = labels.value_counts()
    total = len(labels)
    all_customers = agg.groupby("key")["customers"].sum()
    out: dict[int, list[dict[str, Any]]] = {}
    for pid in sorted(int(x) for x in sizes.index):
        n1 = int(sizes[pid])
        g = agg[agg["persona_id"] == pid].set_index("key")
        items = []
        for key in all_customers.index:
            a = int(g["customers"].get(key, 0))
            if a == 0:
                continue
            b = int(all_customers[key]) - a
            st = pain_stats(a, n1, b, total - n1)
            small = a < min_count
            lo = st["lift_low"]
            en, vi = _label(str(key))
            items.append(
                {
                    "key": str(key),
                    "label_en": en,
                    "label_vi": vi,
                    "source": sources.get(key, ""),
                    "count": int(g["count"].get(key, 0)),
                    "per_100_customers": 100.0 * int(g["count"].get(key, 0)) / n1,
                    "customers": a,
                    "n": n1,
                    "customers_others": b,
                    "n_others": total - n1,
                    **st,
                    "small_sample": small,
                    "distinctive": bool(not small and lo is not None and lo > 1.0),
                }
            )
        items.sort(
            key=lambda d: (
                d["small_sample"],
                not d["distinctive"],
                -(d["lift"] if d["lift"] is not None else math.inf),
                -d["customers"],
                d["key"],
            )
        )
        out[pid] = items[:top]
    return out

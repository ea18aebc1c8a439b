"""Per-customer reasons for churn risk, in plain Vietnamese and English.

Related features form one *driver* (recency with the usual gap between orders,
the order trend, e-mail engagement, CSAT …). A driver's weight for a customer is
the sum of its features' TreeSHAP contributions to the log-odds of churn; the
drivers that push the risk up most are written out with the customer's own
numbers by the templates below (no external model). A driver whose values are
missing for the customer (never answered a survey, say) is not written out: an
absence is not a reason a marketer can act on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from centric.exceptions import InvalidParameterError
from centric.i18n import fmt_money, fmt_number

__all__ = ["DRIVERS", "render_reasons", "top_drivers"]

#: driver -> the features whose contributions it sums
DRIVERS: dict[str, tuple[str, ...]] = {
    "recency": ("recency_days", "mean_gap_days", "recency_gap_ratio"),
    "frequency": ("frequency", "tenure_days"),
    "trend": (
        "orders_90d",
        "orders_prev_90d",
        "orders_trend",
        "revenue_90d",
        "revenue_prev_90d",
        "revenue_trend",
    ),
    "spend": ("monetary", "avg_order_value"),
    "bad_orders": ("bad_order_share", "bad_orders"),
    "browsing": ("web_events_30d", "web_events_90d", "days_since_event"),
    "email": ("emails_sent_90d", "email_opens_90d", "email_clicks_90d"),
    "nps": ("nps_last", "nps_mean"),
    "csat": ("csat_last", "csat_mean"),
    "ces": ("ces_last",),
    "negative": ("negative_answers",),
    "tickets": ("tickets", "tickets_open"),
    "late_delivery": ("tickets_late_delivery",),
    "p_alive": ("p_alive",),
}
MIN_CONTRIBUTION = 0.02  # log-odds; smaller pushes are not worth a sentence

Row = dict[str, float]
Text = tuple[str, str] | None  # (en, vi), or None: nothing to say for this customer


def _ok(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _i(x: float) -> int:
    return round(float(x))


def _num(x: float, lang: str, decimals: int = 0) -> str:
    return fmt_number(x, lang, decimals)


def _times_en(x: float) -> str:
    if x >= 10:
        return "more than ten times"
    if x < 1.75:
        return "1.5 times"
    if x < 2.5:
        return "twice"
    if x < 3.5:
        return "three times"
    return f"{_i(x)} times"


def _times_vi(x: float) -> str:
    if x >= 10:
        return "hơn mười lần"
    if x < 1.75:
        return "gấp rưỡi"
    if x < 2.5:
        return "gấp đôi"
    if x < 3.5:
        return "gấp ba"
    return f"gấp {_i(x)} lần"


def _recency(r: Row) -> Text:
    days = r.get("recency_days")
    if not _ok(days):
        return None
    gap, ratio, freq = r.get("mean_gap_days"), r.get("recency_gap_ratio"), r.get("frequency")
    if days < 14 or (_ok(ratio) and ratio < 1.0):
        return None  # a recent order is no reason to leave
    d_en, d_vi = _num(days, "en"), _num(days, "vi")
    if not _ok(gap) or not _ok(ratio):
        if _ok(freq) and _i(freq) == 1:
            return (
                f"no repeat order in the {d_en} days since their first order",
                f"chưa quay lại mua sau đơn đầu tiên, đã {d_vi} ngày",
            )
        return f"no order for {d_en} days", f"chưa mua hàng {d_vi} ngày"
    if ratio >= 1.25:
        return (
            f"no order for {d_en} days, {_times_en(ratio)} their usual gap",
            f"chưa mua hàng {d_vi} ngày, {_times_vi(ratio)} chu kỳ thường lệ",
        )
    return (
        f"no order for {d_en} days (usually every {_num(gap, 'en')} days)",
        f"chưa mua hàng {d_vi} ngày (thường {_num(gap, 'vi')} ngày mua một lần)",
    )


def _frequency(r: Row) -> Text:
    n, tenure = r.get("frequency"), r.get("tenure_days")
    if not _ok(n):
        return None
    n = _i(n)
    if n > 3:
        return None
    if n <= 1:
        return "only one order so far", "mới mua một đơn"
    if _ok(tenure) and tenure >= 60:
        months = max(_i(tenure / 30.44), 2)
        return f"only {n} orders in {months} months", f"chỉ {n} đơn trong {months} tháng"
    return f"only {n} orders so far", f"mới mua {n} đơn"


def _trend(r: Row) -> Text:
    now, before = r.get("orders_90d"), r.get("orders_prev_90d")
    if not _ok(now) or not _ok(before):
        return None
    now, before = _i(now), _i(before)
    if now < before:
        return (
            f"orders fell from {before} to {now} (last 90 days vs the 90 before)",
            f"số đơn giảm từ {before} xuống {now} (90 ngày gần nhất so với 90 ngày trước đó)",
        )
    if now == 0:
        return "no order in the last 90 days", "không có đơn nào trong 90 ngày gần nhất"
    return None


def _spend(r: Row) -> Text:
    aov, typical = r.get("avg_order_value"), r.get("_ref_avg_order_value")
    if not _ok(aov) or (_ok(typical) and aov >= typical):
        return None
    return (
        f"low spend: {fmt_money(aov, 'en')} per order on average",
        f"chi tiêu thấp: trung bình {fmt_money(aov, 'vi')} mỗi đơn",
    )


def _bad_orders(r: Row) -> Text:
    bad, share = r.get("bad_orders"), r.get("bad_order_share")
    if not _ok(bad) or _i(bad) == 0:
        return None
    total = _i(bad / share) if _ok(share) and share > 0 else None
    b = _i(bad)
    if total:
        return f"{b} of {total} orders cancelled or returned", f"{b}/{total} đơn bị hủy hoặc trả lại"
    return f"{b} orders cancelled or returned", f"{b} đơn bị hủy hoặc trả lại"


def _browsing(r: Row) -> Text:
    w90, since = r.get("web_events_90d"), r.get("days_since_event")
    if not _ok(w90):
        return None
    if _i(w90) == 0:
        if not _ok(since):
            return "has never used the website or app", "chưa từng dùng website hay ứng dụng"
        return (
            "no visit to the website or app in 90 days",
            "không truy cập website hay ứng dụng trong 90 ngày",
        )
    if _i(w90) > 2:
        return None
    return (
        f"only {_i(w90)} website/app actions in 90 days",
        f"chỉ {_i(w90)} lượt tương tác trên website/ứng dụng trong 90 ngày",
    )


def _email(r: Row) -> Text:
    sent, opens = r.get("emails_sent_90d"), r.get("email_opens_90d")
    if not _ok(opens) or not _ok(sent) or (_i(sent) == 0 and _i(opens) == 0):
        return None
    if _i(opens) == 0:
        return "opened no e-mail in 90 days", "không mở e-mail nào trong 90 ngày"
    if opens >= 0.25 * sent:
        return None
    return (
        f"opened only {_i(opens)} of {_i(sent)} e-mails in 90 days",
        f"chỉ mở {_i(opens)}/{_i(sent)} e-mail trong 90 ngày",
    )


def _score(key: str, label_en: str, label_vi: str, top: int, worst_ok: float) -> Callable[[Row], Text]:
    def render(r: Row) -> Text:
        v = r.get(key)
        if not _ok(v) or v > worst_ok:  # a good score is no reason to leave
            return None
        return f"last {label_en} {_num(v, 'en')}/{top}", f"{label_vi} gần nhất {_num(v, 'vi')}/{top}"

    return render


def _negative(r: Row) -> Text:
    n = r.get("negative_answers")
    if not _ok(n) or _i(n) == 0:
        return None
    n = _i(n)
    return (f"{n} negative survey answer{'s' if n > 1 else ''}", f"{n} câu trả lời khảo sát tiêu cực")


def _tickets(r: Row) -> Text:
    n, still = r.get("tickets"), r.get("tickets_open")
    if not _ok(n) or _i(n) == 0:
        return None
    n = _i(n)
    en = f"{n} support ticket{'s' if n > 1 else ''}"
    vi = f"{n} yêu cầu hỗ trợ"
    if _ok(still) and _i(still) > 0:
        en += f", {_i(still)} still open"
        vi += f", {_i(still)} chưa được giải quyết"
    return en, vi


def _late(r: Row) -> Text:
    n = r.get("tickets_late_delivery")
    if not _ok(n) or _i(n) == 0:
        return None
    n = _i(n)
    if n == 1:
        return "complained about a late delivery", "đã phàn nàn về giao hàng chậm"
    return f"complained about late delivery {n} times", f"đã phàn nàn về giao hàng chậm {n} lần"


def _p_alive(r: Row) -> Text:
    p = r.get("p_alive")
    if not _ok(p):
        return None
    if p >= 0.5:
        return None
    pct_en = "under 1%" if p < 0.005 else f"{_num(100 * p, 'en')}%"
    pct_vi = "dưới 1%" if p < 0.005 else f"{_num(100 * p, 'vi')}%"
    return (
        f"low chance of still being an active buyer (P(alive) {pct_en})",
        f"khả năng còn là khách mua thường xuyên thấp (P(alive) {pct_vi})",
    )


TEMPLATES: dict[str, Callable[[Row], Text]] = {
    "recency": _recency,
    "frequency": _frequency,
    "trend": _trend,
    "spend": _spend,
    "bad_orders": _bad_orders,
    "browsing": _browsing,
    "email": _email,
    "nps": _score("nps_last", "NPS", "NPS", 10, worst_ok=6),
    "csat": _score("csat_last", "CSAT", "CSAT", 5, worst_ok=3),
    "ces": _score("ces_last", "CES", "CES", 7, worst_ok=4),
    "negative": _negative,
    "tickets": _tickets,
    "late_delivery": _late,
    "p_alive": _p_alive,
}


def _groups(columns: list[str]) -> dict[str, list[str]]:
    """Drivers present among ``columns``; a column in no driver is its own driver."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for name, feats in DRIVERS.items():
        cols = [f for f in feats if f in columns]
        if cols:
            out[name] = cols
            seen.update(cols)
    for c in columns:
        if c not in seen and c != "bias":
            out[c] = [c]
    return out


def top_drivers(contrib: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """The drivers pushing each customer's risk up most (names), from per-feature contributions."""
    groups = _groups(list(contrib.columns))
    names = list(groups)
    sums = np.column_stack([contrib[cols].to_numpy(float).sum(axis=1) for cols in groups.values()])
    order = np.argsort(-sums, axis=1, kind="stable")
    out = {}
    for k in range(min(top, len(names))):
        idx = order[:, k]
        val = sums[np.arange(len(sums)), idx]
        out[f"driver_{k + 1}"] = np.where(val > MIN_CONTRIBUTION, np.array(names, dtype=object)[idx], None)
    return pd.DataFrame(out, index=contrib.index)


def _generic(name: str) -> Callable[[Row], Text]:
    def render(r: Row) -> Text:
        v = r.get(name)
        if not _ok(v):
            return None
        return f"{name} = {_num(v, 'en', 2)}", f"{name} = {_num(v, 'vi', 2)}"

    return render


def render_reasons(
    X: pd.DataFrame,
    contrib: pd.DataFrame,
    *,
    top: int = 3,
    lang: str = "vi",
    reference: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Reasons ``reason_1`` … ``reason_{top}`` per customer, in ``lang`` ("vi" or "en").

    ``reference`` holds typical values (training medians) that some templates
    compare with, e.g. a low average order value.
    """
    if lang not in ("vi", "en"):
        raise InvalidParameterError(
            f"The 'lang' parameter must be one of ['vi', 'en']. Got {lang!r} instead."
        )
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise InvalidParameterError(
            f"The 'top' parameter must be an int in the range [1, inf). Got {top!r} instead."
        )
    groups = _groups([c for c in contrib.columns if c != "bias"])
    names = list(groups)
    sums = np.column_stack([contrib[cols].to_numpy(float).sum(axis=1) for cols in groups.values()])
    order = np.argsort(-sums, axis=1, kind="stable")
    pick = 1 if lang == "vi" else 0
    records = X.to_dict("records")
    ref = {f"_ref_{k}": v for k, v in (reference or {}).items()}
    rows: list[list[str | None]] = []
    for i, row in enumerate(records):
        row.update(ref)
        texts: list[str | None] = []
        for j in order[i]:
            if len(texts) == top or sums[i, j] <= MIN_CONTRIBUTION:
                break
            text = TEMPLATES.get(names[j], _generic(names[j]))(row)
            if text is not None:
                texts.append(text[pick])
        rows.append(texts + [None] * (top - len(texts)))
    return pd.DataFrame(rows, index=X.index, columns=[f"reason_{k + 1}" for k in range(top)])

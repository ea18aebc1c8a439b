"""The wording of each churn driver, in English and Vietnamese, with the customer's own numbers.

:data:`TEMPLATES` maps a driver (see :data:`centric.churn._reasons.DRIVERS`) to a
function of one customer's values that returns ``(en, vi)``, or None when the
driver is nothing to tell the customer about (a recent order, a good score, a
missing value). :data:`INPUTS` names the values each template reads: its
wording depends on them and on the ``_ref_*`` typical values only, which lets
:func:`centric.churn._reasons.render_reasons` run a template once per distinct
set of inputs. For the drivers read from continuous values (days, P(alive),
money) :data:`KEYS` goes further: it maps the inputs to what the wording shows
(the rounded number, the branch taken), so customers who read the same sentence
share one template call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from centric.i18n import fmt_money, fmt_number

__all__ = ["INPUTS", "KEYS", "TEMPLATES", "Row", "Text", "generic"]

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

#: driver -> the columns its template reads (its wording depends on these and ``reference`` only)
INPUTS: dict[str, tuple[str, ...]] = {
    "recency": ("recency_days", "mean_gap_days", "recency_gap_ratio", "frequency"),
    "frequency": ("frequency", "tenure_days"),
    "trend": ("orders_90d", "orders_prev_90d"),
    "spend": ("avg_order_value",),
    "bad_orders": ("bad_orders", "bad_order_share"),
    "browsing": ("web_events_90d", "days_since_event"),
    "email": ("emails_sent_90d", "email_opens_90d"),
    "nps": ("nps_last",),
    "csat": ("csat_last",),
    "ces": ("ces_last",),
    "negative": ("negative_answers",),
    "tickets": ("tickets", "tickets_open"),
    "late_delivery": ("tickets_late_delivery",),
    "p_alive": ("p_alive",),
}


def _shown(x: np.ndarray) -> np.ndarray:
    """The integer ``fmt_number(x, lang, 0)`` writes: half up on the shortest repr, which is half up on x.

    The sign is kept, so that -0.3 (written "-0") and 0.3 ("0") stay apart.
    """
    a = np.abs(x)
    whole = np.floor(a)
    return np.copysign(whole + (a - whole >= 0.5), x)  # a - whole is exact


def _recency_key(v: dict[str, np.ndarray], ref: Row) -> np.ndarray:
    days, gap, ratio, freq = v["recency_days"], v["mean_gap_days"], v["recency_gap_ratio"], v["frequency"]
    silent = np.isnan(days) | (days < 14) | (ratio < 1.0)  # NaN compares False, like `_ok(ratio) and …`
    plain = ~silent & (np.isnan(gap) | np.isnan(ratio))
    one = plain & (np.round(freq) == 1)
    times = ~silent & ~plain & (ratio >= 1.25)
    told = np.select([ratio >= 10, ratio < 1.75, ratio < 2.5, ratio < 3.5], [-1.0, -2.0, -3.0, -4.0], np.round(ratio))
    usual = ~silent & ~plain & ~times
    return np.column_stack(
        [
            silent,
            np.where(silent, 0.0, _shown(days)),
            plain,
            one,
            times,
            np.where(times, told, 0.0),
            usual,
            np.where(usual, _shown(gap), 0.0),
        ]
    )


def _frequency_key(v: dict[str, np.ndarray], ref: Row) -> np.ndarray:
    n, tenure = np.round(v["frequency"]), v["tenure_days"]
    silent = np.isnan(n) | (n > 3)
    months = np.where(~silent & (n > 1) & (tenure >= 60), np.maximum(np.round(tenure / 30.44), 2), 0.0)
    return np.column_stack([silent, np.where(silent, 0.0, np.maximum(n, 1)), months])


def _p_alive_key(v: dict[str, np.ndarray], ref: Row) -> np.ndarray:
    p = v["p_alive"]
    silent = np.isnan(p) | (p >= 0.5)
    tiny = ~silent & (p < 0.005)
    return np.column_stack([silent, tiny, np.where(silent | tiny, 0.0, _shown(100 * p))])


def _spend_key(v: dict[str, np.ndarray], ref: Row) -> np.ndarray:
    aov, typical = v["avg_order_value"], ref.get("_ref_avg_order_value")
    silent = np.isnan(aov) | (aov >= typical if _ok(typical) else False)
    return np.column_stack([silent, np.where(silent, 0.0, _shown(aov))])


#: driver -> what its wording depends on, computed set-wise from :data:`INPUTS` (equal keys, equal text)
KEYS: dict[str, Callable[[dict[str, np.ndarray], Row], np.ndarray]] = {
    "recency": _recency_key,
    "frequency": _frequency_key,
    "p_alive": _p_alive_key,
    "spend": _spend_key,
}


def generic(name: str) -> Callable[[Row], Text]:
    """The template of a feature in no driver: ``name = value``."""

    def render(r: Row) -> Text:
        v = r.get(name)
        if not _ok(v):
            return None
        return f"{name} = {_num(v, 'en', 2)}", f"{name} = {_num(v, 'vi', 2)}"

    return render

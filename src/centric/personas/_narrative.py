"""Persona names and short narratives in Vietnamese and English, written from the profile by templates.

No language model is involved: a name is a behaviour label chosen by fixed rules on the
persona's lifts (value, frequency, basket size, engagement, app use) plus its category focus;
the narrative is a handful of template sentences filled from the profile. Vietnamese text is
NFC, uses ``,`` as the decimal mark and speaks of "nhóm khách này" (no anh/chị).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from centric.i18n import fmt_money, fmt_number, fmt_percent

__all__ = ["CATEGORY_NAMES", "name_personas", "narrative", "pain_sentence", "trait_phrase"]

#: Category display names (the demo's Vietnamese categories); unknown ones are shown as they are.
CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "Chăm sóc da": ("skin care", "chăm sóc da"),
    "Trang điểm": ("make-up", "trang điểm"),
    "Nước hoa": ("perfume", "nước hoa"),
    "Chăm sóc tóc": ("hair care", "chăm sóc tóc"),
    "Thời trang nữ": ("women's fashion", "thời trang nữ"),
    "Thời trang nam": ("men's fashion", "thời trang nam"),
    "Giày dép": ("shoes", "giày dép"),
    "Túi xách & phụ kiện": ("bags & accessories", "túi xách & phụ kiện"),
    "Đồ gia dụng": ("household goods", "đồ gia dụng"),
    "Trang trí nhà cửa": ("home décor", "trang trí nhà cửa"),
}
CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "pos": ("in store", "tại cửa hàng"),
    "web": ("on the web store", "trên website"),
    "shopee": ("on Shopee", "trên Shopee"),
    "app": ("in the app", "trên ứng dụng"),
}
LIFE_NAMES: dict[str, tuple[str, str]] = {
    "student": ("students", "sinh viên"),
    "young_professional": ("young professionals", "người đi làm trẻ"),
    "new_parent": ("new parents", "cha mẹ mới"),
    "family_with_children": ("families with children", "gia đình có con"),
    "empty_nester": ("empty nesters", "cha mẹ có con đã trưởng thành"),
    "retiree": ("retirees", "người đã nghỉ hưu"),
}
#: feature → (English, Vietnamese) verb phrase, as in "They <phrase> 2.3× more than other customers".
TRAIT_PHRASES: dict[str, tuple[str, str]] = {
    "frequency": ("order", "đặt hàng"),
    "monetary": ("spend", "chi tiêu"),
    "aov": ("spend per order", "chi tiêu cho mỗi đơn"),
    "discount_share": ("use discounts", "dùng mã giảm giá"),
    "clv_12m": ("are expected to spend over the next 12 months", "được dự báo chi tiêu trong 12 tháng tới"),
    "recency_days": ("have gone without ordering", "đã không mua hàng"),
    "tenure_days": ("have been customers", "đã gắn bó"),
    "p_alive": ("look likely to still be active", "có khả năng vẫn còn mua"),
    "app_share": ("use the app", "dùng ứng dụng"),
    "engagement_index": ("engage with the brand", "tương tác với thương hiệu"),
    "email_open_rate": ("open our e-mails", "mở e-mail"),
    "nps_mean": ("recommend us", "sẵn lòng giới thiệu"),
    "csat_mean": ("rate their experience", "đánh giá trải nghiệm"),
    "tickets": ("contact support", "liên hệ bộ phận hỗ trợ"),
}

# behaviour labels: key → (English, Vietnamese)
_LABELS: dict[str, tuple[str, str]] = {
    "loyal_big": ("Loyal big spenders", "Khách chi tiêu lớn trung thành"),
    "big": ("Big spenders", "Khách chi tiêu lớn"),
    "engaged": ("Engaged digital fans", "Khách tương tác số nhiệt tình"),
    "regulars": ("Loyal regulars", "Khách quen trung thành"),
    "bargain": ("Bargain hunters", "Khách săn giá tốt"),
    "occasional": ("Occasional buyers", "Khách mua thỉnh thoảng"),
    "app": ("App-first shoppers", "Khách chuộng mua qua ứng dụng"),
    "lapsed": ("Lapsed customers", "Khách đã lâu không quay lại"),
    "everyday": ("Everyday shoppers", "Khách mua sắm thường ngày"),
}


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _category(name: str, lang: str) -> str:
    en, vi = CATEGORY_NAMES.get(name, (name, name))
    return vi if lang == "vi" else en


def _channel(name: str, lang: str) -> str:
    en, vi = CHANNEL_NAMES.get(name, (name, name))
    return vi if lang == "vi" else en


def trait_phrase(feature: str, lang: str = "en") -> str:
    """The verb phrase naming a trait, e.g. ``"buy perfume"`` / ``"mua nước hoa"``."""
    vi = lang == "vi"
    if feature.startswith("cat:"):
        return ("mua " if vi else "buy ") + _category(feature[4:], lang)
    if feature.startswith("channel:"):
        return ("mua " if vi else "shop ") + _channel(feature[8:], lang)
    if feature.startswith("life:"):
        en, v = LIFE_NAMES.get(feature[5:], (feature[5:], feature[5:]))
        return f"là {v}" if vi else f"are {en}"
    en, v = TRAIT_PHRASES.get(feature, (feature, feature))
    return v if vi else en


def _label(profile: dict[str, Any]) -> str:
    lifts = profile.get("lifts") or {t["feature"]: t["lift"] for t in profile.get("traits", [])}

    def lf(f: str) -> float:
        v = lifts.get(f)
        return 1.0 if v is None else float(v)

    m, a, f, e = lf("monetary"), lf("aov"), lf("frequency"), lf("engagement_index")
    if m >= 1.6 and a >= 1.25:
        return "loyal_big" if f >= 1.15 else "big"
    if e >= 1.8 or lf("email_open_rate") >= 2.5:
        return "engaged"
    if f >= 1.4:
        return "regulars"
    if a <= 0.8 or lf("discount_share") >= 1.5:
        return "bargain"
    if f <= 0.6:
        return "occasional"
    if lf("recency_days") >= 1.5:
        return "lapsed"
    if lf("app_share") >= 1.5:
        return "app"
    return "everyday"


def _focus(profile: dict[str, Any], lang: str) -> str:
    cats = [c for c in profile.get("top_categories", []) if (c.get("lift") or 0) >= 1.5][:2]
    names = [_category(c["category"], lang) for c in cats]
    return " & ".join(names)


def name_personas(profiles: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A unique (English, Vietnamese) name per profile: behaviour label · category focus.

    Returns a list of ``{"en": ..., "vi": ...}`` in the order of ``profiles``. When two
    personas would share a name, the main channel is added, then a number.
    """
    names = []
    for p in profiles:
        en, vi = _LABELS[_label(p)]
        fe, fv = _focus(p, "en"), _focus(p, "vi")
        names.append({"en": f"{en} · {fe}" if fe else en, "vi": _nfc(f"{vi} · {fv}" if fv else vi)})
    for lang in ("en", "vi"):
        seen: dict[str, int] = {}
        for n in names:
            seen[n[lang]] = seen.get(n[lang], 0) + 1
        for p, n in zip(profiles, names, strict=True):
            if seen[n[lang]] > 1 and p.get("channels"):
                top = next(iter(p["channels"]))
                n[lang] = f"{n[lang]} ({_channel(top, lang)})"
        counts: dict[str, int] = {}
        for n in names:
            counts[n[lang]] = counts.get(n[lang], 0) + 1
        used: dict[str, int] = {}
        for n in names:
            if counts[n[lang]] > 1:
                used[n[lang]] = used.get(n[lang], 0) + 1
                n[lang] = f"{n[lang]} {used[n[lang]]}"
    return names


def _times(lift: float, lang: str) -> str:
    if lift >= 1:
        x = fmt_number(lift, lang, 1)
        return f"nhiều gấp {x} lần so với các khách hàng khác" if lang == "vi" else f"{x}× more than other customers"
    x = fmt_number(1 / lift if lift > 0 else float("inf"), lang, 1) if lift > 0 else "∞"
    return f"ít hơn {x} lần so với các khách hàng khác" if lang == "vi" else f"{x}× less than other customers"


def pain_sentence(pains: list[dict[str, Any]], lang: str = "en") -> str:
    """The sentence about a persona's pain points: the distinguishing one, with its lift and shares.

    ``pains`` is a profile's ``pain_points`` (most over-represented first). When the first one is
    ``distinctive`` (enough customers, interval above 1) the sentence gives its lift and both
    shares; when none is, it says so; pain points without lift (older profiles) name the first one.
    """
    if not pains:
        return ""
    vi = lang == "vi"
    p = pains[0]
    label = (p["label_vi"] if vi else p["label_en"]).lower()
    if "distinctive" not in p:
        return f"Phàn nàn thường gặp nhất: {label}." if vi else f"Most common complaint: {label}."
    if not p["distinctive"]:
        return (
            "Không có phàn nàn nào ở nhóm này nhiều hơn rõ rệt so với các khách hàng khác."
            if vi
            else "No complaint is clearly more frequent among them than among other customers."
        )
    x = fmt_number(p["lift"], lang, 1)
    a, b = fmt_percent(100 * p["share"], lang, 1), fmt_percent(100 * p["share_others"], lang, 1)
    if vi:
        return (
            f"Nhóm khách này phàn nàn về {label} nhiều gấp {x} lần so với các khách hàng khác "
            f"({a} so với {b}; n = {p['customers']})."
        )
    return (
        f"They complain about {label} {x}× more often than other customers "
        f"({a} of them vs {b} of others; n = {p['customers']})."
    )


def narrative(profile: dict[str, Any], name: str, lang: str = "en") -> str:
    """A short story about one persona, in ``lang`` ("vi" or "en"), naming its top trait."""
    vi = lang == "vi"
    pct = lambda x: fmt_percent(100 * x, lang, 0) if x is not None else "—"  # noqa: E731
    parts = [
        f"{name} — {pct(profile['share'])} "
        + ("khách hàng, " if vi else "of customers, ")
        + f"{pct(profile['revenue_share'])} "
        + ("doanh thu." if vi else "of revenue.")
    ]
    traits = profile.get("traits") or []
    if traits:
        t = traits[0]
        s = ("Nhóm khách này " if vi else "They ") + f"{trait_phrase(t['feature'], lang)} {_times(t['lift'], lang)}"
        if profile.get("channels"):
            top = next(iter(profile["channels"]))
            s += (", chủ yếu mua " if vi else ", mostly shopping ") + _channel(top, lang)
        parts.append(s + ".")
        if len(traits) > 1:
            t2 = traits[1]
            parts.append(
                ("Họ cũng " if vi else "They also ") + f"{trait_phrase(t2['feature'], lang)} "
                f"{_times(t2['lift'], lang)}."
            )
    s = ("Chi tiêu trung bình " if vi else "Average spend ") + fmt_money(profile.get("mean_revenue"), lang)
    s += " mỗi khách" if vi else " per customer"
    if profile.get("mean_clv") is not None:
        s += ("; giá trị dự báo 12 tháng " if vi else "; expected 12-month value ") + fmt_money(
            profile["mean_clv"], lang
        )
    parts.append(s + ".")
    nps = profile.get("nps")
    if nps:
        if nps.get("value") is None:
            parts.append(
                f"NPS: chưa đủ câu trả lời (n = {nps['n']})." if vi else f"NPS: too few answers (n = {nps['n']})."
            )
        else:
            v, lo, hi = (fmt_number(nps[k], lang, 0) for k in ("value", "low", "high"))
            parts.append(
                f"NPS {v} (khoảng tin cậy 95%: {lo} đến {hi}; n = {nps['n']})."
                if vi
                else f"NPS {v} (95% interval {lo} to {hi}; n = {nps['n']})."
            )
    churn = profile.get("churn") or {}
    if churn.get("churned_share") is not None:
        parts.append(
            f"{pct(churn['churned_share'])} đã ngừng mua." if vi else f"{pct(churn['churned_share'])} have lapsed."
        )
    pain = pain_sentence(profile.get("pain_points") or [], lang)
    if pain:
        parts.append(pain)
    return _nfc(" ".join(parts))

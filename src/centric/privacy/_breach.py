"""The breach register: each incident with a 72-hour countdown from awareness, and notice templates.

Vietnam (PDP Law 91/2025; Decree 13/2023 Art. 23) and GDPR Art. 33 both ask for notice to the
authority within **72 hours** of becoming aware. :func:`breach_status` says how long is left;
:func:`breach_notice` writes the notice to the authority (A05, Ministry of Public Security, or the
GDPR supervisory authority) or to the people affected, in vi or en, from the register's fields.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.privacy._audit import append_audit

__all__ = ["breach_notice", "breach_status", "mark_notified", "register_breach"]

DEADLINE = pd.Timedelta(hours=72)


def _ts(at: Any) -> pd.Timestamp:
    t = pd.Timestamp(at if at is not None else _dt.datetime.now(_dt.UTC))
    return (t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")).floor("us")


def register_breach(store: Any, *, nature: str, aware_at: Any = None, occurred_at: Any = None,
                    categories: str = "", approx_subjects: int | None = None, approx_records: int | None = None,
                    consequences: str = "", measures: str = "", contact: str = "", actor: str) -> str:
    """Record an incident; the 72-hour clock runs from ``aware_at`` (default now). Returns the id."""
    if not nature.strip():
        raise InputError("Describe the breach's nature (what happened) to register it.")
    bid = "BR-" + _ts(aware_at).strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:6]
    store.append("breaches", pd.DataFrame([{
        "breach_id": bid, "aware_at": _ts(aware_at), "occurred_at": None if occurred_at is None else _ts(occurred_at),
        "nature": nature, "categories": categories, "approx_subjects": approx_subjects,
        "approx_records": approx_records, "consequences": consequences, "measures": measures, "contact": contact,
        "status": "open", "authority_notified_at": None, "subjects_notified_at": None}]))
    append_audit(store, actor=actor, action="breach.register", subject=bid,
                 details={"approx_subjects": approx_subjects})
    return bid


def breach_status(store: Any, *, now: Any = None) -> pd.DataFrame:
    """Every breach with ``deadline`` (aware + 72 h), ``hours_left`` (negative: late) and ``late``."""
    df = store.table("breaches").order_by("aware_at").execute()
    t = _ts(now)
    df["deadline"] = df["aware_at"] + DEADLINE
    done = df["authority_notified_at"].notna()
    ref = df["authority_notified_at"].where(done, t)
    df["hours_left"] = ((df["deadline"] - t).dt.total_seconds() / 3600).round(1).where(~done, None)
    df["late"] = ref > df["deadline"]
    return df


def mark_notified(store: Any, breach_id: str, *, audience: str = "authority", at: Any = None, actor: str) -> None:
    """Record that the authority (or the people affected) were told."""
    df = store.table("breaches").execute()
    hit = df["breach_id"] == breach_id
    if not hit.any():
        raise InputError(f"Unknown breach {breach_id!r}; list them with 'centric breach list'.")
    col = {"authority": "authority_notified_at", "subjects": "subjects_notified_at"}.get(audience)
    if col is None:
        raise InputError(f"Audience must be 'authority' or 'subjects'; got {audience!r}.")
    df.loc[hit, col] = _ts(at)
    df.loc[hit, "status"] = "notified"
    store.replace("breaches", df)
    append_audit(store, actor=actor, action=f"breach.notified.{audience}", subject=breach_id)


def breach_notice(row: dict[str, Any], *, lang: str = "vi", audience: str = "authority") -> str:
    """The notice text for one register row."""
    vi = lang == "vi"
    aware = pd.Timestamp(row["aware_at"]).tz_convert("Asia/Ho_Chi_Minh").strftime("%d/%m/%Y %H:%M")
    n = row.get("approx_subjects")
    n = "?" if n is None or pd.isna(n) else f"{int(n):,}".replace(",", "." if vi else ",")
    if audience == "authority":
        head = ("Kính gửi: Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an\n"
                "V/v: Thông báo vi phạm quy định về bảo vệ dữ liệu cá nhân" if vi else
                "To: the supervisory authority (Vietnam: A05, Ministry of Public Security)\n"
                "Re: Notification of a personal data breach")
    else:
        head = ("Thông báo tới khách hàng về sự cố dữ liệu cá nhân" if vi else
                "Notice to customers about a personal data incident")
    fields = [
        ("Mã sự cố" if vi else "Reference", row["breach_id"]),
        ("Thời điểm phát hiện" if vi else "Became aware at", aware),
        ("Bản chất sự cố" if vi else "Nature of the breach", row.get("nature") or ""),
        ("Loại dữ liệu liên quan" if vi else "Categories of data", row.get("categories") or ""),
        ("Số chủ thể (ước tính)" if vi else "Approximate number of people", n),
        ("Hậu quả có thể xảy ra" if vi else "Likely consequences", row.get("consequences") or ""),
        ("Biện pháp đã và sẽ thực hiện" if vi else "Measures taken or proposed", row.get("measures") or ""),
        ("Đầu mối liên hệ" if vi else "Contact point", row.get("contact") or ""),
    ]
    return head + "\n\n" + "\n".join(f"{k}: {v}" for k, v in fields) + "\n"

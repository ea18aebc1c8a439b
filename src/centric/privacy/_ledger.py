"""The consent ledger: append-only consent records with the notice they answered.

Records go into the canonical ``consents`` table (which imports also fill) and are never updated:
a withdrawal is a new record, and :func:`centric.privacy.consent_state` takes the latest one, so a
withdrawal takes effect at once (activation checks at send time). Each record cites the notice
shown (``notice_version``) and its ``evidence`` JSON holds the notice's SHA-256, the language,
the method, who recorded it and what proves it (an IP, a form id, a signed link).

Notices live in ``notices`` (version, language, text, SHA-256). :func:`default_notice` writes
the notice from the purposes registry when none is published.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.privacy._audit import append_audit
from centric.privacy._consent import consent_state
from centric.privacy._purposes import PURPOSES
from centric.privacy._purposes import purpose as _purpose

__all__ = [
    "DEFAULT_NOTICE",
    "ConsentChange",
    "consent_overview",
    "default_notice",
    "ensure_customer",
    "publish_notice",
    "record_consent",
]

DEFAULT_NOTICE = "centric-2026.1"
METHODS = ("preference_centre", "web_form", "pos_tablet", "survey_form", "verbal", "written", "sms_syntax",
           "email_reply", "cli", "api", "objection", "import")


@dataclass(frozen=True)
class ConsentChange:
    """What :func:`record_consent` did: the new record's id, or why nothing changed."""

    customer_id: str
    purpose: str
    status: str
    consent_id: str | None
    changed: bool
    message: str


def default_notice(lang: str) -> str:
    """The privacy notice generated from the purposes registry (one line per purpose)."""
    vi = lang == "vi"
    head = ("Thông báo xử lý dữ liệu cá nhân. Bạn có thể đồng ý hoặc không đồng ý với từng mục đích, và rút lại "
            "bất cứ lúc nào." if vi else
            "Personal data processing notice. You may agree or decline each purpose, and withdraw at any time.")
    lines = [head]
    for p in PURPOSES.values():
        name = p.name_vi if vi else p.name_en
        sens = (" (dữ liệu nhạy cảm)" if vi else " (sensitive data)") if "sensitive" in p.data_classes else ""
        days = p.retention_days
        lines.append(f"- {p.id}: {name}{sens}; " + (f"cơ sở: {p.basis}; lưu {days} ngày" if vi
                                                    else f"basis: {p.basis}; kept {days} days"))
    return "\n".join(lines)


def publish_notice(store: Any, version: str, language: str, text: str) -> str:
    """Store a notice text; returns its SHA-256. A version/language once published cannot change."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    n = store.table("notices")
    old = n.filter((n.notice_version == version) & (n.language == language)).execute()
    if len(old):
        if str(old["sha256"].iloc[0]) != sha:
            raise InputError(
                f"Notice {version!r} ({language}) is already published with another text; publish the new text "
                "under a new version so earlier consents keep citing what they answered."
            )
        return sha
    store.append("notices", pd.DataFrame([{"notice_version": version, "language": language, "sha256": sha,
                                           "text": text, "published_at": _dt.datetime.now(_dt.UTC)}]))
    return sha


def _notice_hash(store: Any, version: str, language: str) -> str:
    n = store.table("notices")
    row = n.filter((n.notice_version == version) & (n.language == language)).select("sha256").execute()
    if len(row):
        return str(row["sha256"].iloc[0])
    if version == DEFAULT_NOTICE:
        return publish_notice(store, version, language, default_notice(language))
    raise InputError(
        f"Notice {version!r} in {language!r} is not published; publish it first (centric consent notice) or use "
        f"{DEFAULT_NOTICE!r}."
    )


def ensure_customer(store: Any, customer_id: str) -> None:
    """Raise a clear :class:`InputError` for an unknown customer_id."""
    c = store.table("customers")
    if not int(c.filter(c.customer_id == customer_id).count().execute()):
        raise InputError(f"Unknown customer {customer_id!r}: no customer has this customer_id; nothing was changed.")


def record_consent(
    store: Any,
    customer_id: str,
    purpose: str,
    status: str,
    *,
    method: str,
    actor: str,
    language: str = "vi",
    notice_version: str = DEFAULT_NOTICE,
    evidence: dict[str, Any] | None = None,
    at: _dt.datetime | None = None,
) -> ConsentChange:
    """Append a grant or withdrawal (effective at once) and audit it.

    Granting what is already granted changes nothing (``changed=False``). Withdrawing a consent
    that was never given, or is already withdrawn, raises :class:`InputError` and changes nothing.
    """
    p = _purpose(purpose)
    if status not in ("granted", "withdrawn"):
        raise InputError(f"The consent status must be 'granted' or 'withdrawn'; got {status!r}.")
    if method not in METHODS:
        raise InputError(f"Unknown consent method {method!r}; methods are: {', '.join(METHODS)}.")
    if language not in ("vi", "en"):
        raise InputError(f"The notice language must be 'vi' or 'en'; got {language!r}.")
    if not p.needs_consent:
        raise InputError(f"Purpose {p.id!r} has the legal basis {p.basis!r}, not consent: there is nothing to "
                         f"{'grant' if status == 'granted' else 'withdraw'}.")
    ensure_customer(store, customer_id)
    s = consent_state(store)
    cur = s.filter((s.customer_id == customer_id) & (s.purpose == p.id)).execute()
    current = None if cur.empty else str(cur["status"].iloc[0])
    if status == "withdrawn" and current is None:
        raise InputError(f"Customer {customer_id!r} never gave consent for {p.id!r}: there is nothing to withdraw; "
                         "nothing was changed.")
    if current == status:
        if status == "withdrawn":
            raise InputError(f"Consent of {customer_id!r} for {p.id!r} is already withdrawn; nothing was changed.")
        return ConsentChange(customer_id, p.id, status, None, False, f"consent for {p.id!r} was already granted")
    when = pd.Timestamp(at if at is not None else _dt.datetime.now(_dt.UTC))
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    sha = _notice_hash(store, notice_version, language)
    cid = "CL-" + uuid.uuid4().hex[:16]
    ev = {"notice_sha256": sha, "language": language, "actor": actor, **(evidence or {})}
    store.append("consents", pd.DataFrame([{
        "consent_id": cid, "customer_ref": f"centric:{customer_id}", "customer_id": customer_id, "purpose": p.id,
        "status": status, "recorded_at": when, "method": method, "notice_version": notice_version,
        "evidence": json.dumps(ev, ensure_ascii=False, sort_keys=True), "batch_id": None,
    }]))
    append_audit(store, actor=actor, action="consent." + ("grant" if status == "granted" else "withdraw"),
                 subject=customer_id, details={"purpose": p.id, "consent_id": cid, "method": method,
                                               "notice_version": notice_version})
    return ConsentChange(customer_id, p.id, status, cid, True, f"consent for {p.id!r} {status}")


def consent_overview(store: Any, customer_id: str) -> list[dict[str, Any]]:
    """Every consent purpose with the customer's current status (``granted``/``withdrawn``/``none``)."""
    ensure_customer(store, customer_id)
    s = consent_state(store)
    cur = s.filter(s.customer_id == customer_id).execute().set_index("purpose")
    out = []
    for p in PURPOSES.values():
        if not p.needs_consent:
            continue
        row = cur.loc[p.id] if p.id in cur.index else None
        out.append({
            "purpose": p.id, "name_en": p.name_en, "name_vi": p.name_vi, "sensitive": "sensitive" in p.data_classes,
            "status": "none" if row is None else str(row["status"]),
            "recorded_at": None if row is None else pd.Timestamp(row["recorded_at"]).isoformat(),
        })
    return out


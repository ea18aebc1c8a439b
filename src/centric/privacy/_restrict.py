"""Restriction of processing and rectification (data-subject requests)."""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.privacy._audit import append_audit
from centric.privacy._ledger import ensure_customer

__all__ = ["lift_restriction", "rectify", "restrict"]


def restrict(store: Any, customer_id: str, *, actor: str, request_id: str | None = None,
             reason: str | None = None) -> str:
    """Restrict processing of a customer (kept, but excluded from all processing); returns the id.

    Every consumer sees it at once through :func:`centric.privacy.allowed_customers` and ``check``.
    """
    ensure_customer(store, customer_id)
    r = store.table("restrictions")
    if int(r.filter((r.customer_id == customer_id) & r.lifted_at.isnull()).count().execute()):
        raise InputError(f"Processing of {customer_id!r} is already restricted; nothing was changed.")
    rid = "RS-" + uuid.uuid4().hex[:10]
    store.append("restrictions", pd.DataFrame([{"restriction_id": rid, "customer_id": customer_id,
                                                "request_id": request_id, "reason": reason,
                                                "created_at": _dt.datetime.now(_dt.UTC), "lifted_at": None}]))
    append_audit(store, actor=actor, action="restriction.set", subject=customer_id,
                 details={"restriction_id": rid, "request_id": request_id})
    return rid


def lift_restriction(store: Any, customer_id: str, *, actor: str) -> int:
    """Lift the customer's open restriction; returns how many were lifted (an error when none)."""
    r = store.table("restrictions").execute()
    hit = (r["customer_id"] == customer_id) & r["lifted_at"].isna()
    if not hit.any():
        raise InputError(f"Processing of {customer_id!r} is not restricted; nothing was changed.")
    r.loc[hit, "lifted_at"] = pd.Timestamp.now(tz="UTC")
    store.replace("restrictions", r)
    append_audit(store, actor=actor, action="restriction.lift", subject=customer_id, details={"n": int(hit.sum())})
    return int(hit.sum())


def rectify(store: Any, customer_id: str, fields: dict[str, Any], *, actor: str) -> list[str]:
    """Correct fields of the person's golden record and of every source record of theirs.

    Values are normalised as the importer does (phone to E.164, e-mail lower-case); a value that
    does not normalise raises and nothing changes.
    """
    from centric.ingest._normalise import normalise_email, normalise_phone

    ensure_customer(store, customer_id)
    clean: dict[str, Any] = {}
    for k, v in fields.items():
        if k == "email":
            v, why = normalise_email(v)
        elif k == "phone":
            v, why = normalise_phone(v)
        elif k == "birth_year":
            why = None if str(v).isdigit() and 1900 <= int(v) <= 2030 else f"{v!r} is not a year"
            v = int(v) if why is None else None
        else:
            why = None
        if why:
            raise InputError(f"Rectification of {k!r}: {why}; nothing was changed.")
        clean[k] = v
    for name in ("customers", "customer_records"):
        df = store.table(name).execute()
        hit = df["customer_id"] == customer_id
        for k, v in clean.items():
            if k in df.columns:
                df.loc[hit, k] = v
        store.replace(name, df)
    append_audit(store, actor=actor, action="rectification", subject=customer_id, details={"fields": sorted(clean)})
    return sorted(clean)

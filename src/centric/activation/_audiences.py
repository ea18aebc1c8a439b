"""Audiences: saved segment definitions, evaluated in the backend, exported as CSV or hashed lists.

Hashed exports follow :mod:`centric.activation._hashing`; the CSV headers are the ones each platform's
upload accepts (Meta Custom Audiences: ``email,phone``; Google Customer Match: ``Email,Phone``).
Exports contain only customers for whom the given consent purpose is allowed (default
``personalisation``) and are written to the audit log.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from centric.activation._filters import FIELDS, apply_filters, parse_filters
from centric.activation._hashing import PLATFORMS, hash_email, hash_phone
from centric.activation._rows import delete_row, now_utc, slug, upsert_row
from centric.exceptions import InputError, InvalidParameterError

__all__ = [
    "Audience",
    "audience_members",
    "delete_audience",
    "export_audience",
    "get_audience",
    "list_audiences",
    "save_audience",
]

FORMATS = ("csv", *PLATFORMS)


@dataclass(frozen=True)
class Audience:
    """A saved audience."""

    audience_id: str
    name: str
    filters: list[dict[str, Any]]
    description: str = ""


def save_audience(
    store: Any, name: str, filters: str | list[dict[str, Any]], *, audience_id: str | None = None, description: str = ""
) -> Audience:
    """Validate ``filters`` and save (or replace) the audience; returns it."""
    if not name or not name.strip():
        raise InputError("An audience needs a name; got an empty one.")
    parsed = parse_filters(filters)
    aid = audience_id or slug(name)
    now = now_utc()
    created = now
    if store.has_table("audiences"):
        old = store.table("audiences").filter(ibis._.audience_id == aid).execute()
        if len(old):
            created = old["created_at"].iloc[0]
    upsert_row(
        store,
        "audiences",
        {"audience_id": aid},
        {
            "audience_id": aid,
            "name": name.strip(),
            "description": description,
            "definition": json.dumps(parsed, ensure_ascii=False),
            "created_at": created,
            "updated_at": now,
        },
    )
    return Audience(aid, name.strip(), parsed, description)


def list_audiences(store: Any) -> list[Audience]:
    """All saved audiences, by id."""
    df = store.table("audiences").execute().sort_values("audience_id")
    return [Audience(r.audience_id, r.name, json.loads(r.definition), r.description or "") for r in df.itertuples()]


def get_audience(store: Any, audience_id: str) -> Audience:
    """The saved audience ``audience_id`` or a clear error listing those there are."""
    for a in list_audiences(store):
        if a.audience_id == audience_id:
            return a
    known = [a.audience_id for a in list_audiences(store)]
    raise InputError(
        f"No audience {audience_id!r}; saved audiences: {known or 'none'}. Save one with 'centric audiences save'."
    )


def delete_audience(store: Any, audience_id: str) -> bool:
    """Delete a saved audience; True when it existed."""
    return delete_row(store, "audiences", {"audience_id": audience_id}) > 0


def audience_members(store: Any, audience: Audience | str | list[dict[str, Any]]) -> ibis.Table:
    """The customers of an audience (an Ibis table with ``customer_id``), evaluated in the backend."""
    if isinstance(audience, str):
        audience = get_audience(store, audience)
    filters = audience.filters if isinstance(audience, Audience) else audience
    return apply_filters(store, store.table("customers").select("customer_id"), filters)


def export_audience(
    store: Any,
    audience: Audience | str,
    *,
    fmt: str = "csv",
    purpose: str = "personalisation",
    path: Path | None = None,
    actor: str = "system",
) -> tuple[str, int]:
    """Export an audience; returns ``(text, rows)`` and writes ``path`` when given.

    ``fmt``: ``csv`` (customer_id, display_name, email, phone and the filtered fields), ``meta``
    or ``google`` (hashed e-mail and phone in the platform's upload headers).
    """
    from centric.privacy import allowed_customers, append_audit

    if fmt not in FORMATS:
        raise InvalidParameterError(f"The 'fmt' parameter must be one of {list(FORMATS)}. Got {fmt!r} instead.")
    aud = get_audience(store, audience) if isinstance(audience, str) else audience
    members = audience_members(store, aud).semi_join(allowed_customers(store, purpose), "customer_id")
    cust = store.table("customers")
    rows = cust.semi_join(members, "customer_id").select("customer_id", "display_name", "email", "phone")
    df: pd.DataFrame = rows.order_by("customer_id").execute()
    buf = io.StringIO()
    if fmt == "csv":
        extra = [f["field"] for f in aud.filters if f["field"] in FIELDS]
        for name in dict.fromkeys(extra):
            spec = FIELDS[name]
            if store.has_table(spec.table):
                src = store.table(spec.table).select("customer_id", spec.column).execute()
                src = src.drop_duplicates("customer_id").rename(columns={spec.column: name})
                df = df.merge(src, on="customer_id", how="left")
        df.to_csv(buf, index=False, lineterminator="\n")
    else:
        email_h = "email" if fmt == "meta" else "Email"
        phone_h = "phone" if fmt == "meta" else "Phone"
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([email_h, phone_h])
        n = 0
        for r in df.itertuples():
            e = hash_email(r.email if isinstance(r.email, str) else None, fmt)
            p = hash_phone(r.phone if isinstance(r.phone, str) else None, fmt)
            if e or p:
                w.writerow([e or "", p or ""])
                n += 1
        df = df.iloc[:n]
    text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    append_audit(
        store,
        actor=actor,
        action="audience.export",
        subject=aud.audience_id,
        details={"format": fmt, "rows": len(df), "purpose": purpose},
    )
    return text, len(df)

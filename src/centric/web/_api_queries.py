"""Read and write helpers behind the JSON API (called under the store lock; Ibis where set-based)."""

from __future__ import annotations

import datetime as _dt
import decimal
import hashlib
import math
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd
import pyarrow as pa
from pydantic_core import to_json

from centric.web._writer import arrow_schema

__all__ = [
    "customer_detail",
    "customers_page",
    "events_arrow",
    "feedback_arrow",
    "jsonable",
    "link_anonymous",
    "personas",
    "resolve_ref",
]

CUSTOMER_COLS = ["customer_id", "display_name", "email", "phone", "gender", "birth_year", "province",
                 "life_stage", "created_at", "n_records"]
SCORE_COLS = ["revenue", "orders", "recency_days", "engagement_index", "clv_12m", "p_alive", "churn_risk"]
PERSONA_COLS = ["persona_id", "persona_name_en", "persona_name_vi", "rfm_segment"]
IDENTIFY_EVENT = "$identify"


def _value(v: Any) -> Any:
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, pd.Timestamp | _dt.datetime):
        ts = pd.Timestamp(v)
        return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if hasattr(v, "item"):  # numpy scalars
        return _value(v.item())
    return v


def jsonable(rows: ibis.Table | pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a small expression (or frame) as JSON-ready dicts (NaN → null, times ISO 8601 UTC).

    Expressions go through Arrow, so integer columns with nulls stay integers.
    """
    if isinstance(rows, pd.DataFrame):
        records = rows.to_dict(orient="records")
    else:
        records = rows.to_pyarrow().to_pylist()
    return [{k: _value(v) for k, v in row.items()} for row in records]


def _utc(value: _dt.datetime, tz: str) -> _dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(_dt.UTC)


def _json(value: Any) -> str:
    """Compact JSON text, UTF-8 kept as is (pydantic-core's encoder: several times faster than json)."""
    return to_json(value).decode("utf-8")


def events_arrow(events: list[dict[str, Any]], *, tz: str, batch_id: str) -> pa.Table:
    """Validated API events (dicts) as an Arrow table of the ``events`` schema."""
    zone = ZoneInfo(tz)
    n = len(events)
    when = [e["occurred_at"] for e in events]
    if any(w.tzinfo is None for w in when):
        when = [w.replace(tzinfo=zone) if w.tzinfo is None else w for w in when]
    cols: dict[str, Any] = {
        "event_id": [e["event_id"] for e in events],
        "customer_ref": [e.get("customer_ref") for e in events],
        "customer_id": pa.nulls(n, pa.string()),
        "anonymous_id": [e.get("anonymous_id") for e in events],
        "occurred_at": pa.array(when, type=pa.timestamp("us", tz="UTC")),
        "name": [e["name"] for e in events],
        "channel": [e.get("channel") for e in events],
        "session_id": [e.get("session_id") for e in events],
        "properties": [None if (p := e.get("properties")) is None else _json(p) for e in events],
        "batch_id": pa.repeat(batch_id, n),
    }
    return pa.table(cols, schema=arrow_schema("events"))


def feedback_arrow(rows: list[Any], *, tz: str, batch_id: str) -> pa.Table:
    """API survey answers as an Arrow table of the ``feedback`` schema."""
    now = _dt.datetime.now(_dt.UTC)
    schema = arrow_schema("feedback")
    cols: dict[str, list[Any]] = {name: [] for name in schema.names}
    for r in rows:
        d = r.model_dump()
        d["submitted_at"] = _utc(r.submitted_at, tz) if r.submitted_at else now
        d["customer_id"] = None
        d["batch_id"] = batch_id
        for name in schema.names:
            cols[name].append(d.get(name))
    return pa.table(cols, schema=schema)


def resolve_ref(store: Any, customer_ref: str) -> str | None:
    """The resolved ``customer_id`` of a source record, if identity resolution has seen it."""
    t = store.table("customer_records")
    df = t.filter(t.customer_ref == customer_ref).select("customer_id").limit(1).execute()
    return None if df.empty or pd.isna(df["customer_id"].iloc[0]) else str(df["customer_id"].iloc[0])


def ref_of_customer(store: Any, customer_id: str) -> str | None:
    """One source record (the smallest ref) of a resolved customer, if any."""
    t = store.table("customer_records")
    df = t.filter(t.customer_id == customer_id).select("customer_ref").order_by("customer_ref").limit(1).execute()
    return None if df.empty else str(df["customer_ref"].iloc[0])


def link_anonymous(store: Any, *, anonymous_id: str, customer_ref: str, customer_id: str | None,
                   at: _dt.datetime) -> tuple[bool, int]:
    """Store the link as an ``$identify`` event and stamp the earlier anonymous events.

    Returns ``(created, events_linked)``. The link survives the next identity resolution because
    the stamped events carry ``customer_ref`` (resolution maps refs to people).
    """
    event_id = "identify:" + hashlib.sha256(f"{anonymous_id}\x1f{customer_ref}".encode()).hexdigest()[:32]
    ev = store.table("events")
    exists = int(ev.filter(ev.event_id == event_id).count().execute()) > 0
    if not exists:
        row = pd.DataFrame([{
            "event_id": event_id, "customer_ref": customer_ref, "customer_id": customer_id,
            "anonymous_id": anonymous_id, "occurred_at": at, "name": IDENTIFY_EVENT, "channel": "api",
            "batch_id": "api:identify",
        }])
        store.append("events", row)
    linked = 0
    if store.kind == "duckdb":
        raw = store.con.con
        linked = raw.execute(
            "UPDATE events SET customer_ref = ?, customer_id = coalesce(customer_id, ?) "
            "WHERE anonymous_id = ? AND customer_ref IS NULL",
            [customer_ref, customer_id, anonymous_id],
        ).fetchone()[0]
    else:  # Spark: rewrite the table in the backend
        cols = {c: ev[c] for c in ev.columns}
        hit = (ev.anonymous_id == anonymous_id) & ev.customer_ref.isnull()
        linked = int(ev.filter(hit).count().execute())
        cols["customer_ref"] = ibis.ifelse(hit, ibis.literal(customer_ref), ev.customer_ref)
        store.rewrite("events", ev.select(**cols))
    return not exists, int(linked)


def _optional(store: Any, name: str, cols: list[str]) -> ibis.Table | None:
    if not store.has_table(name):
        return None
    t = store.table(name)
    have = [c for c in cols if c in t.columns]
    return t.select("customer_id", *have).distinct(on="customer_id") if have else None


def _joined(store: Any) -> ibis.Table:
    c = store.table("customers").select(*CUSTOMER_COLS)
    for name, cols in (("customer_scores", SCORE_COLS), ("customer_personas", PERSONA_COLS)):
        extra = _optional(store, name, cols)
        if extra is not None:
            extra = extra.rename(_cid="customer_id")
            c = c.left_join(extra, c.customer_id == extra._cid).drop("_cid")
    return c


def customers_page(
    store: Any, *, limit: int, cursor: str | None, q: str | None, province: str | None, persona: str | None,
    segment: str | None, min_churn_risk: float | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of customers ordered by ``customer_id`` (keyset pagination)."""
    t = _joined(store)
    if cursor:
        t = t.filter(t.customer_id > cursor)
    if q:
        needle = q.strip().lower()
        t = t.filter(t.display_name.lower().contains(needle) | t.email.lower().contains(needle)
                     | t.phone.contains(needle) | (t.customer_id == q.strip()))
    if province:
        t = t.filter(t.province == province)
    if persona and "persona_id" in t.columns:
        t = t.filter(t.persona_id.cast("string") == persona)
    elif persona:
        t = t.filter(ibis.literal(False))
    if segment and "rfm_segment" in t.columns:
        t = t.filter(t.rfm_segment == segment)
    elif segment:
        t = t.filter(ibis.literal(False))
    if min_churn_risk is not None and "churn_risk" in t.columns:
        t = t.filter(t.churn_risk >= min_churn_risk)
    elif min_churn_risk is not None:
        t = t.filter(ibis.literal(False))
    rows = jsonable(t.order_by("customer_id").limit(limit + 1))
    nxt = str(rows[limit - 1]["customer_id"]) if len(rows) > limit else None
    return rows[:limit], nxt


def customer_detail(store: Any, customer_id: str) -> dict[str, Any] | None:
    """Profile, identities, merges, scores, persona, consents and fact counts of one customer."""
    t = _joined(store)
    found = jsonable(t.filter(t.customer_id == customer_id).limit(1))
    if not found:
        return None
    out: dict[str, Any] = {"customer": found[0]}
    ids = store.table("identities")
    out["identities"] = jsonable(ids.filter(ids.customer_id == customer_id).order_by(["kind", "value"]))
    m = store.table("identity_merges")
    out["merges"] = jsonable(m.filter(m.customer_id == customer_id).order_by(["ref_a", "ref_b", "kind"])
                             .drop("customer_id"))
    from centric.privacy import consent_state

    cs = consent_state(store)
    out["consents"] = jsonable(cs.filter(cs.customer_id == customer_id).drop("customer_id").order_by("purpose"))
    counts = {}
    for name in ("orders", "events", "feedback", "tickets"):
        f = store.table(name)
        counts[name] = int(f.filter(f.customer_id == customer_id).count().execute())
    out["counts"] = counts
    return out


def personas(store: Any) -> list[dict[str, Any]]:
    """The persona profiles of the latest analysis (empty before one ran)."""
    if not store.has_table("persona_profiles"):
        return []
    p = store.table("persona_profiles")
    cols = [c for c in ("persona_id", "name_en", "name_vi", "n_customers", "share", "revenue_share",
                        "narrative_en", "narrative_vi", "run_id", "computed_at") if c in p.columns]
    return jsonable(p.select(*cols).order_by(cols[0]))

"""View models for the customer list (search, filters, pages) and the customer 360.

Searching and filtering are Ibis expressions over ``customers`` joined with the derived tables
that exist (``customer_scores``, ``customer_personas``, ``churn_scores``); only one page of rows
is pulled into pandas. The 360 reads one customer's rows from each table.
"""

from __future__ import annotations

import json
import math
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from centric.i18n import t
from centric.ingest import normalise_phone
from centric.web._query import records, run, table_names

__all__ = ["PAGE_SIZE", "RISK_BANDS", "CustomerQuery", "customer_360", "filter_options", "fold", "search_customers"]

PAGE_SIZE = 50
#: churn risk bands: (low inclusive, high exclusive); "high" matches the churn model's 0.7 threshold
RISK_BANDS = {"low": (0.0, 0.3), "medium": (0.3, 0.7), "high": (0.7, 1.01)}
TIMELINE_LIMIT = 200


def _fold_table() -> tuple[str, str]:
    """Lower-case Latin letters with diacritics (Vietnamese included) and their base letter; đ → d."""
    src, dst = ["đ"], ["d"]
    for cp in range(0xC0, 0x1EFA):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if ch.lower() == ch and base != ch and "a" <= base <= "z":
            src.append(ch)
            dst.append(base)
    return "".join(src), "".join(dst)


#: names are searched without diacritics ("hien" finds "Hiền") through a folded-name index
FOLD_FROM, FOLD_TO = _fold_table()
_FOLD = str.maketrans(FOLD_FROM, FOLD_TO)


def fold(text: str) -> str:
    """``text`` lower-cased and without diacritics, as the name search compares it."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


LIST_TABLE = "_centric_web_customer_list"
LIST_TTL_S = 120.0
_list_state: dict[str, Any] = {}
_list_lock = threading.Lock()


def customer_list(store: Any) -> ibis.Table:
    """The customer list as one *temporary* table: customers joined with scores and personas, plus a
    ``haystack`` for the search (id, name, name without diacritics, e-mail, phone; lower case).

    Joining 100k customers with two derived tables and folding names in the backend costs
    0.1–0.6 s a request at SF 1; done once and kept as a temporary table (in memory, never written
    to the store file, gone with the connection), each list request is one scan. It is rebuilt when
    the number of customers or scores changes (an analysis, an erasure) and at least every
    LIST_TTL_S seconds; the 360 and every other page read the canonical tables directly.
    """
    import time

    names = table_names(store)
    counts = [int(run(store, ("n", name), lambda p, name=name: store.table(name).aggregate(n=ibis._.count()))["n"]
                  .iloc[0]) for name in ("customers", "customer_scores", "customer_personas") if name in names]
    key = (id(store), tuple(counts))
    now = time.monotonic()
    with _list_lock:
        if _list_state.get("key") != key or _list_state.get("until", 0) <= now:
            df = _base(store).execute()
            def low(col: str) -> list[str]:
                return [x.lower() if isinstance(x, str) else "" for x in df[col]]

            folded = [fold(x) if isinstance(x, str) else "" for x in df["display_name"]]
            df["haystack"] = ["\t".join(parts) for parts in zip(
                low("customer_id"), low("display_name"), folded, low("email"), low("phone"), strict=True)]
            store.con.create_table(LIST_TABLE, df, temp=True, overwrite=True)
            _list_state.update(key=key, until=now + LIST_TTL_S)
    return store.con.table(LIST_TABLE)


@dataclass(frozen=True)
class CustomerQuery:
    """What the customer list is asked for."""

    q: str = ""
    persona: str = ""
    risk: str = ""
    segment: str = ""
    page: int = 1


def _base(store: Any) -> ibis.Table:
    names = table_names(store)
    c = store.table("customers").select("customer_id", "display_name", "email", "phone", "province")
    if "customer_scores" in names:
        s = store.table("customer_scores")
        cols = [x for x in ("revenue", "orders", "clv_12m", "churn_risk") if x in s.columns]
        s = s.select(_sid=s.customer_id, **{x: s[x] for x in cols})
        c = c.left_join(s, c.customer_id == s._sid).drop("_sid")
    if "customer_personas" in names:
        p = store.table("customer_personas")
        p = p.select(_pid=p.customer_id, persona_id=p.persona_id, persona_name_en=p.persona_name_en,
                     persona_name_vi=p.persona_name_vi, rfm_segment=p.rfm_segment)
        c = c.left_join(p, c.customer_id == p._pid).drop("_pid")
    return c


def search_customers(store: Any, query: CustomerQuery, lang: str) -> dict[str, Any]:
    """One page of customers matching ``query``, with the total and the number of pages."""
    q = query.q.strip()
    params: dict[str, str] = {}
    if q:
        params["like"] = f"%{q.lower()}%"
        params["flike"] = f"%{fold(q)}%"
        phone, _ = normalise_phone(q)
        if phone:
            params["phone"] = phone
    persona = int(query.persona) if query.persona.isdigit() else None
    if query.segment:
        params["segment"] = query.segment
    risk = query.risk if query.risk in RISK_BANDS else None
    shape = (bool(q), "phone" in params, persona, "segment" in params, risk)

    listing = customer_list(store)

    def build(p: dict[str, str]) -> ibis.Table:
        t = listing
        if "like" in p:
            like = p["like"]
            cond = t.haystack.like(like) | t.haystack.like(p["flike"])
            if "phone" in p:
                cond |= t.phone == p["phone"]
            t = t.filter(cond)
        if persona is not None and "persona_id" in t.columns:
            t = t.filter(t.persona_id == persona)
        if "segment" in p and "rfm_segment" in t.columns:
            t = t.filter(t.rfm_segment == p["segment"])
        if risk is not None and "churn_risk" in t.columns:
            lo, hi = RISK_BANDS[risk]
            t = t.filter((t.churn_risk >= lo) & (t.churn_risk < hi))
        return t

    total = int(run(store, ("customers.count", shape), lambda p: build(p).aggregate(n=ibis._.count()),
                    params)["n"].iloc[0])
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, query.page), pages)

    def page_of(p: dict[str, str]) -> ibis.Table:
        t = build(p)
        order = [ibis.desc(t.revenue), t.customer_id] if "revenue" in t.columns else [t.customer_id]
        return t.order_by(order).limit(PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

    df = run(store, ("customers.page", shape, page), page_of, params)
    rows = []
    for r in df.to_dict("records"):
        risk = r.get("churn_risk")
        rows.append({
            **r,
            "persona": r.get(f"persona_name_{lang}"),
            "risk_band": _band(risk),
            "churn_risk_pct": None if risk is None or pd.isna(risk) else float(risk) * 100,
        })
    return {"rows": rows, "total": total, "page": page, "pages": pages}


def _band(risk: Any) -> str | None:
    if risk is None or pd.isna(risk):
        return None
    return next(b for b, (lo, hi) in RISK_BANDS.items() if lo <= float(risk) < hi)


def filter_options(store: Any, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Choices for the persona and RFM-segment filters."""
    personas: list[tuple[str, str]] = []
    names = table_names(store)
    if "persona_profiles" in names:
        profiles = store.table("persona_profiles")
        df = run(store, "options.personas",
                 lambda p: profiles.select("persona_id", "name_en", "name_vi").order_by("persona_id"))
        personas = [(str(int(r["persona_id"])), str(r[f"name_{lang}"])) for r in df.to_dict("records")]
    segments: list[tuple[str, str]] = []
    if "customer_personas" in names:
        present = run(store, "options.segments",
                      lambda p: store.table("customer_personas").select("rfm_segment").distinct())["rfm_segment"]
        segments = sorted(((k, t(f"web.rfm.{k}", lang)) for k in present.dropna()), key=lambda kv: kv[1])
    return {"personas": personas, "segments": segments}


def _rows(store: Any, name: str, customer_id: str) -> list[dict[str, Any]]:
    """One customer's rows of table ``name`` (empty when the table does not exist yet)."""
    if name not in table_names(store):
        return []

    def build(p: dict[str, str]) -> ibis.Table:
        t = store.table(name)
        return t.filter(t.customer_id == p["cid"])

    return records(store, ("rows", name), build, {"cid": customer_id})


def _when(ts: Any, tz: str, lang: str) -> str:
    if ts is None or pd.isna(ts):
        return "—"
    local = pd.Timestamp(ts).tz_convert(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y %H:%M") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def _timeline(store: Any, customer_id: str, tz: str, lang: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Orders, events, feedback, messages and tickets, newest first (the latest TIMELINE_LIMIT of each).

    One query: each table projected to (kind, at, a, b, c, num), unioned, ranked per kind.
    """
    def part(cid: str, name: str, at: str, a: Any, b: Any, c: Any, num: Any) -> ibis.Table:
        t = store.table(name)
        t = t.filter(t.customer_id == cid)
        return t.select(kind=ibis.literal(name), at=t[at], a=a(t), b=b(t), c=c(t), num=num(t))

    def build(p: dict[str, str]) -> ibis.Table:
        u = _union(p["cid"], part)
        w = ibis.window(group_by=u.kind, order_by=[ibis.desc(u.at)])
        ranked = u.mutate(_rn=ibis.row_number().over(w), _n=u.kind.count().over(ibis.window(group_by=u.kind)))
        return ranked.filter(ranked._rn < TIMELINE_LIMIT)

    df = run(store, "timeline", build, {"cid": customer_id})
    counts = {k: 0 for k in ("orders", "events", "feedback", "messages", "tickets")}
    counts.update({str(k): int(n) for k, n in df.groupby("kind")["_n"].max().items()})
    items = []
    for r in df.sort_values("at", ascending=False, na_position="last").head(TIMELINE_LIMIT).to_dict("records"):
        items.append({"kind": r["kind"], "at": r["at"], "when": _when(r["at"], tz, lang), "text": _text(r),
                      "amount": r["num"] if r["kind"] == "orders" else None})
    return items, counts


def _union(cid: str, part: Any) -> ibis.Table:
    s, f64 = ibis.literal(None, type="string"), ibis.literal(None, type="float64")
    return ibis.union(
        part(cid, "orders", "ordered_at", lambda t: t.order_id, lambda t: t.channel, lambda t: t.status,
             lambda t: t.total_amount.cast("float64")),
        part(cid, "events", "occurred_at", lambda t: t.name, lambda t: t.channel, lambda t: s, lambda t: f64),
        part(cid, "feedback", "submitted_at", lambda t: t.instrument, lambda t: t.comment, lambda t: s,
             lambda t: t.score),
        part(cid, "messages", "sent_at", lambda t: t.channel, lambda t: t.template_id, lambda t: t.status,
             lambda t: f64),
        part(cid, "tickets", "opened_at", lambda t: t.topic, lambda t: t.status, lambda t: s, lambda t: f64),
        distinct=False,
    )


def _text(r: dict[str, Any]) -> str:
    def v(x: Any) -> str:
        return "" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)

    if r["kind"] == "feedback":
        score = "" if pd.isna(r["num"]) else f"{r['num']:g}"
        return f"{v(r['a']).upper()} {score}" + (f" — “{r['b']}”" if v(r["b"]) else "")
    return " · ".join(x for x in (v(r["a"]), v(r["b"]), v(r["c"])) if x)


def _consents(store: Any, customer_id: str, tz: str, lang: str) -> list[dict[str, Any]]:
    from centric.privacy import PURPOSES, consent_state

    def build(p: dict[str, str]) -> ibis.Table:
        s = consent_state(store)
        return s.filter(s.customer_id == p["cid"]).order_by("purpose")

    rows = records(store, "consents", build, {"cid": customer_id})
    out = []
    for r in rows:
        p = PURPOSES.get(r["purpose"])
        name = (p.name_en if lang == "en" else p.name_vi) if p else r["purpose"]
        out.append({"purpose": r["purpose"], "name": name, "status": r["status"],
                    "when": _when(r["recorded_at"], tz, lang)})
    return out


def customer_360(store: Any, customer_id: str, tz: str, lang: str) -> dict[str, Any] | None:
    """Profile, identities and merge evidence, timeline, scores with reasons, consents; ``None`` if unknown."""
    prof = _rows(store, "customers", customer_id)
    if not prof:
        return None
    profile = prof[0]
    try:
        attrs = json.loads(profile.get("attributes") or "{}")
    except ValueError:
        attrs = {}
    scores = (_rows(store, "customer_scores", customer_id) or [{}])[0]
    churn = (_rows(store, "churn_scores", customer_id) or [{}])[0]
    reasons = [churn[f"reason_{i}_{lang}"] for i in (1, 2, 3) if churn.get(f"reason_{i}_{lang}")]
    persona = (_rows(store, "customer_personas", customer_id) or [{}])[0]
    timeline, counts = _timeline(store, customer_id, tz, lang)
    records = _rows(store, "customer_records", customer_id)
    return {
        "profile": profile,
        "attributes": attrs,
        "records": [{k: r.get(k) for k in ("customer_ref", "source", "display_name", "email", "phone")}
                    for r in records],
        "identities": _rows(store, "identities", customer_id),
        "merges": _rows(store, "identity_merges", customer_id),
        "scores": scores,
        "churn_risk_pct": None if pd.isna(scores.get("churn_risk", float("nan")))
        else float(scores["churn_risk"]) * 100,
        "churn_reasons": reasons,
        "persona": persona.get(f"persona_name_{lang}"),
        "rfm_segment": persona.get("rfm_segment"),
        "timeline": timeline,
        "counts": counts,
        "consents": _consents(store, customer_id, tz, lang),
    }

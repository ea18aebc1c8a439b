"""View models and actions for the Data and Feedback pages.

* import history (``import_batches``) and the quarantine review: a quarantined row can be
  edited and run again through the importer's own validation (:func:`centric.ingest._validate.
  validate_chunk`, with the batch's stored header mapping): it is then stored (and leaves the
  quarantine) or stays quarantined with its new reasons; or it is discarded with a note. Every
  decision is kept in ``quarantine_reviews``.
* feedback responses with filters (instrument, score band, dates, with a comment).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import numpy as np
import pandas as pd

from centric.exceptions import InputError
from centric.web._query import run

__all__ = [
    "SCORE_BANDS",
    "FeedbackQuery",
    "discard_row",
    "feedback_list",
    "import_history",
    "quarantine_list",
    "quarantine_row",
    "retry_row",
]

PAGE_SIZE = 50
#: score bands: (instrument, low, high) inclusive; NPS 0–10, CSAT 1–5, CES 2.0 1–7 (7 = easy)
SCORE_BANDS = {
    "detractor": ("nps", 0, 6),
    "passive": ("nps", 7, 8),
    "promoter": ("nps", 9, 10),
    "low_csat": ("csat", 1, 2),
    "high_effort": ("ces", 1, 3),
}


def _local(ts: Any, tz: str, lang: str) -> str:
    if ts is None or pd.isna(ts):
        return "—"
    local = pd.Timestamp(ts).tz_convert(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y %H:%M") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def import_history(store: Any, tz: str, lang: str) -> list[dict[str, Any]]:
    """Every import batch, newest first, with rows read/stored/merged/quarantined and open reviews."""
    b = run(store, "imports", lambda p: store.table("import_batches").order_by(ibis.desc("imported_at")))
    open_q = run(store, "imports.open",
                 lambda p: _open_quarantine(store).group_by("batch_id").aggregate(open=ibis._.count()))
    open_by = dict(zip(open_q["batch_id"], open_q["open"], strict=True))
    out = []
    for r in b.to_dict("records"):
        out.append({**r, "file": str(r["path"] or "").rsplit("/", 1)[-1], "when": _local(r["imported_at"], tz, lang),
                    "open": int(open_by.get(r["batch_id"], 0))})
    return out


def _decided(store: Any, decisions: tuple[str, ...]) -> ibis.Table:
    r = store.table("quarantine_reviews")
    return r.filter(r.decision.isin(decisions)).select("batch_id", "row_number").distinct()


def _open_quarantine(store: Any) -> ibis.Table:
    return store.table("quarantine").anti_join(_decided(store, ("discarded",)), ["batch_id", "row_number"])


def quarantine_list(store: Any, *, batch_id: str = "", show: str = "open", page: int = 1) -> dict[str, Any]:
    """Quarantined rows (open ones, or the discarded ones) with their raw cells and reasons."""
    params = {"batch": batch_id} if batch_id else {}
    shape = (show == "discarded", bool(batch_id))

    def build(p: dict[str, str]) -> ibis.Table:
        q = store.table("quarantine")
        if show == "discarded":
            q = q.semi_join(_decided(store, ("discarded",)), ["batch_id", "row_number"])
        else:
            q = _open_quarantine(store)
        return q.filter(q.batch_id == p["batch"]) if "batch" in p else q

    total = int(run(store, ("quarantine.count", shape), lambda p: build(p).aggregate(n=ibis._.count()),
                    params)["n"].iloc[0])
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    df = run(store, ("quarantine.page", shape, page),
             lambda p: build(p).order_by(["batch_id", "row_number"]).limit(PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
             params)
    rows = [{**r, "cells": json.loads(r["raw"] or "{}")} for r in df.to_dict("records")]
    return {"rows": rows, "total": total, "page": page, "pages": pages}


def quarantine_row(store: Any, batch_id: str, row_number: int) -> dict[str, Any] | None:
    """One quarantined row with its cells, reasons and the decisions taken on it so far."""
    q = store.table("quarantine")
    df = q.filter((q.batch_id == batch_id) & (q.row_number == row_number)).execute()
    r = store.table("quarantine_reviews")
    hist = r.filter((r.batch_id == batch_id) & (r.row_number == row_number)).order_by("decided_at").execute()
    if df.empty:
        return {"row": None, "history": hist.to_dict("records")} if len(hist) else None
    row = df.iloc[0].to_dict()
    row["cells"] = json.loads(row["raw"] or "{}")
    return {"row": row, "history": hist.to_dict("records")}


def _review(store: Any, row: dict[str, Any], decision: str, *, by: str, note: str = "",
            raw_after: str | None = None, reasons_after: str | None = None) -> None:
    store.append("quarantine_reviews", pd.DataFrame([{
        "review_id": "qr_" + uuid.uuid4().hex[:12], "batch_id": row["batch_id"], "row_number": int(row["row_number"]),
        "table": row["table"], "decision": decision, "note": note or None, "raw_before": row["raw"],
        "raw_after": raw_after, "reasons_after": reasons_after, "decided_by": by,
        "decided_at": pd.Timestamp(_dt.datetime.now(_dt.UTC)),
    }]))


def _need(store: Any, batch_id: str, row_number: int) -> dict[str, Any]:
    found = quarantine_row(store, batch_id, row_number)
    if not found or found["row"] is None:
        raise InputError(f"No quarantined row {row_number} in batch {batch_id!r} (it may have been fixed already).")
    return dict(found["row"])


def retry_row(store: Any, batch_id: str, row_number: int, cells: dict[str, str], *, by: str,
              timezone: str, currency: str, note: str = "") -> dict[str, Any]:
    """Run the edited cells through the importer's validation; store the row or keep it with new reasons.

    Returns ``{"stored": bool, "reasons": str | None}``. A stored row leaves the quarantine and the
    batch's counts move from quarantined to stored (or merged, when its key is already stored).
    """
    from centric.ingest._mapping import resolve_mapping
    from centric.ingest._validate import validate_chunk

    row = _need(store, batch_id, row_number)
    original = json.loads(row["raw"] or "{}")
    if "line" in original and len(original) == 1:
        raise InputError("This row could not be read as a record (a broken line); discard it and fix the file.")
    raw = {k: (cells.get(k, v) if cells.get(k, v) != "" else None) for k, v in original.items()}
    b = store.table("import_batches")
    batch = b.filter(b.batch_id == batch_id).execute()
    stored_map = json.loads(batch["mapping"].iloc[0] or "{}") if len(batch) else {}
    cmap = resolve_mapping(list(raw), row["table"], {h: c for h, c in stored_map.items() if h in raw},
                           file=f"batch {batch_id}")
    checked = validate_chunk(pd.DataFrame([raw], dtype=object), np.array([row_number]), cmap,
                             source=row["source"], timezone=timezone, currency=currency)
    raw_after = json.dumps(raw, ensure_ascii=False)
    if len(checked.good):
        added, present = store.append_new(row["table"], checked.good.assign(batch_id=batch_id))
        q = store.table("quarantine")
        store.rewrite("quarantine", q.filter(~((q.batch_id == batch_id) & (q.row_number == row_number))))
        _move_count(store, batch_id, "rows_stored" if added else "rows_merged")
        _review(store, row, "fixed", by=by, note=note, raw_after=raw_after)
        return {"stored": True, "merged": bool(present), "reasons": None}
    reasons = "; ".join(checked.bad["reasons"].astype(str)) if len(checked.bad) else "row is blank"
    q = store.table("quarantine")
    hit = (q.batch_id == batch_id) & (q.row_number == row_number)
    store.rewrite("quarantine", q.mutate(raw=ibis.ifelse(hit, ibis.literal(raw_after), q.raw),
                                          reasons=ibis.ifelse(hit, ibis.literal(reasons), q.reasons)))
    _review(store, row, "retried", by=by, note=note, raw_after=raw_after, reasons_after=reasons)
    return {"stored": False, "merged": False, "reasons": reasons}


def _move_count(store: Any, batch_id: str, to: str) -> None:
    b = store.table("import_batches")
    hit = b.batch_id == batch_id
    store.rewrite("import_batches", b.mutate(
        rows_quarantined=ibis.ifelse(hit, b.rows_quarantined - 1, b.rows_quarantined),
        **{to: ibis.ifelse(hit, b[to] + 1, b[to])},
    ))


def discard_row(store: Any, batch_id: str, row_number: int, *, by: str, note: str) -> None:
    """Keep the row out on purpose; the note (required) says why. The row stays in the quarantine."""
    if not note.strip():
        raise InputError("The 'note' is required to discard a row: say why it is kept out. / Cần ghi chú lý do.")
    _review(store, _need(store, batch_id, row_number), "discarded", by=by, note=note.strip())


@dataclass(frozen=True)
class FeedbackQuery:
    """Filters of the feedback page."""

    instrument: str = ""
    band: str = ""
    date_from: str = ""
    date_to: str = ""
    with_comment: bool = False
    page: int = 1


def _day(text: str, tz: str, *, end: bool = False) -> _dt.datetime | None:
    if not text:
        return None
    try:
        d = _dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"The date {text!r} is not a date (expected yyyy-mm-dd).") from None
    start = _dt.datetime.combine(d + _dt.timedelta(days=1 if end else 0), _dt.time(), ZoneInfo(tz))
    return start.astimezone(_dt.UTC)


def feedback_list(store: Any, query: FeedbackQuery, tz: str, lang: str) -> dict[str, Any]:
    """One page of survey answers matching the filters, newest first, with customer names."""
    start, stop = _day(query.date_from, tz), _day(query.date_to, tz, end=True)
    params = {"instrument": query.instrument} if query.instrument else {}
    band = query.band if query.band in SCORE_BANDS else None
    shape = ("instrument" in params, band, start, stop, query.with_comment)

    def build(p: dict[str, str]) -> ibis.Table:
        f = store.table("feedback")
        if "instrument" in p:
            f = f.filter(f.instrument == p["instrument"])
        if band is not None:
            inst, lo, hi = SCORE_BANDS[band]
            f = f.filter((f.instrument == inst) & f.score.between(lo, hi))
        if start is not None:
            f = f.filter(f.submitted_at >= start)
        if stop is not None:
            f = f.filter(f.submitted_at < stop)
        if query.with_comment:
            f = f.filter(f.comment.notnull() & (f.comment.strip() != ""))
        return f

    total = int(run(store, ("feedback.count", shape), lambda p: build(p).aggregate(n=ibis._.count()),
                    params)["n"].iloc[0])
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, query.page), pages)

    def page_of(p: dict[str, str]) -> ibis.Table:
        f = build(p)
        top = f.order_by([ibis.desc(f.submitted_at), f.response_id]).limit(PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        c = store.table("customers").select(_cid="customer_id", display_name="display_name")
        j = top.left_join(c, top.customer_id == c._cid)  # names for the 50 rows only
        return j.order_by([ibis.desc(j.submitted_at), j.response_id])

    df = run(store, ("feedback.page", shape, page), page_of, params)
    rows = [{**r, "when": _local(r["submitted_at"], tz, lang)} for r in df.to_dict("records")]
    fb = store.table("feedback")
    kinds = run(store, "feedback.kinds", lambda p: fb.select("instrument").distinct())["instrument"]
    instruments = sorted(str(x) for x in kinds.dropna())
    return {"rows": rows, "total": total, "page": page, "pages": pages, "instruments": instruments}

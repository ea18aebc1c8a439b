"""The main job: import → resolve identities → measure → store scores → report.

``analyze(store)`` is what ``centric analyze`` and ``centric demo`` run. Each
step reports through a :class:`~centric._progress.Progress` and records its
timing; every headline figure lands in ``summary`` with its n and interval.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from centric import metrics
from centric._progress import NullProgress, Progress
from centric._version import __version__
from centric.exceptions import InputError
from centric.identity import resolve
from centric.metrics import MetricResult
from centric.store import Store

__all__ = ["DEFAULT_TZ", "Results", "analyze", "quarantine_reasons"]

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


@dataclass
class Results:
    """What one run produced: a JSON-ready ``summary`` and frames for charts."""

    run_id: str
    summary: dict[str, Any]
    frames: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> dict[str, dict[str, Any]]:
        """Headline metrics as dicts (value, n, low, high, definition…)."""
        return self.summary["headline"]


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - t0, 3)


def quarantine_reasons(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """Most frequent quarantine reasons (the field and the kind of problem), with row counts."""
    q = store.table("quarantine").select("reasons").execute()
    counts: Counter[str] = Counter()
    for text in q["reasons"].dropna():
        for reason in str(text).split("; "):
            counts[_reason_kind(reason)] += 1
    return [{"reason": r, "rows": n} for r, n in counts.most_common(limit)]


def _reason_kind(reason: str) -> str:
    """'phone: '12345' is not …' -> 'phone: is not …' (the value taken out, so reasons group)."""
    head, _, rest = reason.partition(": ")
    if not rest:
        return reason
    if rest.startswith("'") or rest.startswith('"'):
        q = rest[0]
        end = rest.find(q, 1)
        if end > 0:
            rest = rest[end + 1 :].strip()
    return f"{head}: {rest}"


def _as_of(store: Store) -> pd.Timestamp:
    o = store.table("orders")
    e = store.table("events")
    f = store.table("feedback")
    ends = [
        o.ordered_at.max().execute(),
        e.occurred_at.max().execute(),
        f.submitted_at.max().execute(),
    ]
    ends = [pd.Timestamp(x) for x in ends if x is not None and not pd.isna(x)]
    if not ends:
        raise InputError(
            "There is nothing to analyse: the store has no orders, events or feedback. "
            "Import data first (centric import PATH) or run centric demo."
        )
    end = max(ends)
    return end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")


def _start(store: Store) -> pd.Timestamp | None:
    x = store.table("orders").ordered_at.min().execute()
    if x is None or pd.isna(x):
        return None
    ts = pd.Timestamp(x)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts


def _safe(fn: Callable[[], MetricResult], name: str, warnings: list[str]) -> dict[str, Any] | None:
    try:
        return fn().to_dict()
    except InputError as exc:
        warnings.append(f"{name}: {exc}")
        return None


def _last_complete_retention(orders: ibis.Table, as_of: pd.Timestamp, tz: str) -> dict[str, Any] | None:
    pr = metrics.period_retention(orders, freq="M", tz=tz)
    if pr.empty:
        return None
    local_asof = as_of.tz_convert(tz)
    current = pd.Period(local_asof.tz_localize(None), freq="M")
    done = pr[(pr["period"] < current) & (pr["S"] > 0)]
    if done.empty:
        return None
    row = done.iloc[-1]
    n, e, new, kept = int(row["S"]), int(row["E"]), int(row["N"]), int(row["retained"])
    crr = float(row["retention"])
    return MetricResult(
        "retention", float(row["retained_pct"]), n, float(row["low"]), float(row["high"]), "wilson", "%",
        definition=(
            f"Share of the {n} customers who bought in the month before {row['period']} who bought again in "
            f"{row['period']} ({kept}), with a Wilson interval. The classic (E − N) / S is {crr:.1f}% "
            f"(E = {e} buyers this month, N = {new} new); it also counts {e - new - kept} returning lapsed "
            "customers, so it can exceed the share retained."
        ),
        definition_vi=(
            f"Tỷ lệ trong {n} khách đã mua vào tháng trước {row['period']} quay lại mua trong tháng {row['period']} "
            f"({kept} khách), khoảng tin cậy Wilson. Công thức (E − N) / S cho {crr:.1f}% (E = {e} khách mua "
            f"tháng này, N = {new} khách mới); công thức này tính cả {e - new - kept} khách cũ quay lại nên có "
            "thể cao hơn tỷ lệ giữ chân thực."
        ),
        small_sample=n < 30, suppressed=n < 10,
        extra={"period": str(row["period"]), "S": n, "E": e, "N": new, "retained": kept, "crr_pct": crr},
    ).to_dict()


def _series(fn: Callable[..., Any], table: ibis.Table, tz: str, **kw: Any) -> pd.DataFrame | None:
    """Monthly series; quarterly when most months are too small to show."""
    for freq in ("M", "Q"):
        try:
            df = fn(table, by="period", freq=freq, tz=tz, **kw)
        except InputError:
            return None
        if not isinstance(df, pd.DataFrame) or df.empty:
            return None
        if (~df["suppressed"].astype(bool)).mean() >= 0.5:
            break
    df = df.copy()
    df.attrs["freq"] = freq
    return df


def analyze(
    store: Store,
    *,
    as_of: Any = None,
    tz: str = DEFAULT_TZ,
    progress: Progress | None = None,
    imports: list[dict[str, Any]] | None = None,
    extra_steps: list[Callable[[Store, Results, pd.Timestamp], None]] | None = None,
) -> Results:
    """Run the main analysis on a store and return its results.

    Steps: identity resolution; survey metrics (NPS, CSAT, CES by version,
    life impact) overall and by month; retention, cohorts and churn; historical
    CLV; engagement; per-customer scores written to ``customer_scores``.
    """
    progress = progress or NullProgress()
    timer = _Timer()
    warnings: list[str] = []
    run_id = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    frames: dict[str, Any] = {}
    headline: dict[str, Any] = {}

    with progress.task("Resolving identities / Hợp nhất định danh") as task, timer.step("identity"):
        ident = resolve(store)
        task.note(f"{ident.records:,} records → {ident.records - ident.merged_records:,} people ({ident.merged_records:,} merged), plus {ident.refs_without_record:,} marketplace buyers")

    as_of_ts = pd.Timestamp(as_of).tz_convert("UTC") if as_of is not None else _as_of(store)
    start = _start(store)
    fb, orders, events = store.table("feedback"), store.table("orders"), store.table("events")

    with progress.task("Survey metrics / Chỉ số khảo sát", total=5) as task, timer.step("surveys"):
        headline["nps"] = _safe(lambda: metrics.nps(fb), "nps", warnings)
        task.advance()
        headline["csat"] = _safe(lambda: metrics.csat(fb), "csat", warnings)
        task.advance()
        headline["ces_v2"] = _safe(lambda: metrics.ces(fb, version="2.0"), "ces", warnings)
        headline["ces_v1"] = _safe(lambda: metrics.ces(fb, version="1.0"), "ces", warnings)
        task.advance()
        headline["life_impact"] = _safe(lambda: metrics.life_impact_index(fb), "life_impact", warnings)
        task.advance()
        frames["nps_by_month"] = _series(metrics.nps, fb, tz)
        frames["csat_by_month"] = _series(metrics.csat, fb, tz)
        task.advance()
        n_resp = sum(int((headline.get(k) or {}).get("n", 0)) for k in ("nps", "csat", "ces_v2", "ces_v1"))
        task.note(f"{n_resp:,} survey responses measured")

    with progress.task("Segments / Phân khúc") as task, timer.step("segments"):
        segments = _segments(store, tz)
        task.note(f"{sum(len(v['rows']) for v in segments)} segment rows")

    with progress.task("Retention & churn / Giữ chân & rời bỏ", total=3) as task, timer.step("retention"):
        headline["retention"] = _last_complete_retention(orders, as_of_ts, tz)
        task.advance()
        cust = metrics.cohort_retention(orders, freq="M", by="customers", tz=tz)
        rev = metrics.cohort_retention(orders, freq="M", by="revenue", tz=tz)
        frames["cohort_customers"] = cust.shares
        frames["cohort_revenue"] = rev.shares
        frames["cohort_sizes"] = cust.sizes
        task.advance()
        headline["churn"] = _safe(lambda: metrics.churn(orders, as_of=as_of_ts, tz=tz), "churn", warnings)
        task.advance()
        if headline["churn"]:
            frames["churn_rule_days"] = headline["churn"]["extra"].get("inactive_days")
        task.note(f"{len(cust.shares)} cohorts")

    with progress.task("Customer value & engagement / Giá trị & tương tác", total=3) as task, timer.step("value"):
        hist = metrics.historical_clv(
            orders, order_items=store.table("order_items"), products=store.table("products"), as_of=None, tz=tz
        )
        headline["clv_hist"] = _safe(
            lambda: metrics.clv_summary(orders, order_items=store.table("order_items"),
                                        products=store.table("products"), tz=tz),
            "clv", warnings,
        )
        task.advance()
        eng = metrics.engagement_index(events, as_of=as_of_ts, tz=tz)
        headline["engagement"] = _safe(lambda: metrics.engagement_summary(events, as_of=as_of_ts, tz=tz),
                                       "engagement", warnings)
        task.advance()
        scores = _customer_scores(store, hist, eng, as_of_ts, frames, run_id)
        task.advance()
        task.note(f"{len(scores):,} customers scored")

    results = Results(run_id=run_id, summary={}, frames=frames)
    results.summary = {
        "centric_version": __version__,
        "run_id": run_id,
        "generated_at": _dt.datetime.now(_dt.UTC).isoformat(),
        "as_of": as_of_ts.isoformat(),
        "timezone": tz,
        "window": {
            "start": start.tz_convert(tz).strftime("%Y-%m-%d") if start is not None else None,
            "end": as_of_ts.tz_convert(tz).strftime("%Y-%m-%d"),
        },
        "store": {"kind": store.kind, "url": store.url},
        "headline": {k: v for k, v in headline.items() if v is not None},
        "counts": {name: store.count(name) for name in (
            "customer_records", "customers", "orders", "order_items", "products", "events", "feedback",
            "tickets", "consents", "quarantine")},
        "identity": ident.to_dict(),
        "imports": imports if imports is not None else _import_batches(store),
        "quarantine_reasons": quarantine_reasons(store),
        "segments": segments,
        "warnings": warnings,
        "timings": timer.timings,
    }
    with progress.task("Lifetime value model / Mô hình giá trị vòng đời (BG/NBD)") as task, timer.step("clv"):
        from centric._clv_step import clv_step

        clv_step(store, results, as_of_ts)
        if "clv_model" in results.summary:
            p = results.summary["clv_model"]["bg_nbd"]["params"]
            task.note("BG/NBD " + ", ".join(f"{k}={v:.3g}" for k, v in p.items()))
    for title, module, name in STEPS:
        with progress.task(title) as task, timer.step(name):
            step = getattr(importlib.import_module(module), f"{name}_step")
            try:
                step(store, results, as_of_ts)
            except InputError as exc:  # not enough data and the like: stated, not crashed
                results.summary.setdefault("warnings", []).append(f"{name}: {exc}")
            status = (results.summary.get(name) or results.summary.get(f"{name}_model") or {}).get("status")
            if status:
                task.note(str(status))
    for step in extra_steps or []:
        with timer.step(getattr(step, "__name__", "extra")):
            step(store, results, as_of_ts)
    results.summary["timings"] = timer.timings
    return results


#: (metric, segment column, where the column lives)
SEGMENTS = [
    ("nps", "channel", "feedback"),
    ("nps", "province", "customers"),
    ("nps", "life_stage", "customers"),
    ("csat", "channel", "feedback"),
]


def _segments(store: Store, tz: str) -> list[dict[str, Any]]:
    """Survey metrics by segment, with minimum-n suppression per group."""
    fb = store.table("feedback")
    cust = store.table("customers").select("customer_id", "province", "life_stage")
    out = []
    for metric, col, where in SEGMENTS:
        table = fb if where == "feedback" else fb.join(cust, "customer_id")
        fn = getattr(metrics, metric)
        try:
            df = fn(table, by=col, tz=tz)
        except InputError:
            continue
        if not isinstance(df, pd.DataFrame) or df.empty:
            continue
        df = df.sort_values("n", ascending=False)
        rows = []
        for r in df.to_dict("records"):
            rows.append({
                "group": None if pd.isna(r[col]) else str(r[col]),
                "value": None if r["suppressed"] else _num(r["value"]),
                "low": None if r["suppressed"] else _num(r["low"]),
                "high": None if r["suppressed"] else _num(r["high"]),
                "n": int(r["n"]), "small_sample": bool(r["small_sample"]), "suppressed": bool(r["suppressed"]),
            })
        out.append({"metric": metric, "by": col, "method": str(df["method"].iloc[0]), "rows": rows})
    return out


def _num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


#: later steps: (progress title, module, step name); each module has ``<name>_step(store, results, as_of)``
STEPS = [
    ("Personas / Chân dung khách hàng", "centric.personas", "personas"),
    ("Journeys & friction / Hành trình & điểm ma sát", "centric.journeys", "journeys"),
    ("Churn risk model / Mô hình nguy cơ rời bỏ", "centric.churn", "churn"),
    ("Recommendations & next best action / Gợi ý & hành động tiếp theo", "centric.recommend", "recommend"),
]


def _import_batches(store: Store) -> list[dict[str, Any]]:
    df = store.table("import_batches").order_by("imported_at").execute()
    out = []
    for row in df.to_dict("records"):
        read = int(row["rows_read"] or 0)
        stored, merged, quar = (int(row[k] or 0) for k in ("rows_stored", "rows_merged", "rows_quarantined"))
        out.append({
            "path": row["path"], "table": row["table"], "source": row["source"], "batch_id": row["batch_id"],
            "rows_read": read, "rows_stored": stored, "rows_merged": merged, "rows_quarantined": quar,
            "rows_blank": read - stored - merged - quar,
            "imported_at": str(row["imported_at"]),
        })
    return out


def _customer_scores(
    store: Store, hist: ibis.Table, eng: ibis.Table, as_of: pd.Timestamp, frames: dict[str, Any], run_id: str
) -> pd.DataFrame:
    """One row per customer with value, recency and engagement (written to ``customer_scores``)."""
    customers = store.table("customers").select("customer_id")
    h = hist.rename(_hid="customer_id")
    e = eng.select(_eid="customer_id", engagement_index="index", events="events")
    j = customers.left_join(h, customers.customer_id == h._hid)
    j = j.left_join(e, j.customer_id == e._eid)
    cols = ["customer_id", "revenue", "orders", "first_order_at", "last_order_at", "engagement_index", "events"]
    if "margin" in hist.columns:
        cols.insert(3, "margin")
    df = j.select(*cols).execute()
    last = pd.to_datetime(df["last_order_at"], utc=True)
    df["recency_days"] = (as_of - last).dt.total_seconds() / 86400.0
    rule = frames.get("churn_rule_days")
    churned = (df["recency_days"] > rule).astype("boolean") if rule is not None else pd.Series(pd.NA, index=df.index, dtype="boolean")
    df["churned"] = churned.mask(df["recency_days"].isna())
    df["run_id"] = run_id
    df["computed_at"] = pd.Timestamp.now(tz="UTC")
    store.replace("customer_scores", df)
    frames["clv_hist"] = df["revenue"].dropna()
    frames["engagement"] = df["engagement_index"].dropna()
    bands = pd.cut(df["engagement_index"], [-0.01, 20, 40, 60, 80, 100], labels=["0–20", "20–40", "40–60", "60–80", "80–100"])
    frames["engagement_bands"] = (
        df.assign(band=bands, churned=df["churned"].astype("float"))
        .groupby("band", observed=True)
        .agg(customers=("customer_id", "size"), mean_revenue=("revenue", "mean"), churned_pct=("churned", "mean"))
        .reset_index()
        .assign(churned_pct=lambda d: 100 * d["churned_pct"])
    )
    frames["recency_days"] = df["recency_days"].dropna()
    return df


def load_summary(path: Path) -> dict[str, Any]:
    """Read a summary.json back."""
    return dict(json.loads(Path(path).read_text("utf-8")))

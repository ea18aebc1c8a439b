"""The recommend step of the main job: evaluate, recommend, choose next best actions, store.

``recommend_step(store, results, as_of)`` writes:

* ``results.summary["recommend"]``: ``status`` ("ok" or "not_enough_data" with ``message`` /
  ``message_vi``), ``evaluation`` (time-split holdout: precision@k, recall@k, NDCG@k, coverage per
  model incl. popularity, ``n_users`` evaluated, NDCG lift vs popularity), ``served`` (customers
  with personal lists, with the fallback), ``nba`` (customers and expected value per action, the
  policy) and ``tables``;
* ``results.frames["recommend_metrics"]`` and ``["nba_actions"]`` (DataFrames);
* the derived tables ``recommendations`` (:data:`centric.recommend.COLUMNS`) and
  ``next_best_actions`` (customer_id, action, expected_value, priority, reason_en, reason_vi,
  computed_at).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from centric.exceptions import InputError
from centric.recommend._data import shared_purchases
from centric.recommend._evaluate import TEST_DAYS, evaluate_time_split
from centric.recommend._nba import NBAPolicy, next_best_actions
from centric.recommend._serve import build_recommendations
from centric.store import Store

__all__ = ["recommend_step"]


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    return x


def _arrow_strings(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """On DuckDB, text columns as Arrow strings: written as they are, without inferring and converting each
    Python string again (the stored table and its types are the same). Other backends get ``df``."""
    if getattr(store, "kind", None) != "duckdb":
        return df
    out = df.copy(deep=False)
    for c in out.columns:
        col = out[c]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            try:
                out[c] = col.astype(pd.ArrowDtype(pa.string()))
            except (pa.ArrowException, TypeError, ValueError):  # not only text: leave it to the store
                pass
    return out


def _shared(store: Store, end: pd.Timestamp | None) -> contextlib.AbstractContextManager[None]:
    """Purchases counted once for the evaluation (before the default cut) and the served lists (before as_of)."""
    if end is None:
        return contextlib.nullcontext()
    return shared_purchases(store, ends=[end - pd.Timedelta(days=TEST_DAYS), end])


def recommend_step(store: Store, results: Any, as_of: pd.Timestamp, *, k: int = 10) -> None:
    """Evaluate the recommenders, write ``recommendations`` and ``next_best_actions``; see the module docstring."""
    summary, frames = results.summary, results.frames
    run_id = summary.get("run_id") or getattr(results, "run_id", None)
    out: dict[str, Any] = {"k": k}
    end = pd.Timestamp(as_of) + pd.Timedelta(seconds=1) if as_of is not None else None  # as_of is the last record
    with _shared(store, end):
        try:
            ev = evaluate_time_split(store, as_of=end, k=k)
            out["status"] = "ok"
            out["evaluation"] = ev
        except InputError as exc:
            out["status"] = "not_enough_data"
            out["message"] = str(exc)
            out["message_vi"] = "Chưa đủ dữ liệu để đánh giá gợi ý: " + str(exc)
        recs = build_recommendations(store, as_of=end, k=k, run_id=run_id)
    store.replace("recommendations", _arrow_strings(store, recs))
    personal = recs.loc[recs["model"] != "popularity", "customer_id"].nunique()
    fallback = recs.loc[recs["model"] == "popularity", "customer_id"].nunique()
    out["served"] = {
        "model": "item_knn",
        "personalised_customers": int(personal),
        "fallback_customers": int(fallback),
        "fallback": "popularity",
        "rows": len(recs),
        "purpose": "personalisation",
    }
    policy = NBAPolicy()
    nba = next_best_actions(store, recs, as_of=end, policy=policy)
    store.replace("next_best_actions", _arrow_strings(store, nba))
    by = nba.groupby("action")["expected_value"].agg(["size", "sum"])
    out["nba"] = {
        "policy": policy.as_dict(),
        "actions": {
            a: {
                "customers": int(by.loc[a, "size"]) if a in by.index else 0,
                "expected_value": float(by.loc[a, "sum"]) if a in by.index else 0.0,
            }
            for a in ("win_back", "cross_sell", "survey_request", "leave_alone")
        },
    }
    out["tables"] = {"recommendations": len(recs), "next_best_actions": len(nba)}
    out["computed_at"] = _dt.datetime.now(_dt.UTC).isoformat()
    summary["recommend"] = _clean(out)
    if out["status"] == "ok":
        frames["recommend_metrics"] = pd.DataFrame(
            [
                {"model": m, **{kk: v[kk] for kk in ("precision", "recall", "ndcg", "coverage", "n_users")}}
                for m, v in out["evaluation"]["models"].items()
            ]
        )
    frames["nba_actions"] = by.reset_index().rename(columns={"size": "customers", "sum": "expected_value"})

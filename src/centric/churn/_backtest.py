"""Backtest on a later window, and the churn step of the main job.

Time layout (``end`` is just after the last recorded instant ``as_of``; H the horizon)::

    ──── features ────┤ label ├──────────────────────   train:  cutoff end − 2H
    ─────────── features ─────┤ label ├──────────────   test:   cutoff end − H   (the later window)
    ─────────────────── features ─────┤ (future)         score:  cutoff end

The model is trained at ``end − 2H`` (its labels end at ``end − H``) and
evaluated at ``end − H``, whose label window ``[end − H, end)`` starts after
every training label was observed; the recency baseline is evaluated on the
same customers. The model that scores today's customers is then refitted on the
latest fully labelled window (cutoff ``end − H``).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from centric.churn._classifier import ChurnClassifier
from centric.churn._evaluate import evaluate
from centric.churn._frame import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_TZ,
    FEATURES,
    _check_horizon,
    _instant,
    check_setting,
    churn_frame,
    label_definition,
)
from centric.churn._reasons import _groups
from centric.exceptions import CentricError, InputError

__all__ = ["TARGETS", "backtest", "churn_step"]

#: What the backtest must show (issue 4): AUC on the later window, ECE, and beating the baseline.
TARGETS = {"roc_auc_min": 0.75, "ece_max": 0.05}
HIGH_RISK = 0.7


def _last_instant(store: Any) -> pd.Timestamp:
    x = store.table("orders").ordered_at.max().execute()
    if x is None or pd.isna(x):
        raise InputError("There are no orders in the store; churn needs completed orders. Import orders first.")
    ts = pd.Timestamp(x)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _end(store: Any, as_of: Any, tz: str) -> pd.Timestamp:
    ts = _last_instant(store) if as_of is None else _instant(as_of, "as_of", tz)
    return ts + pd.Timedelta(seconds=1)


def _xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return frame[list(FEATURES)], frame["churned"].to_numpy()


def _local(ts: pd.Timestamp, tz: str) -> str:
    return ts.tz_convert(tz).isoformat()


def _run_backtest(
    store: Any,
    *,
    horizon: int,
    end: pd.Timestamp,
    tz: str,
    calibration: str,
    min_customers: int,
    random_state: int | None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The backtest dict and the later window's frame (reused as the final training set)."""
    t2 = end - pd.Timedelta(days=horizon)
    t1 = t2 - pd.Timedelta(days=horizon)
    train = churn_frame(store, cutoff=t1, horizon_days=horizon, tz=tz)
    test = churn_frame(store, cutoff=t2, horizon_days=horizon, tz=tz)
    model = ChurnClassifier(horizon, calibration, min_customers=min_customers, random_state=random_state)
    model.fit(*_xy(train))
    X, y = _xy(test)
    ev = evaluate(model, X, y)
    m, b = ev["model"], ev["baseline"]
    out = {
        "setting": "non-contractual",
        "horizon_days": horizon,
        "label": label_definition(horizon),
        "model": _describe(model),
        "train": {
            "cutoff": _local(t1, tz),
            "label_window_end": _local(t2, tz),
            "n": len(train),
            "churn_rate": float(train["churned"].mean()),
        },
        "test": {
            "cutoff": _local(t2, tz),
            "label_window_end": _local(end, tz),
            "n": ev["n"],
            "churners": ev["churners"],
            "churn_rate": ev["churn_rate"],
        },
        "metrics": {"model": m, "baseline": b},
        "baseline_method": ev["baseline_method"],
        "beats_baseline": ev["beats_baseline"],
        "targets": {
            **TARGETS,
            "met": bool(
                m["roc_auc"] >= TARGETS["roc_auc_min"] and m["ece"] <= TARGETS["ece_max"] and ev["beats_baseline"]
            ),
        },
        "calibration": ev["calibration"],
        "lift": ev["lift"],
    }
    return out, test


def _describe(model: ChurnClassifier) -> str:
    return (
        f"LightGBM gradient boosting ({model.n_estimators} trees, {model.num_leaves} leaves) with "
        f"{model.calibration} calibration on {model.cv}-fold out-of-fold predictions"
    )


def backtest(
    store: Any,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    as_of: Any = None,
    tz: str = DEFAULT_TZ,
    setting: str = "non-contractual",
    calibration: str = "isotonic",
    min_customers: int = 500,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Train at ``as_of − 2H``, evaluate at ``as_of − H`` against the recency baseline; JSON-ready.

    Parameters
    ----------
    store : Store
    horizon_days : int, default 90
        The horizon H of the label "no completed purchase in the next H days".
    as_of : date-like, optional
        The last instant of data to use; defaults to the last stored order.
    tz : str, default "Asia/Ho_Chi_Minh"
    setting : {"non-contractual", "contractual"}
        Contractual churn raises :class:`~centric.exceptions.InputError` (no
        subscriptions source in the store yet).
    calibration : {"isotonic", "sigmoid"}, default "isotonic"
    min_customers : int, default 500
    random_state : int, default 0

    Returns
    -------
    dict
        ``setting``, ``horizon_days``, ``label`` (en/vi), ``model``, ``train`` and
        ``test`` (cutoff, label window end, n, churn rate), ``metrics`` (``model``
        and ``baseline``: ``roc_auc``, ``pr_auc``, ``brier``, ``ece``,
        ``lift_top_decile``, ``mean_predicted``), ``baseline_method``,
        ``beats_baseline``, ``targets``, ``calibration`` and ``lift`` (records).

    Raises
    ------
    NotEnoughDataError
        Fewer than ``min_customers`` customers, or fewer than 50 churners / stayers.
    InputError
        Contractual setting, or a history shorter than two horizons.
    """
    check_setting(setting)
    horizon = _check_horizon(horizon_days)
    end = _end(store, as_of, tz)
    from centric.privacy import scoped_store

    out, _ = _run_backtest(
        scoped_store(store),  # only customers allowed 'analytics' are profiled
        horizon=horizon,
        end=end,
        tz=tz,
        calibration=calibration,
        min_customers=min_customers,
        random_state=random_state,
    )
    return out


def _unavailable(summary: dict[str, Any], horizon: int, setting: str, exc: Exception) -> None:
    summary.setdefault("warnings", []).append(f"churn: {exc}")
    summary["churn_model"] = {
        "available": False,
        "reason": str(exc),
        "setting": setting,
        "horizon_days": horizon,
        "label": label_definition(horizon),
    }


def churn_step(
    store: Any,
    results: Any,
    as_of: pd.Timestamp,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    tz: str = DEFAULT_TZ,
    setting: str = "non-contractual",
    calibration: str = "isotonic",
    min_customers: int = 500,
    random_state: int | None = 0,
) -> None:
    """The churn step of the main job: backtest, refit on the latest window, score every customer.

    Writes the derived table ``churn_scores`` (``customer_id``, ``churn_risk``,
    ``reason_1_vi`` … ``reason_3_vi``, ``reason_1_en`` … ``reason_3_en``,
    ``horizon_days``, ``run_id``, ``computed_at``), adds ``churn_risk`` to
    ``customer_scores`` when that table exists, puts the evaluation in
    ``results.summary["churn_model"]`` and the chart data in
    ``results.frames["churn_calibration"]``, ``["churn_lift"]`` and
    ``["churn_risk"]``. Too little data (or a contractual workspace) is stated
    in ``summary["churn_model"]["reason"]`` and ``summary["warnings"]``;
    nothing is scored then.
    """
    summary, frames = results.summary, results.frames
    horizon = _check_horizon(horizon_days)
    # privacy: training and scoring profile people, so only customers allowed 'analytics' (and not
    # restricted) are read; writes below still go to the store itself
    from centric.privacy import scoped_store

    source = scoped_store(store)
    try:
        check_setting(setting)
        end = _end(store, as_of, tz)
        bt, latest = _run_backtest(
            source,
            horizon=horizon,
            end=end,
            tz=tz,
            calibration=calibration,
            min_customers=min_customers,
            random_state=random_state,
        )
        model = ChurnClassifier(horizon, calibration, min_customers=min_customers, random_state=random_state)
        model.fit(*_xy(latest))
        current = churn_frame(source, cutoff=end, horizon_days=horizon, tz=tz, label=False)
    except CentricError as exc:
        _unavailable(summary, horizon, setting, exc)
        return
    X = current[list(FEATURES)]
    risk = model.predict_proba(X)[:, 1]
    contrib = model.contributions(X)
    from centric.churn._reasons import render_reasons_vi_en

    vi, en = render_reasons_vi_en(X, contrib, reference=model.reference_)
    vi, en = vi.add_suffix("_vi"), en.add_suffix("_en")
    scores = pd.DataFrame({"customer_id": X.index.to_numpy(), "churn_risk": risk})
    for col in [*vi.columns, *en.columns]:
        src = vi if col.endswith("_vi") else en
        scores[col] = pd.array(src[col].to_numpy(), dtype="string")
    scores["horizon_days"] = horizon
    scores["run_id"] = getattr(results, "run_id", None) or summary.get("run_id")
    scores["computed_at"] = pd.Timestamp.now(tz="UTC")
    store.replace("churn_scores", scores)
    _merge_scores(store, scores)
    groups = _groups(list(FEATURES))
    mean_abs = contrib.drop(columns="bias").abs().mean()
    drivers = sorted(((g, float(mean_abs[cols].sum())) for g, cols in groups.items()), key=lambda kv: -kv[1])
    n = len(scores)
    summary["churn_model"] = {
        "available": True,
        "setting": setting,
        "horizon_days": horizon,
        "label": bt["label"],
        "model": bt["model"],
        "as_of": _local(end - pd.Timedelta(seconds=1), tz),
        "backtest": {k: bt[k] for k in ("train", "test", "metrics", "baseline_method", "beats_baseline", "targets")},
        "final": {
            "cutoff": _local(end - pd.Timedelta(days=horizon), tz),
            "n_train": len(latest),
            "churn_rate": float(latest["churned"].mean()),
        },
        "scored": {
            "customers": n,
            "mean_risk": float(risk.mean()) if n else None,
            "high_risk_threshold": HIGH_RISK,
            "high_risk": int((risk >= HIGH_RISK).sum()),
            "expected_churners": float(risk.sum()),
        },
        "top_drivers": [{"driver": g, "mean_abs_contribution": v} for g, v in drivers[:8]],
        "computed_at": _dt.datetime.now(_dt.UTC).isoformat(),
    }
    frames["churn_calibration"] = pd.DataFrame(bt["calibration"])
    frames["churn_lift"] = pd.DataFrame(bt["lift"])
    frames["churn_risk"] = scores[["customer_id", "churn_risk"]].copy()


def _merge_scores(store: Any, scores: pd.DataFrame) -> None:
    """Add ``churn_risk`` to ``customer_scores`` (as the CLV step adds P(alive))."""
    if not store.has_table("customer_scores"):
        return
    cs = store.table("customer_scores").execute()
    cs = cs.drop(columns=[c for c in ("churn_risk",) if c in cs]).merge(
        scores[["customer_id", "churn_risk"]], on="customer_id", how="left"
    )
    store.replace("customer_scores", cs)

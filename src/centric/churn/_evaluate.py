"""How good is a churn model: discrimination, calibration and lift, next to the recency baseline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from centric.churn._errors import NotEnoughDataError
from centric.exceptions import InputError

__all__ = ["calibration_table", "evaluate", "expected_calibration_error", "lift_table"]


def _check(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise InputError(
            f"y and the probabilities must be 1-D and the same length; got {y.shape} and {p.shape}."
        )
    if len(y) == 0:
        raise InputError("Nothing to evaluate: 0 customers.")
    return y, p


def expected_calibration_error(y: Any, p: Any, *, bins: int = 10) -> float:
    """Expected calibration error: Σ_b (n_b / n) · |mean(p)_b − mean(y)_b| over equal-width bins of p.

    Examples
    --------
    >>> expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    0.0
    """
    y, p = _check(y, p)
    idx = np.clip(np.floor(p * bins).astype(int), 0, bins - 1)
    sp = np.bincount(idx, weights=p, minlength=bins)
    sy = np.bincount(idx, weights=y, minlength=bins)
    return float(np.abs(sp - sy).sum() / len(y))


def calibration_table(y: Any, p: Any, *, bins: int = 10) -> pd.DataFrame:
    """The calibration curve: per equal-width bin of p, the mean prediction and the observed churn rate."""
    y, p = _check(y, p)
    idx = np.clip(np.floor(p * bins).astype(int), 0, bins - 1)
    n = np.bincount(idx, minlength=bins)
    sp = np.bincount(idx, weights=p, minlength=bins)
    sy = np.bincount(idx, weights=y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "bin": np.arange(bins) + 1,
                "lower": np.arange(bins) / bins,
                "upper": (np.arange(bins) + 1) / bins,
                "n": n,
                "mean_predicted": np.where(n > 0, sp / np.maximum(n, 1), np.nan),
                "observed": np.where(n > 0, sy / np.maximum(n, 1), np.nan),
            }
        )
    return out[out["n"] > 0].reset_index(drop=True)


def lift_table(y: Any, p: Any, *, groups: int = 10) -> pd.DataFrame:
    """Deciles by predicted risk (1 = riskiest): churners, churn rate, lift and cumulative gain.

    Ties are broken by order of appearance (a stable sort), so a model with
    coarse probabilities is not flattered.
    """
    y, p = _check(y, p)
    order = np.argsort(-p, kind="stable")
    ys = y[order]
    n = len(y)
    edges = np.floor(np.linspace(0, n, groups + 1)).astype(int)
    base = ys.mean() if n else np.nan
    rows = []
    cum = 0.0
    total = ys.sum()
    for g in range(groups):
        part = ys[edges[g] : edges[g + 1]]
        if len(part) == 0:
            continue
        cum += part.sum()
        rate = part.mean()
        rows.append(
            {
                "decile": g + 1,
                "n": len(part),
                "churners": int(part.sum()),
                "churn_rate": float(rate),
                "lift": float(rate / base) if base > 0 else np.nan,
                "cumulative_gain": float(cum / total) if total > 0 else np.nan,
                "mean_predicted": float(p[order][edges[g] : edges[g + 1]].mean()),
            }
        )
    return pd.DataFrame(rows)


def _scores(y: np.ndarray, p: np.ndarray, bins: int) -> dict[str, float]:
    lift = lift_table(y, p)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p, bins=bins),
        "lift_top_decile": float(lift["lift"].iloc[0]),
        "mean_predicted": float(p.mean()),
    }


def evaluate(model: Any, X: Any, y: Any, *, baseline: Any = None, bins: int = 10) -> dict[str, Any]:
    """Evaluate a fitted churn model on labelled customers, next to the recency-only baseline.

    Parameters
    ----------
    model : ChurnClassifier
        Fitted model (any classifier with ``predict_proba`` works).
    X : pandas.DataFrame
        Features of the evaluation customers (ideally a *later* window than training).
    y : array-like
        1 = churned.
    baseline : classifier, optional
        The comparison model; defaults to ``model.baseline_`` (a :class:`RecencyBaseline`
        fitted on the training data). When neither exists the baseline is left out.
    bins : int, default 10
        Equal-width probability bins for ECE and the calibration curve.

    Returns
    -------
    dict
        JSON-ready: ``n``, ``churners``, ``churn_rate``, ``model`` and ``baseline``
        (each ``roc_auc``, ``pr_auc``, ``brier``, ``ece``, ``lift_top_decile``,
        ``mean_predicted``), ``calibration`` and ``lift`` (lists of records with
        a ``model`` column: ``"churn model"`` or ``"recency baseline"``) and
        ``beats_baseline`` (higher AUC, PR-AUC, lower Brier).
    """
    y = np.asarray(y, dtype=float)
    if len(np.unique(y)) < 2:
        raise NotEnoughDataError(
            f"Cannot evaluate churn risk on {len(y)} customers who all "
            f"{'churned' if len(y) and y[0] == 1 else 'stayed'}: AUC needs both outcomes."
        )
    p = np.asarray(model.predict_proba(X))[:, 1]
    out: dict[str, Any] = {
        "n": len(y),
        "churners": int(y.sum()),
        "churn_rate": float(y.mean()),
        "model": _scores(y, p, bins),
    }
    cal = [calibration_table(y, p, bins=bins).assign(model="churn model")]
    lift = [lift_table(y, p).assign(model="churn model")]
    base = baseline if baseline is not None else getattr(model, "baseline_", None)
    if base is not None:
        b = np.asarray(base.predict_proba(X))[:, 1]
        out["baseline"] = _scores(y, b, bins)
        out["baseline_method"] = "logistic regression on log(1 + days since the last order)"
        cal.append(calibration_table(y, b, bins=bins).assign(model="recency baseline"))
        lift.append(lift_table(y, b).assign(model="recency baseline"))
        m, bl = out["model"], out["baseline"]
        out["beats_baseline"] = bool(
            m["roc_auc"] > bl["roc_auc"] and m["pr_auc"] > bl["pr_auc"] and m["brier"] < bl["brier"]
        )
    out["calibration"] = pd.concat(cal, ignore_index=True).to_dict("records")
    out["lift"] = pd.concat(lift, ignore_index=True).to_dict("records")
    return out

"""Persona profiles: size, value, NPS with interval, churn risk, mix, pain points and traits with lift.

:func:`profile_personas` takes the feature frame and the persona labels; with the store it adds
the NPS of each persona's feedback (:func:`centric.metrics.nps`, with its per-group
suppression), the churn flag of ``customer_scores`` and the pain points from support tickets
and negative feedback. The result is a list of JSON-ready dicts, one per persona.
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import numpy as np
import pandas as pd

from centric import metrics
from centric.exceptions import InputError
from centric.metrics._common import DEFAULT_TZ, to_utc
from centric.personas._features import feature_group
from centric.personas._model import LOG_COLUMNS
from centric.personas._pains import MIN_PAIN_COUNT, PAIN_THEMES, pain_points
from centric.store import Store

__all__ = ["PAIN_THEMES", "profile_personas"]


def _share_features(features: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in features.columns if str(c).startswith(prefix)]


def _nps_by_persona(store: Store, labels: pd.Series, end: Any) -> dict[int, dict[str, Any]]:
    fb = store.table("feedback")
    if end is not None:
        fb = fb.filter(fb.submitted_at < ibis.literal(end))
    mem = ibis.memtable(pd.DataFrame({"_cid": labels.index.astype(str), "persona_id": labels.to_numpy(np.int64)}))
    joined = fb.join(mem, fb.customer_id == mem._cid).select(fb, "persona_id")
    try:
        df = metrics.nps(joined, by="persona_id")
    except InputError:
        return {}
    if not isinstance(df, pd.DataFrame):
        return {}
    out = {}
    for r in df.to_dict("records"):
        supp = bool(r["suppressed"])
        out[int(r["persona_id"])] = {
            "value": None if supp or _nan(r["value"]) else float(r["value"]),
            "low": None if supp or _nan(r["low"]) else float(r["low"]),
            "high": None if supp or _nan(r["high"]) else float(r["high"]),
            "n": int(r["n"]),
            "small_sample": bool(r["small_sample"]),
            "suppressed": supp,
            "method": str(r["method"]),
        }
    return out


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))


def _traits(features: pd.DataFrame, mask: np.ndarray) -> list[dict[str, Any]]:
    """Features that set the persona apart: effect size for ranking, lift for the words."""
    out = []
    for c in features.columns:
        g = feature_group(str(c))
        if g is None or c == "life:unknown" or not pd.api.types.is_numeric_dtype(features[c]):
            continue
        x = features[c].astype("float64")
        xin, xout = x[mask].dropna(), x[~mask].dropna()
        if len(xin) < 5 or len(xout) < 5:
            continue
        mi, mo = float(xin.mean()), float(xout.mean())
        t = np.log1p(x.clip(lower=0)) if c in LOG_COLUMNS else x
        sd = float(t.dropna().std())
        if not sd or mo <= 0 or mi < 0:
            continue
        effect = (float(t[mask].mean()) - float(t[~mask].mean())) / sd
        lift = mi / mo
        if str(c).startswith(("cat:", "channel:", "life:")) and max(mi, mo) < 0.05:
            continue
        out.append(
            {
                "feature": str(c),
                "group": g,
                "mean": mi,
                "mean_others": mo,
                "lift": lift,
                "effect_size": effect,
            }
        )
    out.sort(key=lambda d: (-abs(d["effect_size"]), d["feature"]))
    return out


def profile_personas(
    features: pd.DataFrame,
    labels: Any,
    *,
    store: Store | None = None,
    as_of: Any = None,
    tz: str = DEFAULT_TZ,
    n_traits: int = 5,
    n_top: int = 3,
    min_pain_count: int = MIN_PAIN_COUNT,
) -> list[dict[str, Any]]:
    """Describe each persona.

    Parameters
    ----------
    features
        The frame the personas were found on (:func:`customer_features`), indexed by customer.
    labels
        Persona of each row of ``features`` (array-like of ints).
    store
        When given, adds ``nps`` (with interval and suppression), ``churned_share`` from
        ``customer_scores`` and ``pain_points``.
    as_of
        Feedback and tickets after this moment are ignored (naive values read in ``tz``).
    n_traits, n_top
        How many distinguishing traits, and how many top categories/channels/pain points.
    min_pain_count
        A pain point fewer customers of the persona have is flagged ``small_sample`` and ranked last.

    Returns
    -------
    list of dict
        One per persona, sorted by ``persona_id``, with ``persona_id``, ``n_customers``,
        ``share``, ``revenue_share``, ``mean_revenue``, ``mean_aov``, ``mean_frequency``,
        ``mean_clv`` (None without CLV), ``nps``, ``churn`` (``churned_share``,
        ``mean_risk`` = mean 1 − P(alive)), ``top_categories``, ``channels``,
        ``life_stage_mix``, ``pain_points`` (the themes this persona complains about more often than
        everyone else, most over-represented first: key, label_en, label_vi, source, count,
        per_100_customers, customers, n, share, share_others, lift with lift_low/lift_high (95 %),
        p_value, small_sample, distinctive — see :mod:`centric.personas._pains`), ``traits``
        (the ``n_traits`` features with the largest standardised difference from everyone
        else: feature, group, mean, mean_others, lift = mean / mean_others, effect_size) and
        ``lifts`` (every feature's lift).

    Examples
    --------
    >>> profiles = profile_personas(feats, model.labels_, store=store)    # doctest: +SKIP
    >>> profiles[0]["traits"][0]["feature"], round(profiles[0]["traits"][0]["lift"], 1)  # doctest: +SKIP
    ('cat:Nước hoa', 4.2)
    """
    lab = pd.Series(np.asarray(labels, dtype=np.int64), index=features.index.astype(str), name="persona_id")
    if len(lab) != len(features):
        raise InputError(f"'labels' has {len(lab)} values but 'features' has {len(features)} rows; they must match.")
    end = to_utc(as_of, name="as_of", tz=tz) if as_of is not None else None
    nps = _nps_by_persona(store, lab, end) if store is not None else {}
    pains = pain_points(store, lab, end, n_top, min_count=min_pain_count) if store is not None else {}
    churned = None
    if store is not None and store.has_table("customer_scores") and "churned" in store.table("customer_scores").columns:
        cs = store.table("customer_scores").select("customer_id", "churned").execute()
        churned = cs.set_index("customer_id")["churned"].reindex(lab.index)
    money = features["monetary"].astype("float64") if "monetary" in features else pd.Series(0.0, index=features.index)
    total_rev = float(money.sum())
    cats, chans = _share_features(features, "cat:"), _share_features(features, "channel:")
    lifes = [c for c in _share_features(features, "life:") if c != "life:unknown"]
    out = []
    for pid in sorted(lab.unique()):
        mask = (lab == pid).to_numpy()
        f = features[mask]
        n = int(mask.sum())
        ch_mean = f[chans].mean() if chans else pd.Series(dtype=float)
        cat_mean, cat_all = (f[cats].mean(), features[cats].mean()) if cats else (pd.Series(dtype=float),) * 2
        top_cats = [
            {
                "category": c[4:],
                "share": float(cat_mean[c]),
                "lift": float(cat_mean[c] / cat_all[c]) if cat_all[c] > 0 else None,
            }
            for c in cat_mean.sort_values(ascending=False).index[:n_top]
        ]
        declared = f[lifes].sum(axis=1) > 0 if lifes else pd.Series(False, index=f.index)
        life_mix = {c[5:]: float(f.loc[declared, c].mean()) for c in lifes} if declared.any() else {}
        traits = _traits(features, mask)
        churn: dict[str, Any] = {"churned_share": None, "mean_risk": None}
        if churned is not None:
            cv = churned[mask].dropna()
            churn["churned_share"] = float(cv.astype(float).mean()) if len(cv) else None
        if "p_alive" in f:
            churn["mean_risk"] = float((1.0 - f["p_alive"]).mean())
        out.append(
            {
                "persona_id": int(pid),
                "n_customers": n,
                "share": n / len(lab),
                "revenue_share": float(money[mask].sum()) / total_rev if total_rev else None,
                "mean_revenue": float(money[mask].mean()),
                "mean_aov": float(f["aov"].mean()) if "aov" in f else None,
                "mean_frequency": float(f["frequency"].mean()) if "frequency" in f else None,
                "mean_clv": float(f["clv_12m"].mean()) if "clv_12m" in f else None,
                "nps": nps.get(
                    int(pid),
                    {
                        "value": None,
                        "low": None,
                        "high": None,
                        "n": 0,
                        "small_sample": True,
                        "suppressed": True,
                        "method": "adjusted-wald",
                    },
                )
                if store is not None
                else None,
                "churn": churn,
                "top_categories": top_cats,
                "channels": {c[8:]: float(ch_mean[c]) for c in ch_mean.sort_values(ascending=False).index[:n_top]},
                "life_stage_mix": {"declared_n": int(declared.sum()), "shares": life_mix},
                "pain_points": pains.get(int(pid), []),
                "traits": traits[:n_traits],
                "lifts": {t["feature"]: t["lift"] for t in traits},
            }
        )
    return out

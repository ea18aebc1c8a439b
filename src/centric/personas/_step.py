"""The personas step of the main job: features → personas → profiles, names, narratives → store.

``personas_step(store, results, as_of)`` writes:

* ``results.summary["personas"]``: ``status`` ("ok" or "not_enough_data"), ``message`` (when
  not ok), ``n_customers``, ``k``, ``criterion`` (how k was chosen, the silhouette of every k
  tried, the stability ARI), ``stability_ari``, ``group_weights``, ``personas`` (one profile per
  persona with ``name_en``/``name_vi`` and ``narrative_en``/``narrative_vi``) and ``rfm_segments``
  (customers per RFM segment, names in both languages);
* ``results.frames``: ``persona_sizes``, ``persona_traits`` and ``rfm_segments`` (DataFrames);
* the derived tables ``customer_personas`` (customer_id, persona_id, persona_name_en,
  persona_name_vi, rfm_segment, run_id, computed_at) and ``persona_profiles`` (one row per
  persona with its narratives and the profile as JSON).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from centric.personas._features import customer_features
from centric.personas._model import DEFAULT_GROUP_WEIGHTS, NotEnoughDataError, PersonaModel
from centric.personas._narrative import name_personas, narrative, trait_phrase
from centric.personas._profile import profile_personas
from centric.personas._rfm import RFM_SEGMENTS
from centric.store import Store

__all__ = ["personas_step"]


def _json_ready(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_ready(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _rfm_counts(features: pd.DataFrame) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    counts = features["rfm_segment"].value_counts()
    rows = [
        {
            "segment": k,
            "name_en": en,
            "name_vi": vi,
            "customers": int(counts.get(k, 0)),
            "share": float(counts.get(k, 0)) / len(features) if len(features) else None,
        }
        for k, (en, vi) in RFM_SEGMENTS.items()
    ]
    return rows, pd.DataFrame(rows)


def personas_step(
    store: Store, results: Any, as_of: pd.Timestamp, *, random_state: int = 0, min_customers: int = 200
) -> None:
    """Find, describe and store the personas; write into ``results.summary`` and ``results.frames``."""
    summary, frames = results.summary, results.frames
    now = pd.Timestamp.now(tz="UTC")
    run_id = summary.get("run_id") or getattr(results, "run_id", None)
    run_id = run_id or now.strftime("personas-%Y%m%dT%H%M%S")
    features = customer_features(store, as_of=as_of)
    # privacy: personas profile, so only customers with the 'analytics' purpose (and not restricted)
    from centric.privacy import profiling_scope

    scope = profiling_scope(store)
    if scope is not None:
        allowed = set(scope.execute()["customer_id"].astype(str))
        features = features[features.index.astype(str).isin(allowed)]
    rfm_rows, rfm_frame = _rfm_counts(features)
    frames["rfm_segments"] = rfm_frame
    model = PersonaModel(random_state=random_state, min_customers=min_customers)
    try:
        model.fit(features)
    except NotEnoughDataError as exc:
        summary["personas"] = {**exc.to_dict(), "rfm_segments": rfm_rows}
        store.replace(
            "customer_personas",
            pd.DataFrame(
                {
                    "customer_id": features.index.astype(str),
                    "persona_id": pd.array([None] * len(features), dtype="Int64"),
                    "persona_name_en": pd.array([None] * len(features), dtype="string"),
                    "persona_name_vi": pd.array([None] * len(features), dtype="string"),
                    "rfm_segment": features["rfm_segment"].to_numpy(),
                    "run_id": run_id,
                    "computed_at": now,
                }
            ),
        )
        return
    profiles = profile_personas(features, model.labels_, store=store, as_of=as_of)
    names = name_personas(profiles)
    for p, n in zip(profiles, names, strict=True):
        p["name_en"], p["name_vi"] = n["en"], n["vi"]
        p["narrative_en"] = narrative(p, n["en"], "en")
        p["narrative_vi"] = narrative(p, n["vi"], "vi")
    by_id = {p["persona_id"]: p for p in profiles}
    labels = model.labels_
    store.replace(
        "customer_personas",
        pd.DataFrame(
            {
                "customer_id": features.index.astype(str),
                "persona_id": labels.astype("int64"),
                "persona_name_en": [by_id[i]["name_en"] for i in labels],
                "persona_name_vi": [by_id[i]["name_vi"] for i in labels],
                "rfm_segment": features["rfm_segment"].to_numpy(),
                "run_id": run_id,
                "computed_at": now,
            }
        ),
    )
    store.replace(
        "persona_profiles",
        pd.DataFrame(
            {
                "persona_id": [p["persona_id"] for p in profiles],
                "name_en": [p["name_en"] for p in profiles],
                "name_vi": [p["name_vi"] for p in profiles],
                "n_customers": [p["n_customers"] for p in profiles],
                "share": [p["share"] for p in profiles],
                "revenue_share": [p["revenue_share"] for p in profiles],
                "narrative_en": [p["narrative_en"] for p in profiles],
                "narrative_vi": [p["narrative_vi"] for p in profiles],
                "profile_json": [json.dumps(_json_ready(p), ensure_ascii=False) for p in profiles],
                "run_id": run_id,
                "computed_at": now,
            }
        ),
    )
    crit = model.criterion()
    summary["personas"] = _json_ready(
        {
            "status": "ok",
            "n_customers": int(model.n_customers_),
            "k": int(model.n_personas_),
            "criterion": crit,
            "stability_ari": model.stability_ari_,
            "group_weights": {**DEFAULT_GROUP_WEIGHTS, **(model.group_weights or {})},
            "features": list(model.feature_names_),
            "personas": profiles,
            "rfm_segments": rfm_rows,
        }
    )
    frames["persona_sizes"] = pd.DataFrame(
        [
            {
                "persona_id": p["persona_id"],
                "name_en": p["name_en"],
                "name_vi": p["name_vi"],
                "n_customers": p["n_customers"],
                "share": p["share"],
                "revenue_share": p["revenue_share"],
            }
            for p in profiles
        ]
    )
    feats = list(dict.fromkeys(t["feature"] for p in profiles for t in p["traits"]))
    frames["persona_traits"] = pd.DataFrame(
        [
            {
                "persona_id": p["persona_id"],
                "name_en": p["name_en"],
                "name_vi": p["name_vi"],
                "feature": f,
                "label_en": trait_phrase(f, "en"),
                "label_vi": trait_phrase(f, "vi"),
                "lift": p["lifts"].get(f),
                "top": f in {t["feature"] for t in p["traits"]},
            }
            for p in profiles
            for f in feats
        ]
    )

"""Ground truth: who is who, the latent parameters of each person, and the true parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from centric.demo import _vocab as V
from centric.demo._behaviour import journeys_truth
from centric.demo._common import Window
from centric.demo._people import STAGE_NAMES
from centric.demo._purchases import PurchaseParams
from centric.demo._segments import SEGMENT_NAMES

TS = pa.timestamp("s", tz="Asia/Ho_Chi_Minh")
PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("name", pa.string()),
        ("gender", pa.string()),
        ("birth_year", pa.int32()),
        ("life_stage", pa.string()),
        ("segment", pa.string()),
        ("province", pa.string()),
        ("phone", pa.string()),
        ("email", pa.string()),
        ("in_pos", pa.bool_()),
        ("in_web", pa.bool_()),
        ("in_shopee", pa.bool_()),
        ("pos_ref", pa.string()),
        ("web_ref", pa.string()),
        ("shopee_ref", pa.string()),
        ("anonymous_id", pa.string()),
        ("lam", pa.float64()),
        ("p", pa.float64()),
        ("nu", pa.float64()),
        ("mean_order_value", pa.float64()),
        ("first_purchase_at", TS),
        ("exposure_weeks", pa.float64()),
        ("n_orders", pa.int64()),
        ("n_repeat", pa.int64()),
        ("alive_at_end", pa.bool_()),
        ("death_time", TS),
        ("satisfaction", pa.float64()),
        ("det_linkable", pa.bool_()),
        ("family_trap_with", pa.string()),
    ]
)
RECORDS_SCHEMA = pa.schema(
    [
        ("customer_ref", pa.string()),
        ("source", pa.string()),
        ("external_id", pa.string()),
        ("person_id", pa.string()),
        ("linkable", pa.bool_()),
        ("family_trap", pa.bool_()),
    ]
)
INJECTED_SCHEMA = pa.schema([("file", pa.string()), ("row_key", pa.string()), ("kind", pa.string())])


def _pid(index: np.ndarray) -> list[str]:
    return [f"P{i + 1:07d}" for i in index]


def _ts(window: Window, secs: np.ndarray) -> pa.Array:
    secs = np.asarray(secs)
    values = window.utc_epoch(np.where(secs >= 0, secs, 0))
    return pa.array(values, TS, mask=secs < 0)


def person_table(
    person: dict[str, np.ndarray],
    btyd: dict[str, np.ndarray],
    b: dict[str, Any],
    window: Window,
    prm: PurchaseParams,
) -> pa.Table:
    n = len(person["index"])
    trap = person["trap_with"]

    def ref(prefix: str, codes: np.ndarray) -> list[str | None]:
        return [f"{prefix}:{c}" if c else None for c in codes]

    return pa.table(
        {
            "person_id": _pid(person["index"]),
            "name": person["name"],
            "gender": np.where(person["female"], "female", "male"),
            "birth_year": person["birth_year"].astype(np.int32),
            "life_stage": np.array(STAGE_NAMES)[person["stage"]],
            "segment": np.array(SEGMENT_NAMES)[person["segment"]],
            "province": [V.PROVINCES[p][0] for p in person["province"]],
            "phone": person["phone"],
            "email": [e or None for e in person["email"]],
            "in_pos": person["in_pos"],
            "in_web": person["in_web"],
            "in_shopee": b["shopee_code"] != None,  # noqa: E711
            "pos_ref": ref("pos", b["pos_code"]),
            "web_ref": ref("web", b["web_code"]),
            "shopee_ref": ref("shopee", b["shopee_code"]),
            "anonymous_id": person["anonymous_id"],
            "lam": btyd["lam"],
            "p": btyd["p"],
            "nu": btyd["nu"],
            "mean_order_value": prm.gg_p / btyd["nu"],
            "first_purchase_at": _ts(window, btyd["t0"]),
            "exposure_weeks": btyd["tau_w"],
            "n_orders": (1 + btyd["x"]).astype(np.int64),
            "n_repeat": btyd["x"].astype(np.int64),
            "alive_at_end": btyd["alive"],
            "death_time": _ts(window, btyd["death_t"]),
            "satisfaction": person["satisfaction"],
            "det_linkable": person["det_linkable"],
            "family_trap_with": [f"P{t + 1:07d}" if t >= 0 else None for t in trap],
        },
        schema=PERSONS_SCHEMA,
    ).slice(0, n)


def record_table(person: dict[str, np.ndarray], b: dict[str, Any]) -> pa.Table:
    pid = np.array(_pid(person["index"]), dtype=object)
    trap = person["trap_with"] >= 0
    cols: dict[str, list[Any]] = {k: [] for k in RECORDS_SCHEMA.names}
    for source, codes in (("pos", b["pos_code"]), ("web", b["web_code"]), ("shopee", b["shopee_code"])):
        has = np.flatnonzero(codes != None)  # noqa: E711
        cols["customer_ref"] += [f"{source}:{c}" for c in codes[has]]
        cols["source"] += [source] * len(has)
        cols["external_id"] += list(codes[has])
        cols["person_id"] += list(pid[has])
        cols["linkable"] += [source != "shopee"] * len(has)
        cols["family_trap"] += list(trap[has] & (source != "shopee"))
    return pa.table(cols, schema=RECORDS_SCHEMA)


def truth_params(world: Any, *, n_total: int, scale: float, start: str, end: str) -> dict[str, Any]:
    """The content of params.json."""
    prm: PurchaseParams = world.prm
    s = world.survey

    def ratio(num: str, den: str, k: float = 1.0) -> float | None:
        return round(k * s[num] / s[den], 6) if s[den] else None

    return {
        "generator": "centric.demo",
        "seed": world.seed,
        "scale": scale,
        "n_customers": n_total,
        "window": {
            "start": start,
            "end": end,
            "end_exclusive": str(world.window.end),
            "weeks": world.window.weeks,
            "timezone": "Asia/Ho_Chi_Minh",
        },
        "bgnbd": {
            "r": prm.r,
            "alpha": prm.alpha,
            "a": prm.a,
            "b": prm.b,
            "time_unit": "week",
            "acquisition": "first purchase at W*(1-sqrt(1-U)) (Beta(1,2) over the window)",
            "counts": "n_repeat = orders in the window after the first one, all statuses, all channels",
        },
        "gamma_gamma": {
            "p": prm.gg_p,
            "q": prm.gg_q,
            "gamma": prm.gg_gamma,
            "currency": "VND",
            "value": "net order total (Tổng tiền / total_amount), z ~ Gamma(p, nu) rounded to 1,000",
            "mean_order_value": prm.gg_p * prm.gg_gamma / (prm.gg_q - 1),
        },
        "orders": {
            "p_cancelled": prm.p_cancelled,
            "p_returned": prm.p_returned,
            "p_discount": prm.p_discount,
            "p_late_delivery": prm.p_late,
        },
        "surveys": {
            "method": "expected metric over the generated answers under the known ordinal model",
            "nps": {
                "n": int(s["nps_n"]),
                "true_nps": round(100.0 * (s["nps_promoter"] - s["nps_detractor"]) / s["nps_n"], 4)
                if s["nps_n"]
                else None,
                "p_promoter": ratio("nps_promoter", "nps_n"),
                "p_detractor": ratio("nps_detractor", "nps_n"),
            },
            "csat": {
                "n": int(s["csat_n"]),
                "true_top2_pct": ratio("csat_top2", "csat_n", 100.0),
                "true_mean": ratio("csat_mean", "csat_n"),
            },
            "ces_2.0": {
                "n": int(s["ces2_n"]),
                "scale": "1-7, higher = easier",
                "true_mean": ratio("ces2_mean", "ces2_n"),
                "true_agree_pct": ratio("ces2_agree", "ces2_n", 100.0),
            },
            "ces_1.0": {
                "n": int(s["ces1_n"]),
                "scale": "1-5, lower = easier",
                "true_mean": ratio("ces1_mean", "ces1_n"),
                "until": "2024-04-01",
            },
            "life_impact": {
                "n": int(s["life_n"]),
                "true_mean": {q: ratio(f"life_{q}", "life_n") for q in ("q1", "q2", "q3")},
            },
        },
        "injected": {
            name: dict(tally, total=tally["bad_phone"] + tally["bad_date"])
            for name, tally in world.injected.items()
        },
        "family_phone_traps": {"count": len(world.traps), "pairs": world.traps},
        "journeys": journeys_truth(),
        "linking": {
            "shopee": "pseudonymous marketplace buyers: not linkable to pos/web records",
            "hard_positives": "persons in pos and web sharing no phone, e-mail or loyalty code "
            "(persons.det_linkable is false)",
        },
    }

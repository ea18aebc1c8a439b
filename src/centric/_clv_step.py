"""The CLV step of the main job: fit BG/NBD + Gamma-Gamma, score every customer, validate.

Adds to the results: headline ``clv_pred`` (mean predicted 12-month CLV with an
interval from the parameters' sampling distribution) and ``p_alive`` (share of
customers likely still active), per-customer ``p_alive``, ``expected_purchases_12m``
and ``clv_12m`` in ``customer_scores``, and the calibration/holdout diagnostics.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from centric.clv import (
    BetaGeoModel,
    GammaGammaModel,
    calibration_holdout,
    clv_interval,
    compress,
    cumulative_transactions,
    holdout_by_frequency,
    rfm_summary,
    score,
)
from centric.exceptions import CentricError
from centric.metrics import MetricResult
from centric.metrics._intervals import wilson_interval
from centric.store import Store

__all__ = ["HOLDOUT_WEEKS", "HORIZON_MONTHS", "clv_step"]

HORIZON_MONTHS = 12
HOLDOUT_WEEKS = 26
ANNUAL_DISCOUNT = 0.10


def _fit(rfm: Any) -> tuple[BetaGeoModel, GammaGammaModel | None]:
    comp = compress(rfm)
    bg = BetaGeoModel().fit(comp)
    rep = rfm.filter((rfm.frequency > 0) & (rfm.monetary_value > 0)).select("frequency", "monetary_value").execute()
    gg = GammaGammaModel().fit(rep) if len(rep) >= 30 else None
    return bg, gg


def clv_step(store: Store, results: Any, as_of: pd.Timestamp) -> None:
    """Fit, score and validate; write into ``results`` and ``customer_scores``."""
    orders = store.table("orders")
    summary, frames = results.summary, results.frames
    end = as_of.tz_convert("Asia/Ho_Chi_Minh").date()
    try:
        rfm = rfm_summary(orders, period="W", observation_end=end)
        bg, gg = _fit(rfm)
    except CentricError as exc:
        summary.setdefault("warnings", []).append(f"clv: {exc}")
        return
    scored = score(rfm, bg, t=52.0, gamma_gamma=gg, horizon_months=HORIZON_MONTHS,
                   annual_discount_rate=ANNUAL_DISCOUNT).execute()
    n = len(scored)
    alive = int((scored["p_alive"] >= 0.5).sum())
    lo, hi = wilson_interval(alive, n)
    summary["headline"]["p_alive"] = MetricResult(
        "p_alive", 100.0 * alive / n if n else None, n, 100 * float(lo), 100 * float(hi), "wilson", "%",
        definition=(
            "Share of customers whose probability of still being active (P(alive), BG/NBD fitted on weekly "
            f"repeat purchases up to {end}) is at least 0.5."
        ),
        definition_vi=(
            "Tỷ lệ khách hàng có xác suất còn hoạt động (P(alive), mô hình BG/NBD theo tuần đến "
            f"{end}) từ 0,5 trở lên."
        ),
        small_sample=n < 30, suppressed=n < 10,
    ).to_dict()
    params = {k: float(v) for k, v in bg.params_.items()}
    model_info: dict[str, Any] = {
        "model": "BG/NBD + Gamma-Gamma", "period": "week", "observation_end": str(end),
        "bg_nbd": {"params": params, "log_likelihood": float(bg.log_likelihood_),
                   "standard_errors": {k: float(v) for k, v in bg.standard_errors_.items()}},
        "horizon_months": HORIZON_MONTHS, "annual_discount_rate": ANNUAL_DISCOUNT,
    }
    if gg is not None:
        model_info["gamma_gamma"] = {"params": {k: float(v) for k, v in gg.params_.items()},
                                     "log_likelihood": float(gg.log_likelihood_)}
        data = rfm.select("frequency", "recency", "T", "monetary_value").execute()
        draws = clv_interval(bg, gg, data, horizon_months=HORIZON_MONTHS, annual_discount_rate=ANNUAL_DISCOUNT,
                             n_draws=200, random_state=0)
        mean = float(scored["clv"].mean())
        summary["headline"]["clv_pred"] = MetricResult(
            "clv_pred", mean, n, float(draws["lower"].mean()), float(draws["upper"].mean()),
            "parameter-draws", "VND",
            definition=(
                f"Mean predicted {HORIZON_MONTHS}-month customer lifetime value (revenue, VND): BG/NBD expected "
                "purchases × Gamma-Gamma expected order value, discounted monthly at "
                f"{ANNUAL_DISCOUNT:.0%} a year. The interval reflects parameter uncertainty (200 draws)."
            ),
            definition_vi=(
                f"CLV dự báo {HORIZON_MONTHS} tháng trung bình mỗi khách (doanh thu, VND): số lần mua kỳ vọng "
                "(BG/NBD) × giá trị đơn kỳ vọng (Gamma-Gamma), chiết khấu hằng tháng theo "
                f"{ANNUAL_DISCOUNT:.0%}/năm. Khoảng tin cậy phản ánh độ bất định của tham số (200 lần rút)."
            ),
            small_sample=n < 30, suppressed=n < 10,
            extra={"total": float(scored["clv"].sum()), "p50": float(scored["clv"].median())},
        ).to_dict()
        frames["clv_pred"] = scored["clv"]
    summary["clv_model"] = model_info
    _validate(orders, end, summary, frames)
    _merge_scores(store, scored)


def _validate(orders: Any, end: _dt.date, summary: dict[str, Any], frames: dict[str, Any]) -> None:
    """Calibration/holdout: refit on all but the last 26 weeks and compare with what happened."""
    cal_end = end - _dt.timedelta(weeks=HOLDOUT_WEEKS)
    try:
        ch = calibration_holdout(orders, calibration_end=cal_end, observation_end=end, period="W")
        cal = ch.select(frequency="frequency_cal", recency="recency_cal", T="T_cal")
        model = BetaGeoModel().fit(compress(cal))
        by_freq = holdout_by_frequency(model, ch)
        track = cumulative_transactions(model, orders, calibration_end=cal_end, observation_end=end, period="W")
    except CentricError as exc:
        summary.setdefault("warnings", []).append(f"clv validation: {exc}")
        return
    frames["clv_calibration"] = by_freq.reset_index()
    frames["clv_tracking"] = track.reset_index()
    w = by_freq["n_customers"].to_numpy(float)
    actual_total = float((by_freq["actual"] * w).sum())
    predicted_total = float((by_freq["predicted"] * w).sum())
    summary["clv_validation"] = {
        "calibration_end": str(cal_end), "holdout_weeks": HOLDOUT_WEEKS,
        "holdout_repeat_purchases": {"actual": actual_total, "predicted": predicted_total,
                                     "error_pct": 100 * (predicted_total - actual_total) / actual_total
                                     if actual_total else None},
        "by_frequency": by_freq.reset_index().to_dict("records"),
        "mean_abs_error_per_customer": float(np.average(np.abs(by_freq["predicted"] - by_freq["actual"]), weights=w)),
    }


def _merge_scores(store: Store, scored: pd.DataFrame) -> None:
    if not store.has_table("customer_scores"):
        return
    cs = store.table("customer_scores").execute()
    keep = scored[["customer_id", "p_alive", "expected_purchases"] + (["clv"] if "clv" in scored else [])]
    keep = keep.rename(columns={"expected_purchases": "expected_purchases_12m", "clv": "clv_12m"})
    cs = cs.drop(columns=[c for c in keep.columns if c != "customer_id" and c in cs]).merge(
        keep, on="customer_id", how="left")
    store.replace("customer_scores", cs)

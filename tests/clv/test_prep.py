"""rfm_summary / calibration_holdout / compress / score: lifetimes' conventions, DuckDB and Spark alike."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from centric.clv import BetaGeoModel, GammaGammaModel, calibration_holdout, compress, rfm_summary, score

REF = json.loads((Path(__file__).parent / "lifetimes_prep_reference.json").read_text())
MODES = {
    "D7": {"period": "W"},
    "W": {"period": "W", "resolution": "W"},
    "M": {"period": "M", "resolution": "M"},
    "D": {"period": "D"},
}


@pytest.mark.parametrize("mode", list(MODES))
def test_rfm_summary_matches_lifetimes(cdnow_sample: pd.DataFrame, mode: str) -> None:
    tx = cdnow_sample[cdnow_sample.ordered_at <= "1997-09-30"]
    got = rfm_summary(tx, monetary_value_col="amount", observation_end="1997-09-30", **MODES[mode]).execute()
    ref = REF[mode]
    assert len(got) == ref["n"]
    for col in ("frequency", "recency", "T", "monetary_value"):
        v = got[col].to_numpy(float)
        assert_allclose([v.sum(), (v**2).sum()], ref[col], rtol=1e-10, err_msg=f"{mode} {col}")
    rows = got.set_index("customer_id").loc[ref["rows"]["customer_id"]]
    for col in ("frequency", "recency", "T", "monetary_value"):
        assert_allclose(rows[col].to_numpy(float), ref["rows"][col], rtol=1e-10)


@pytest.mark.parametrize("mode", ["D7", "W"])
def test_calibration_holdout_matches_lifetimes(cdnow_sample: pd.DataFrame, mode: str) -> None:
    got = calibration_holdout(
        cdnow_sample,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        monetary_value_col="amount",
        **MODES[mode],
    ).execute()
    ref = REF["ch_" + mode]
    assert len(got) == ref["n"]
    for col in ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"):
        assert_allclose(got[col].sum(), ref[col], rtol=1e-10, err_msg=col)


def test_rfm_summary_hand_case() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 18:00",
                    "2024-01-15 00:00",
                    "2024-01-22 00:00",
                    "2024-01-08 00:00",
                    "2024-01-10 00:00",
                ]
            ),
            "total_amount": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0],
            "status": ["completed", "completed", "completed", "completed", "completed", "cancelled"],
        }
    )
    got = rfm_summary(tx, observation_end="2024-01-29").execute().set_index("customer_id").sort_index()
    # a: days 0, 14, 21 -> frequency 2, recency 3 weeks, T 4 weeks, mean of repeat totals (20 + 40) / 2
    assert got.loc["a"].tolist() == [2, 3.0, 4.0, 30.0]
    assert got.loc["b"].tolist() == [0, 0.0, 3.0, 0.0]
    assert "c" not in got.index  # cancelled orders are left out
    assert str(got["frequency"].dtype) == "int64"


def test_compress_sums_weights_and_is_small(cdnow_cal: pd.DataFrame) -> None:
    c = compress(cdnow_cal)
    assert c["weight"].sum() == len(cdnow_cal)
    assert list(c.columns) == ["frequency", "recency", "T", "weight"]
    again = compress(c)
    pd.testing.assert_frame_equal(again, c)


def _orders(n_customers: int, rng: np.random.Generator) -> pd.DataFrame:
    """Orders from a BG/NBD-like process: gamma purchase rates, beta drop-out, 135 days."""
    rows = []
    for i in range(n_customers):
        lam = rng.gamma(0.8, 1 / 15.0)  # purchases per day
        p = rng.beta(1.0, 3.0)
        day = float(rng.integers(0, 60))
        while day < 135:
            rows.append(
                {
                    "order_id": f"o{len(rows)}",
                    "customer_ref": f"s:{i}",
                    "customer_id": f"c{i:03d}",
                    "ordered_at": pd.Timestamp("2024-01-01", tz="UTC")
                    + pd.Timedelta(days=int(day), hours=int(rng.integers(0, 24))),
                    "status": "completed" if rng.random() > 0.05 or len(rows) == 0 else "cancelled",
                    "total_amount": round(float(rng.gamma(4.0, 50_000.0)) + 1000, 2),
                    "currency": "VND",
                }
            )
            if rng.random() < p:
                break
            day += rng.exponential(1 / lam)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def orders_frame() -> pd.DataFrame:
    return _orders(300, np.random.default_rng(20240601))


@pytest.fixture(scope="module")
def duckdb_reference(orders_frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    from centric.store import connect

    store = connect("duckdb://")
    store.append("orders", orders_frame)
    orders = store.table("orders")
    rfm = rfm_summary(orders, observation_end="2024-05-15").execute()
    ch = calibration_holdout(orders, calibration_end="2024-03-15", observation_end="2024-05-15").execute()
    store.close()
    return {"rfm": rfm, "ch": ch}


def test_rfm_and_score_same_numbers_on_every_backend(backend_store, orders_frame, duckdb_reference) -> None:
    backend_store.append("orders", orders_frame)
    orders = backend_store.table("orders")
    rfm_expr = rfm_summary(orders, observation_end="2024-05-15")
    rfm = rfm_expr.execute().sort_values("customer_id").reset_index(drop=True)
    ref = duckdb_reference["rfm"].sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(rfm, ref, check_dtype=False, rtol=1e-12)
    # a pandas-side cross-check of the convention
    completed = orders_frame[orders_frame.status == "completed"]
    assert len(rfm) == completed.customer_id.nunique()

    ch = calibration_holdout(orders, calibration_end="2024-03-15", observation_end="2024-05-15").execute()
    ch = ch.sort_values("customer_id").reset_index(drop=True)
    ch_ref = duckdb_reference["ch"].sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(ch, ch_ref, check_dtype=False, rtol=1e-12)

    bg = BetaGeoModel().fit(duckdb_reference["rfm"])
    gg = GammaGammaModel().fit(duckdb_reference["rfm"])
    scored = (
        score(rfm_expr, bg, gamma_gamma=gg, t=12.0)
        .execute()
        .sort_values("customer_id")
        .reset_index(drop=True)
    )
    assert len(scored) == len(rfm)
    assert_allclose(scored["p_alive"], bg.probability_alive(ref).to_numpy(), rtol=1e-12)
    assert_allclose(scored["expected_purchases"], bg.expected_purchases(ref, t=12.0).to_numpy(), rtol=1e-12)
    from centric.clv import customer_lifetime_value

    assert_allclose(scored["clv"], customer_lifetime_value(bg, gg, ref).to_numpy(), rtol=1e-10)
    assert scored[["p_alive", "expected_purchases", "clv"]].notna().all().all()


def test_fit_on_ibis_table_compresses_in_the_backend(orders_frame) -> None:
    from centric.store import connect

    with connect("duckdb://") as store:
        store.append("orders", orders_frame)
        rfm = rfm_summary(store.table("orders"), observation_end="2024-05-15")
        a = BetaGeoModel().fit(rfm)
        b = BetaGeoModel().fit(rfm.execute())
    assert_allclose(a.params_, b.params_, rtol=1e-8)
    assert a.n_customers_ == b.n_customers_

"""Fixtures for the CLV tests: the real CDNOW and donations data, fitted once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from centric.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    compress,
    rfm_summary,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
if not DATA.exists():  # pragma: no cover - alternative checkout layout
    DATA = Path("/work/shared/data")


@pytest.fixture(scope="session")
def cdnow_sample() -> pd.DataFrame:
    """CDNOW 1/10 sample: one row per purchase line (sample id as customer)."""
    df = pd.read_csv(
        DATA / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    df["ordered_at"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


@pytest.fixture(scope="session")
def cdnow_cal(cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    """Calibration RFM (1997-01-01 .. 1997-09-30), weeks = days / 7."""
    tx = cdnow_sample[cdnow_sample["ordered_at"] <= "1997-09-30"]
    return rfm_summary(tx, monetary_value_col="amount", observation_end="1997-09-30").execute()


@pytest.fixture(scope="session")
def cdnow_compressed(cdnow_cal: pd.DataFrame) -> pd.DataFrame:
    return compress(cdnow_cal)


@pytest.fixture(scope="session")
def bg_cdnow(cdnow_compressed: pd.DataFrame) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow_compressed)


@pytest.fixture(scope="session")
def pareto_cdnow(cdnow_compressed: pd.DataFrame) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow_compressed)


@pytest.fixture(scope="session")
def gg_cdnow(cdnow_cal: pd.DataFrame) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow_cal)


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    df = pd.read_csv(DATA / "donations" / "donations.csv")
    return df.rename(columns={"periods": "n_periods", "weights": "weight"})


def simulate_bg_nbd(
    params: dict[str, float], n: int, rng: np.random.Generator, *, weeks: int = 52
) -> pd.DataFrame:
    """Simulate BG/NBD customers acquired over 12 weeks, observed to ``weeks``; days / 7 times."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    start = rng.integers(0, 84, n)
    T_days = weeks * 7 - start
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx]) * 7  # in days
        inside = t[idx] <= T_days[idx]
        buy = idx[inside]
        x[buy] += 1
        tx[buy] = t[buy]
        alive[idx[~inside]] = False
        dies = buy[rng.random(len(buy)) < p[buy]]
        alive[dies] = False
    # a purchase's day; several on one day count once is ignored at this rate
    return pd.DataFrame({"frequency": x, "recency": np.floor(tx) / 7, "T": T_days / 7})

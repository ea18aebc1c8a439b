"""Fast paths agree with the plain ones: distinct rows, coarse starts, weighted sums, in-memory scoring."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from centric.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    _bg_nbd,
    compress,
    score,
)
from centric.clv._base import unique_rows

from .conftest import simulate_bg_nbd


def _reference_unique(cols: dict[str, np.ndarray], w: np.ndarray | None):
    frame = pd.DataFrame(cols)
    frame["_w"] = 1.0 if w is None else w
    g = frame.groupby(list(cols), sort=True)["_w"].sum().reset_index()
    return g


@pytest.mark.parametrize("dense", [True, False])
def test_unique_rows_is_sorted_weighted_and_inverts(dense: bool) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    cols = {
        "x": rng.integers(-3, 30, n).astype(float),  # whole numbers: no hashing
        "t": np.round(rng.random(n) * 50) / 7,
        "s": rng.choice(np.array(["a", "b", "c"], dtype=object), n),
    }
    if not dense:  # a key space too large for bincount: factorized again
        cols["u"] = rng.random(n).round(3) * 1e6
    w = rng.random(n)
    uniq, wu, inv = unique_rows(cols, w)
    ref = _reference_unique(cols, w)
    for k in cols:
        assert_array_equal(uniq[k], ref[k].to_numpy())
    assert_allclose(wu, ref["_w"].to_numpy(), rtol=1e-12)
    for k in cols:
        assert_array_equal(uniq[k][inv], cols[k])
    u2, w2, inv2 = unique_rows(cols, sort=False)
    assert len(w2) == len(wu) and w2.sum() == n
    for k in cols:
        assert_array_equal(u2[k][inv2], cols[k])


def test_bg_nbd_weighted_sums_match_per_row_likelihood(cdnow_compressed) -> None:
    d = {c: cdnow_compressed[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    w = cdnow_compressed["weight"].to_numpy(float)
    for theta in ([0.243, 4.414, 0.793, 2.426], [1.0, 1.0, 1.0, 1.0], [0.1, 20.0, 3.0, 0.5]):
        theta = np.asarray(theta)
        ll, g = _bg_nbd._loglik(theta, d, True)
        s, gs = _bg_nbd._sums(theta, d, w)
        assert_allclose(s, w @ ll, rtol=1e-13)
        assert_allclose(gs, w @ g, rtol=1e-10)


@pytest.mark.parametrize("cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_coarse_start_reaches_the_same_optimum(cls) -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    data = compress(simulate_bg_nbd(truth, 20_000, np.random.default_rng(5)))
    plain = cls()
    plain._coarse_rows = 10**12  # type: ignore[misc]
    plain.fit(data)
    fast = cls()
    fast._coarse_rows = 100  # type: ignore[misc]
    assert fast._coarsen(*fast._prepare_fit(data, None)) is not None
    fast.fit(data)
    assert_allclose(fast.params_, plain.params_, rtol=1e-5)
    assert_allclose(fast.log_likelihood_, plain.log_likelihood_, rtol=1e-11)
    assert_allclose(fast.standard_errors_, plain.standard_errors_, rtol=2e-3)


def test_score_on_pandas_matches_the_backend_join(bg_cdnow, gg_cdnow, cdnow_cal) -> None:
    rfm = cdnow_cal.assign(customer_id=np.arange(len(cdnow_cal)))
    con = ibis.duckdb.connect()
    con.create_table("rfm", rfm)
    kw = {"gamma_gamma": gg_cdnow, "t": 39.0}
    mem = score(rfm, bg_cdnow, **kw).execute().sort_values("customer_id").reset_index(drop=True)
    db = score(con.table("rfm"), bg_cdnow, **kw).execute().sort_values("customer_id").reset_index(drop=True)
    assert list(mem.columns) == list(db.columns)
    pd.testing.assert_frame_equal(mem, db, check_dtype=False, rtol=1e-12)
    assert_allclose(mem["p_alive"], bg_cdnow.probability_alive(rfm).to_numpy(), rtol=1e-12)
    assert isinstance(gg_cdnow, GammaGammaModel)

"""Calibration/holdout diagnostics on CDNOW (FHL 2005, Figures 2 and 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from centric.clv import calibration_holdout, cumulative_transactions, figures, holdout_by_frequency


def test_holdout_by_frequency_on_cdnow(bg_cdnow, cdnow_sample) -> None:
    ch = calibration_holdout(
        cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", monetary_value_col="amount"
    ).execute()
    res = holdout_by_frequency(bg_cdnow, ch)
    assert list(res.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert res["n_customers"].sum() == 2357
    assert res.loc["0", "n_customers"] == 1411
    # FHL (2005) Fig. 4: actual and predicted track each other; the zero-bin is ~0.24 vs ~0.23
    assert np.all(np.abs(res["predicted"] - res["actual"]) < 0.35 * np.maximum(res["actual"], 0.5))
    assert abs(res.loc["0", "actual"] - 0.237) < 0.01


def test_cumulative_transactions_on_cdnow(bg_cdnow, cdnow_sample) -> None:
    ct = cumulative_transactions(
        bg_cdnow,
        cdnow_sample.drop(columns=["amount"]),
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    assert len(ct) == 78
    assert ct.loc[39, "holdout"] == False  # noqa: E712
    assert ct.loc[40, "holdout"] == True  # noqa: E712
    # FHL 2005: 2,457 repeat transactions in calibration (weeks 1-39, by day 272 after 1 Jan 1997)
    assert int(ct.loc[39, "actual_cumulative"]) == 2457
    # the model tracks the cumulative curve: within 2 % at the end of calibration, 5 % after 78 weeks
    assert abs(ct.loc[39, "predicted_cumulative"] / ct.loc[39, "actual_cumulative"] - 1) < 0.02
    last = ct.iloc[-1]
    assert abs(last["predicted_cumulative"] / last["actual_cumulative"] - 1) < 0.05
    figs = figures(
        cumulative=ct, by_frequency=pd.DataFrame({"actual": [1.0], "predicted": [1.1]}, index=["0"])
    )
    assert set(figs) == {"cumulative", "by_frequency"}
    assert len(figs["cumulative"].data) == 2

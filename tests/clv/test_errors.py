"""Bad input gets a clear message, never a NaN passed on silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from centric.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    calibration_holdout,
    clv_interval,
    customer_lifetime_value,
    rfm_summary,
    score,
)
from centric.exceptions import ConvergenceError, InputError, InvalidParameterError


def _tx(**over):
    base = {
        "customer_id": ["a", "a", "b"],
        "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-05"]),
        "total_amount": [10.0, 20.0, 5.0],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_negative_amounts() -> None:
    with pytest.raises(InputError, match=r"1 transaction\(s\) have a negative amount; amounts must be >= 0"):
        rfm_summary(_tx(total_amount=[10.0, -20.0, 5.0]))


def test_future_dates_after_observation_end() -> None:
    with pytest.raises(InputError, match=r"1 transaction\(s\) are dated after observation_end='2024-01-06'"):
        rfm_summary(_tx(), observation_end="2024-01-06")
    with pytest.raises(InputError, match="are dated after observation_end"):
        calibration_holdout(_tx(), calibration_end="2024-01-03", observation_end="2024-01-06")


def test_empty_data() -> None:
    with pytest.raises(InputError, match=r"No transactions to summarise \(0 rows"):
        rfm_summary(_tx().iloc[:0])
    with pytest.raises(InputError, match=r"Cannot fit BetaGeoModel on empty data \(0 rows\)"):
        BetaGeoModel().fit(pd.DataFrame({"frequency": [], "recency": [], "T": []}))


def test_missing_column_is_named_with_present_columns_and_hint() -> None:
    rfm = pd.DataFrame({"customer_id": ["a"], "frequency": [1]})
    msg = (
        r"Required column 'recency' missing from data. Columns present: \['customer_id', 'frequency'\]. "
        r"Hint: build inputs with centric.clv.rfm_summary\(\)."
    )
    with pytest.raises(InputError, match=msg):
        BetaGeoModel().fit(rfm)
    with pytest.raises(InputError, match="Required column 'ordered_at' missing from transactions"):
        rfm_summary(_tx().rename(columns={"ordered_at": "when"}))


def test_null_values_are_refused() -> None:
    with pytest.raises(InputError, match=r"1 transaction\(s\) have no amount"):
        rfm_summary(_tx(total_amount=[10.0, np.nan, 5.0]))
    rfm = pd.DataFrame({"frequency": [1.0, 0.0], "recency": [np.nan, 0.0], "T": [5.0, 5.0]})
    with pytest.raises(
        InputError, match=r"Column 'recency' passed to BetaGeoModel has 1 missing or non-finite"
    ):
        BetaGeoModel().fit(rfm)


def test_recency_after_T_and_bad_frequency() -> None:
    with pytest.raises(InputError, match="recency must not exceed T"):
        BetaGeoModel().fit(pd.DataFrame({"frequency": [1], "recency": [6.0], "T": [5.0]}))
    with pytest.raises(InputError, match="must hold whole numbers"):
        ParetoNBDModel().fit(pd.DataFrame({"frequency": [1.5], "recency": [2.0], "T": [5.0]}))
    with pytest.raises(InputError, match="frequency 0 must have recency 0"):
        BetaGeoModel().fit(pd.DataFrame({"frequency": [0], "recency": [2.0], "T": [5.0]}))


def test_customers_with_one_purchase_only() -> None:
    once = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [5.0, 9.0]})
    with pytest.raises(InputError, match=r"no customer has a repeat purchase \(all 2 bought once\)"):
        BetaGeoModel().fit(once)
    with pytest.raises(
        InputError, match=r"Cannot fit GammaGammaModel: no repeat customers \(frequency > 0\)"
    ):
        GammaGammaModel().fit(once.assign(monetary_value=0.0))


def test_gamma_gamma_needs_positive_monetary_value() -> None:
    rfm = pd.DataFrame({"frequency": [1, 2, 0], "monetary_value": [10.0, 0.0, 0.0]})
    with pytest.raises(InputError, match=r"needs monetary_value > 0 for every repeat customer; 1 have"):
        GammaGammaModel().fit(rfm)


@pytest.mark.parametrize(
    ("params", "msg"),
    [
        (
            {"penalizer": -1},
            r"The 'penalizer' parameter of BetaGeoModel must be a float in the range \[0, inf\). Got -1 instead.",
        ),
        (
            {"tol": 0},
            r"The 'tol' parameter of BetaGeoModel must be a float in the range \(0, inf\). Got 0 instead.",
        ),
        (
            {"maxiter": 0},
            r"The 'maxiter' parameter of BetaGeoModel must be an int in the range \[1, inf\). Got 0 instead.",
        ),
    ],
)
def test_invalid_hyper_parameters(params, msg, cdnow_compressed) -> None:
    with pytest.raises(InvalidParameterError, match=msg):
        BetaGeoModel(**params).fit(cdnow_compressed)


def test_convergence_error_names_model_iterations_and_remedy() -> None:
    # homogeneous Poisson buyers who never drop out: the BG/NBD optimum is on the boundary
    x = np.random.default_rng(3).poisson(15.0, 3000).astype(float)
    rfm = pd.DataFrame({"frequency": x, "recency": np.where(x > 0, 30.0, 0.0), "T": 30.0})
    with pytest.raises(
        ConvergenceError,
        match=r"BetaGeoModel did not converge after \d+ iterations: parameter '\w+' is not identified by the data"
        r".*Try a larger penalizer",
    ):
        BetaGeoModel().fit(rfm)
    BetaGeoModel(penalizer=0.01).fit(rfm)  # the remedy works


def test_bad_period_and_discount_arguments(bg_cdnow, gg_cdnow, cdnow_cal) -> None:
    with pytest.raises(
        InvalidParameterError, match=r"The 'period' parameter must be one of \['D', 'W', 'M'\]. Got 'Q'"
    ):
        rfm_summary(_tx(), period="Q")
    with pytest.raises(
        InvalidParameterError, match="Pass either discount_rate_monthly or annual_discount_rate, not both"
    ):
        customer_lifetime_value(
            bg_cdnow, gg_cdnow, cdnow_cal, discount_rate_monthly=0.01, annual_discount_rate=0.1
        )
    with pytest.raises(
        InvalidParameterError, match=r"The 'horizon_months' parameter must be an int in the range \[1, inf\)"
    ):
        customer_lifetime_value(bg_cdnow, gg_cdnow, cdnow_cal, horizon_months=0)
    with pytest.raises(InvalidParameterError, match=r"The 'n_draws' parameter"):
        clv_interval(bg_cdnow, gg_cdnow, cdnow_cal, n_draws=1)
    with pytest.raises(InputError, match="Required column 'monetary_value' missing"):
        score(cdnow_cal.drop(columns="monetary_value"), bg_cdnow, gamma_gamma=gg_cdnow)


def test_bg_bb_checks_opportunities(donations) -> None:
    bad = donations.copy()
    bad.loc[1, "recency"] = 0.5
    with pytest.raises(InputError, match="must hold whole numbers"):
        BetaGeoBetaBinomModel().fit(bad)
    with pytest.raises(InputError, match="Required column 'n_periods' missing"):
        BetaGeoBetaBinomModel().fit(donations.rename(columns={"n_periods": "periods"}))

"""Churn risk: who is likely to stop buying, how sure we are, and why, in plain words.

* Data (Ibis expressions, DuckDB and Spark alike): :func:`churn_table` and
  :func:`churn_frame` build one row per customer with features from before a
  cutoff and the label "no completed purchase in the next H days" after it.
* Model: :class:`ChurnClassifier` (LightGBM + probability calibration, the
  scikit-learn contract) with :meth:`ChurnClassifier.reasons` in Vietnamese
  and English; :class:`RecencyBaseline` to beat.
* Evaluation: :func:`evaluate` (ROC-AUC, PR-AUC, Brier, ECE, calibration
  curve, top-decile lift, each next to the baseline) and :func:`backtest` on a
  later time window.
* Main job: :func:`churn_step` writes ``churn_scores``; :func:`figures` draws
  the step's frames.
"""

from centric.churn._backtest import TARGETS, backtest, churn_step
from centric.churn._classifier import ChurnClassifier, RecencyBaseline
from centric.churn._errors import NotEnoughDataError
from centric.churn._evaluate import calibration_table, evaluate, expected_calibration_error, lift_table
from centric.churn._figures import figures
from centric.churn._frame import DEFAULT_HORIZON_DAYS, FEATURES, churn_frame, churn_table, label_definition
from centric.churn._reasons import DRIVERS

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "DRIVERS",
    "FEATURES",
    "TARGETS",
    "ChurnClassifier",
    "NotEnoughDataError",
    "RecencyBaseline",
    "backtest",
    "calibration_table",
    "churn_frame",
    "churn_step",
    "churn_table",
    "evaluate",
    "expected_calibration_error",
    "figures",
    "label_definition",
    "lift_table",
]

"""Customer lifetime value: the buy-till-you-die model family.

Data preparation (Ibis expressions, DuckDB and Spark alike): :func:`rfm_summary`,
:func:`calibration_holdout`, :func:`compress`. Models with the scikit-learn
contract: :class:`BetaGeoModel` (BG/NBD), :class:`ParetoNBDModel`,
:class:`ModifiedBetaGeoModel` (MBG/NBD), :class:`BetaGeoBetaBinomModel` (BG/BB)
and :class:`GammaGammaModel`. Value: :func:`customer_lifetime_value`,
:func:`clv_interval`; per-customer scoring inside the backend: :func:`score`.
Diagnostics: :func:`holdout_by_frequency`, :func:`cumulative_transactions`,
:func:`figures`.
"""

from centric.clv._base import CLVEstimator
from centric.clv._bg_bb import BetaGeoBetaBinomModel
from centric.clv._bg_nbd import BetaGeoModel
from centric.clv._clv import clv_interval, customer_lifetime_value, monthly_discount_rate
from centric.clv._diagnostics import cumulative_transactions, figures, holdout_by_frequency
from centric.clv._gamma_gamma import GammaGammaModel
from centric.clv._mbg_nbd import ModifiedBetaGeoModel
from centric.clv._pareto_nbd import ParetoNBDModel
from centric.clv._prep import calibration_holdout, compress, rfm_summary
from centric.clv._score import score

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "CLVEstimator",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "calibration_holdout",
    "clv_interval",
    "compress",
    "cumulative_transactions",
    "customer_lifetime_value",
    "figures",
    "holdout_by_frequency",
    "monthly_discount_rate",
    "rfm_summary",
    "score",
]

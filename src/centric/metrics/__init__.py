"""CX and customer metrics with honest uncertainty: pure functions over Ibis tables.

No I/O: every function takes store tables (Ibis expressions) and returns a
:class:`MetricResult`, a small pandas DataFrame (one row per period, group or
cohort cell) or an Ibis expression (one row per customer) for the caller to
execute or store. Set-based work runs in the backend, so the same call works
on DuckDB and Spark.

* Survey: :func:`nps`, :func:`csat`, :func:`csat_mean`, :func:`ces`,
  :func:`life_impact_index` — all take ``by=`` (a column, or ``"period"``
  with ``freq``). Segment by a customer attribute by joining it first.
* Retention: :func:`period_retention`, :func:`cohort_retention`,
  :func:`churn`, :func:`inactivity_rule`.
* Value: :func:`historical_clv`, :func:`clv_summary`.
* Engagement: :func:`engagement_index`, :func:`engagement_summary`.

Net Promoter®, NPS® and Net Promoter Score® are registered trademarks of Bain &
Company, Inc., NICE Systems, Inc. and Fred Reichheld.
"""

from centric.metrics._ces import ces
from centric.metrics._engagement import DEFAULT_WEIGHTS, engagement_index, engagement_summary
from centric.metrics._life import life_impact_index
from centric.metrics._result import MetricResult
from centric.metrics._retention import (
    CohortRetention,
    InactivityRule,
    churn,
    cohort_retention,
    inactivity_rule,
    period_retention,
)
from centric.metrics._survey import csat, csat_mean, nps
from centric.metrics._value import clv_summary, historical_clv

__all__ = [
    "DEFAULT_WEIGHTS",
    "CohortRetention",
    "InactivityRule",
    "MetricResult",
    "ces",
    "churn",
    "clv_summary",
    "cohort_retention",
    "csat",
    "csat_mean",
    "engagement_index",
    "engagement_summary",
    "historical_clv",
    "inactivity_rule",
    "life_impact_index",
    "nps",
    "period_retention",
]

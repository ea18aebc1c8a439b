"""Recommendations and next best action.

* Data (Ibis, DuckDB and Spark alike): :func:`interactions` (customer × product from completed
  orders, plus weighted product views), :func:`repeat_categories`, :func:`available_products`;
  :func:`shared_purchases` lets both read one backend table for given end dates.
* Estimators (``fit(interactions)`` → ``recommend(users, k)``): :class:`PopularityRecommender` and
  :class:`BuyAgainRecommender` (baselines), :class:`ItemKNNRecommender` (co-purchase cosine, with
  explanations), :class:`ALSRecommender` (``implicit``'s ALS); :class:`LifeStageReranker`.
* Evaluation: :func:`evaluate_time_split` with :func:`precision_at_k`, :func:`recall_at_k`,
  :func:`ndcg_at_k`, :func:`coverage`.
* Serving: :func:`build_recommendations` (consent-aware, explained) and
  :func:`next_best_actions` (:class:`NBAPolicy` states the expected-value formula).
* Main job: :func:`recommend_step` writes the derived tables

  ``recommendations``: customer_id, rank, product_id, product_name, category, score, model
  (item_knn / als / … or ``popularity`` for the non-personal fallback), because_en, because_vi,
  run_id, computed_at;

  ``next_best_actions``: customer_id, action (win_back | cross_sell | survey_request |
  leave_alone), expected_value (VND), priority (1 = first; empty for leave_alone), reason_en,
  reason_vi, computed_at.
"""

from centric.recommend._als import ALSRecommender
from centric.recommend._base import BaseRecommender, BuyAgainRecommender, PopularityRecommender
from centric.recommend._data import (
    available_products,
    interactions,
    product_info,
    purchases,
    repeat_categories,
    shared_purchases,
)
from centric.recommend._evaluate import NotEnoughDataError, default_models, evaluate_time_split
from centric.recommend._item_knn import ItemKNNRecommender
from centric.recommend._metrics import (
    coverage,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    ranking_metrics_frame,
    recall_at_k,
)
from centric.recommend._nba import ACTIONS, NBA_COLUMNS, NBAPolicy, next_best_actions
from centric.recommend._rerank import LifeStageReranker
from centric.recommend._serve import COLUMNS, build_recommendations
from centric.recommend._step import recommend_step

__all__ = [
    "ACTIONS",
    "COLUMNS",
    "NBA_COLUMNS",
    "ALSRecommender",
    "BaseRecommender",
    "BuyAgainRecommender",
    "ItemKNNRecommender",
    "LifeStageReranker",
    "NBAPolicy",
    "NotEnoughDataError",
    "PopularityRecommender",
    "available_products",
    "build_recommendations",
    "coverage",
    "default_models",
    "evaluate_time_split",
    "interactions",
    "ndcg_at_k",
    "next_best_actions",
    "precision_at_k",
    "product_info",
    "purchases",
    "ranking_metrics",
    "ranking_metrics_frame",
    "recall_at_k",
    "recommend_step",
    "repeat_categories",
    "shared_purchases",
]

"""Time-split evaluation: train before a cut date, test on what customers bought after it.

Protocol (the same for every model, popularity included):

* train on :func:`~centric.recommend.interactions` before ``cut`` of the customers ``purpose``
  allows (default ``analytics``: measuring models is analysis, not personalisation);
* relevant items of a customer = products bought (completed orders) in ``[cut, cut + test_days)``;
* customers evaluated = those with train history and at least one relevant item (cold customers
  cannot be personalised and are counted separately);
* the same filters as in production: unavailable products and already-bought products outside
  repeat-purchase categories (categories from train data only) are never recommended.

``cut`` defaults to ``as_of − test_days`` (as_of: the last order).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.privacy import allowed_customers
from centric.recommend._als import ALSRecommender
from centric.recommend._base import BaseRecommender, BuyAgainRecommender, PopularityRecommender
from centric.recommend._data import interactions, product_info, purchases, repeat_categories
from centric.recommend._item_knn import ItemKNNRecommender
from centric.recommend._metrics import ranking_metrics_frame
from centric.recommend._rerank import LifeStageReranker

__all__ = ["TEST_DAYS", "default_models", "evaluate_time_split"]

#: default length of the test window (days after the cut)
TEST_DAYS = 180


class NotEnoughDataError(InputError):
    """Too few customers to evaluate recommendations."""


def default_models() -> list[BaseRecommender]:
    """The models compared by default: popularity, buy again, item-based, ALS."""
    return [
        PopularityRecommender(),
        BuyAgainRecommender(),
        ItemKNNRecommender(),
        ALSRecommender(factors=16, regularization=0.1, alpha=5.0),
    ]


def evaluate_time_split(
    store: Any,
    *,
    as_of: Any = None,
    cut: Any = None,
    test_days: int = TEST_DAYS,
    k: int = 10,
    models: Sequence[BaseRecommender] | None = None,
    view_weight: float = 0.0,
    purpose: str = "analytics",
    repeat_threshold: float = 0.15,
    repeat_min_customers: int = 20,
    life_stage: bool = True,
    min_users: int = 30,
) -> dict[str, Any]:
    """Fit every model on data before ``cut`` and score it on purchases after; see the module docstring.

    Returns a JSON-ready dict: ``cut``, ``test_end``, ``k``, ``n_train_customers``, ``n_users``,
    ``n_cold_users``, ``repeat_categories``, ``models`` (per model: precision, recall, ndcg,
    coverage, fit_seconds) and ``ndcg_lift_vs_popularity`` (model NDCG / popularity NDCG − 1).
    With ``life_stage``, ``item_knn+life_stage`` is the item-based list re-ranked by
    :class:`LifeStageReranker` (as served), so the re-ranking's effect is measured too.
    """
    if not isinstance(test_days, int) or test_days < 1:
        raise InputError(f"'test_days' must be an int >= 1. Got {test_days!r} instead.")
    if as_of is None:
        last = store.table("orders").ordered_at.max().execute()
        if last is None or pd.isna(last):
            raise NotEnoughDataError("No orders in the store: nothing to evaluate recommendations on.")
        as_of = pd.Timestamp(last) + pd.Timedelta(seconds=1)
    as_of = pd.Timestamp(as_of)
    cut = pd.Timestamp(cut) if cut is not None else as_of - pd.Timedelta(days=test_days)
    test_end = min(as_of, cut + pd.Timedelta(days=test_days))
    ok = allowed_customers(store, purpose)
    train = interactions(store, end=cut, customers=ok, view_weight=view_weight)
    test = purchases(store, start=cut, end=test_end).semi_join(ok, "customer_id").execute()
    warm = set(train["customer_id"])
    is_warm = test["customer_id"].isin(warm)
    relevant = test.loc[is_warm, ["customer_id", "product_id"]].drop_duplicates()
    users = relevant["customer_id"].unique().tolist()
    cold = test.loc[~is_warm, "customer_id"].nunique()
    if len(users) < min_users:
        raise NotEnoughDataError(
            f"Only {len(users)} customers bought both before and after the cut {cut.date()} "
            f"(at least {min_users} are needed to evaluate recommendations)."
        )
    todo = list(models if models is not None else default_models())
    # ALS fits outside the GIL (implicit's solver): start it now, so it overlaps with the work below;
    # it is scored last, and the results are listed in the models' order as before
    pool = ThreadPoolExecutor(max_workers=1)
    early = {i: pool.submit(_timed_fit, m, train) for i, m in enumerate(todo) if isinstance(m, ALSRecommender)}
    try:
        rc = repeat_categories(store, end=cut, threshold=repeat_threshold, min_customers=repeat_min_customers)
        info = product_info(store)
        repeat = info.loc[info["category"].isin(rc.loc[rc["repeat"], "category"]), "product_id"].tolist()
        available = info.loc[info["available"], "product_id"].tolist()
        scored: dict[int, dict[str, Any]] = {}

        def score(i: int, fit_s: float) -> None:
            model = todo[i]
            recs = model.recommend(users, k, repeat_items=repeat, available_items=available)
            m = ranking_metrics_frame(recs, relevant, k=k, catalogue_size=max(1, len(available)))
            scored[i] = {**m, "fit_seconds": fit_s, "params": {kk: v for kk, v in model.get_params().items()}}

        for i in range(len(todo)):
            if i not in early:
                score(i, _timed_fit(todo[i], train))
        variant = None
        knn = next((todo[i] for i in scored if todo[i].name == "item_knn"), None)
        if life_stage and knn is not None:
            # the variant re-ranks the default item-based model: reuse it when that is what was just fitted
            same = type(knn) is ItemKNNRecommender and knn.get_params() == ItemKNNRecommender().get_params()
            fit_s = next(v["fit_seconds"] for i, v in scored.items() if todo[i] is knn) if same else 0.0
            variant = _life_stage_variant(
                store,
                train,
                users,
                relevant,
                info,
                k,
                repeat,
                available,
                fitted=knn if same else None,
                fit_seconds=fit_s,
            )
        for i, fut in early.items():
            score(i, fut.result())
    finally:
        pool.shutdown(wait=True)
    out: dict[str, Any] = {todo[i].name: scored[i] for i in range(len(todo))}
    if variant is not None and "item_knn" in out:
        out["item_knn+life_stage"] = variant
    base = out.get("popularity", {}).get("ndcg")
    lift = {name: (v["ndcg"] / base - 1.0) if base else None for name, v in out.items() if name != "popularity"}
    return {
        "protocol": "time_split",
        "as_of": as_of.isoformat(),
        "cut": cut.isoformat(),
        "test_end": test_end.isoformat(),
        "test_days": test_days,
        "k": k,
        "purpose": purpose,
        "view_weight": view_weight,
        "n_train_customers": len(warm),
        "n_users": len(users),
        "n_cold_users": int(cold),
        "repeat_threshold": repeat_threshold,
        "repeat_categories": rc.to_dict("records"),
        "models": out,
        "ndcg_lift_vs_popularity": lift,
    }


def _timed_fit(model: BaseRecommender, train: pd.DataFrame) -> float:
    t0 = time.perf_counter()
    model.fit(train)
    return time.perf_counter() - t0


def _life_stage_variant(
    store: Any,
    train: pd.DataFrame,
    users: list[str],
    relevant: pd.DataFrame,
    info: pd.DataFrame,
    k: int,
    repeat: list[str],
    available: list[str],
    *,
    fitted: ItemKNNRecommender | None = None,
    fit_seconds: float = 0.0,
) -> dict[str, Any]:
    t0 = time.perf_counter() - fit_seconds  # fit_seconds: the time of a reused fit, so it is counted
    model = fitted if fitted is not None else ItemKNNRecommender().fit(train)
    cat = info.set_index("product_id")["category"]
    recs = model.recommend(users, 3 * k, repeat_items=repeat, available_items=available)
    recs["category"] = cat.reindex(recs["product_id"]).to_numpy()
    stages = store.table("customers").select("customer_id", "life_stage").execute()
    tr = train.assign(category=cat.reindex(train["product_id"]).to_numpy())
    recs = LifeStageReranker().fit(tr, stages).rerank(recs, stages, k=k)
    m = ranking_metrics_frame(recs, relevant, k=k, catalogue_size=max(1, len(available)))
    return {**m, "fit_seconds": time.perf_counter() - t0, "params": {"reranker": "LifeStageReranker()"}}

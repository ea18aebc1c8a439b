"""The ``recommendations`` table: personal lists for consenting customers, a stated fallback for the rest.

Privacy (recommendations are profiling, Decree 356/2025):

* the item model learns from the purchase histories of customers who allow ``analytics`` or
  ``personalisation`` (:func:`centric.privacy.allowed_customers`);
* only customers who allow ``personalisation`` get a personal list (``model`` = the model's name);
* every other customer, and consenting customers without history, get the shop's bestsellers
  (``model = "popularity"``, the same list for all, built without their data) — or nothing with
  ``fallback="none"``.

Filters: unavailable products are never recommended; products the customer already bought are
left out unless their category is repeat-purchase (:func:`repeat_categories`). Each row says why
("because you bought …" / "vì bạn đã mua …").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from centric.exceptions import InvalidParameterError
from centric.i18n import t
from centric.privacy import allowed_customers
from centric.recommend._base import BaseRecommender, PopularityRecommender
from centric.recommend._data import interactions, product_info, repeat_categories
from centric.recommend._item_knn import ItemKNNRecommender
from centric.recommend._rerank import LifeStageReranker

__all__ = ["COLUMNS", "build_recommendations"]

#: columns of the derived table ``recommendations`` (read by activation)
COLUMNS = [
    "customer_id",
    "rank",
    "product_id",
    "product_name",
    "category",
    "score",
    "model",
    "because_en",
    "because_vi",
    "run_id",
    "computed_at",
]


def build_recommendations(
    store: Any,
    *,
    as_of: Any = None,
    k: int = 10,
    model: BaseRecommender | None = None,
    view_weight: float = 0.0,
    repeat_threshold: float = 0.15,
    repeat_min_customers: int = 20,
    life_stage: bool | LifeStageReranker = True,
    fallback: str = "popularity",
    run_id: str | None = None,
) -> pd.DataFrame:
    """Fit ``model`` (default :class:`ItemKNNRecommender`) on data before ``as_of`` and list top-``k`` per customer.

    Returns a frame with :data:`COLUMNS` (one row per customer and rank).
    """
    if fallback not in ("popularity", "none"):
        raise InvalidParameterError(f"'fallback' must be 'popularity' or 'none'. Got {fallback!r} instead.")
    now = pd.Timestamp.now(tz="UTC")
    model = model if model is not None else ItemKNNRecommender()
    learn = allowed_customers(store, "analytics").union(allowed_customers(store, "personalisation")).distinct()
    train = interactions(store, end=as_of, customers=learn, view_weight=view_weight)
    info = product_info(store).set_index("product_id")
    rc = repeat_categories(store, end=as_of, threshold=repeat_threshold, min_customers=repeat_min_customers)
    repeat = info.index[info["category"].isin(rc.loc[rc["repeat"], "category"])].tolist()
    available = info.index[info["available"]].tolist()
    personal_ids = set(allowed_customers(store, "personalisation").execute()["customer_id"].astype(str))
    parts: list[pd.DataFrame] = []
    if len(train):
        model.fit(train)
        users = sorted(personal_ids & set(train["customer_id"].astype(str)))
        reranker = (
            life_stage if isinstance(life_stage, LifeStageReranker) else (LifeStageReranker() if life_stage else None)
        )
        recs = model.recommend(users, 3 * k if reranker else k, repeat_items=repeat, available_items=available)
        recs["category"] = info["category"].reindex(recs["product_id"]).to_numpy()
        if reranker is not None and len(recs):
            stages = store.table("customers").select("customer_id", "life_stage").execute()
            tr = train.assign(category=info["category"].reindex(train["product_id"]).to_numpy())
            recs = reranker.fit(tr, stages).rerank(recs, stages, k=k)
        recs["model"] = model.name
        explainer = model if isinstance(model, ItemKNNRecommender) else ItemKNNRecommender().fit(train)
        recs["_because"] = explainer.because(recs)
        again = _bought_before(explainer, recs)
        recs.loc[again, "_because"] = recs.loc[again, "product_id"]
        for lang in ("en", "vi"):
            recs[f"because_{lang}"] = _because(recs, info, lang)
        parts.append(recs)
    if fallback == "popularity":
        everyone = store.table("customers").select("customer_id").execute()["customer_id"].astype(str)
        done = set(parts[0]["customer_id"]) if parts else set()
        rest = sorted(set(everyone) - done)
        pop = PopularityRecommender().fit(train) if len(train) else None
        if pop is not None and rest:
            top = pop.recommend([pop.users_[0]], k, exclude_seen=False, available_items=available)
            top = top.drop(columns="customer_id")
            fb = pd.DataFrame({"customer_id": rest}).merge(top, how="cross")
            fb["category"] = info["category"].reindex(fb["product_id"]).to_numpy()
            fb["model"] = "popularity"
            fb["because_en"] = t("recommend.because.popular", "en")
            fb["because_vi"] = t("recommend.because.popular", "vi")
            parts.append(fb)
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    out["product_name"] = info["name"].reindex(out["product_id"]).to_numpy()
    out["run_id"] = pd.array([run_id] * len(out), dtype="string")  # typed even when None
    out["computed_at"] = now
    out["rank"] = out["rank"].astype("int64")
    out["score"] = out["score"].astype(float)
    out = out[COLUMNS]
    codes = pd.factorize(out["customer_id"], sort=True)[0]  # sorting by code = sorting by customer_id
    order = np.lexsort((out["rank"].to_numpy(), codes))  # (customer, rank) pairs are unique
    return out.take(order).reset_index(drop=True)


def _bought_before(model: BaseRecommender, recs: pd.DataFrame) -> np.ndarray:
    """Whether each row's (customer_id, product_id) is in the data ``model`` was fitted on."""
    u = model.users_.get_indexer(recs["customer_id"].astype(str))
    j = model.items_.get_indexer(recs["product_id"].astype(str))
    ok = (u >= 0) & (j >= 0)
    out = np.zeros(len(recs), bool)
    if ok.any():
        out[ok] = np.asarray(model.matrix_[u[ok], j[ok]]).ravel() > 0
    return out


def _because(recs: pd.DataFrame, info: pd.DataFrame, lang: str) -> np.ndarray:
    """The explanation text of each row; the wording is built once per distinct history product."""
    bought, again, similar = (t(f"recommend.because.{x}", lang) for x in ("bought", "again", "similar"))
    names = info["name"].to_dict()
    b = recs["_because"].to_numpy(object)
    codes, uniques = pd.factorize(b)  # None and NaN get -1
    text = np.array([bought.replace("{product}", str(names.get(x, x))) for x in uniques] + [similar], dtype=object)
    out = text[codes]  # code -1 picks the last entry: ``similar``
    out[(codes >= 0) & (b == recs["product_id"].to_numpy(object))] = again
    return out


def _empty() -> pd.DataFrame:
    """No rows, but typed columns (a table with untyped columns cannot be created)."""
    types = {"rank": "int64", "score": "float64", "computed_at": "datetime64[us, UTC]"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "string")) for c in COLUMNS})

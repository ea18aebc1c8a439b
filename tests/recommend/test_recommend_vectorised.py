"""The vectorised parts of the recommend step give exactly what the earlier row-by-row code gave.

Each ``_ref_*`` function below is the previous implementation, kept verbatim as the reference; the
new code must agree with it on random inputs (ties, missing values, unsorted rows included) and with
hand-computed cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from recommend_helpers import fill_toy_store

from centric.i18n import t
from centric.privacy import allowed_customers
from centric.recommend import (
    ItemKNNRecommender,
    LifeStageReranker,
    NBAPolicy,
    default_models,
    evaluate_time_split,
    interactions,
    next_best_actions,
    product_info,
    purchases,
    ranking_metrics_frame,
    repeat_categories,
    shared_purchases,
)
from centric.recommend._item_knn import _first_max_per_group
from centric.recommend._nba import _reason, _reasons
from centric.recommend._serve import _because, _bought_before
from centric.store import connect

T = pd.Timestamp


# -- the previous implementations (references) -------------------------------------------------------
def _ref_item_because(self, recs):
    u = self.users_.get_indexer(recs["customer_id"].astype(str))
    j = self.items_.get_indexer(recs["product_id"].astype(str))
    ok = np.flatnonzero((u >= 0) & (j >= 0))
    out = np.full(len(recs), None, dtype=object)
    if len(ok) == 0:
        return pd.Series(out, index=recs.index, dtype=object)
    x = self.x_
    counts = np.diff(x.indptr)[u[ok]]
    rec = np.repeat(ok, counts)
    starts = np.repeat(x.indptr[u[ok]], counts)
    offs = np.arange(len(rec)) - np.repeat(np.cumsum(counts) - counts, counts)
    hist = x.indices[starts + offs]
    weight = x.data[starts + offs]
    sim = np.asarray(self.similarity_[hist, j[rec]]).ravel()
    sim = np.where(hist == j[rec], float(self.self_weight), sim)
    contrib = weight * sim
    good = contrib > 0
    rec, hist, contrib = rec[good], hist[good], contrib[good]
    order = np.lexsort((-contrib, rec))
    rec, hist = rec[order], hist[order]
    first = np.r_[True, rec[1:] != rec[:-1]] if len(rec) else np.zeros(0, bool)
    out[rec[first]] = self.items_[hist[first]].to_numpy()
    return pd.Series(out, index=recs.index, dtype=object)


def _ref_rerank(self, recs, stages, *, k=10):
    df = recs.merge(stages[["customer_id", "life_stage"]], on="customer_id", how="left")
    df = df.merge(self.affinity_[["life_stage", "category", "lift"]], on=["life_stage", "category"], how="left")
    lift = df["lift"].fillna(1.0).to_numpy(float)
    key = (1.0 / np.log2(df["rank"].to_numpy(float) + 1.0)) * lift ** float(self.strength)
    for stage, cats in (self.boost or {}).items():
        hit = (df["life_stage"] == stage).to_numpy() & df["category"].isin(list(cats)).to_numpy()
        key = np.where(hit, key + 10.0, key)
    df["_key"] = key
    df = df.sort_values(["customer_id", "_key", "rank"], ascending=[True, False, True], kind="stable")
    df["rank"] = df.groupby("customer_id", sort=False).cumcount() + 1
    df = df[df["rank"] <= k]
    return df.drop(columns=["_key", "lift", "life_stage"]).reset_index(drop=True)


def _ref_because_text(recs, info, lang):
    bought, again, similar = (t(f"recommend.because.{x}", lang) for x in ("bought", "again", "similar"))
    names = info["name"].to_dict()
    out = []
    for pid, b in zip(recs["product_id"].tolist(), recs["_because"].tolist(), strict=True):
        if b is None or (isinstance(b, float) and b != b):
            out.append(similar)
        elif b == pid:
            out.append(again)
        else:
            out.append(bought.replace("{product}", str(names.get(b, b))))
    return out


# -- helpers -------------------------------------------------------------------------------------------
def _random_interactions(seed, n_users=300, n_items=40, n_rows=2500):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "customer_id": "u" + pd.Series(rng.integers(0, n_users, n_rows)).astype(str),
            "product_id": "p" + pd.Series(rng.integers(0, n_items, n_rows)).astype(str),
            # few distinct weights, so equal contributions (ties) really happen
            "weight": rng.integers(1, 4, n_rows).astype(float),
        }
    )
    return df.groupby(["customer_id", "product_id"], as_index=False)["weight"].sum()


# -- item-based explanations ----------------------------------------------------------------------------
def test_first_max_per_group_by_hand():
    values = np.array([0.5, 2.0, 2.0, -1.0, 0.0, 3.0, 1.0, 3.0])
    counts = np.array([3, 0, 2, 3])  # groups: [0.5 2 2] [] [-1 0] [3 1 3]
    # first largest positive: position 1 (tie with 2 goes to the first); none in the empty group or in
    # the group without a positive value; position 5 (tie with 7)
    assert _first_max_per_group(values, counts).tolist() == [1, -1, -1, 5]
    assert _first_max_per_group(np.zeros(0), np.array([0, 0])).tolist() == [-1, -1]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("self_weight", [0.0, 1.0])
def test_item_because_matches_the_previous_code(seed, self_weight):
    df = _random_interactions(seed)
    m = ItemKNNRecommender(neighbours=5, self_weight=self_weight).fit(df)
    recs = m.recommend(k=8, exclude_seen=False)
    extra = pd.DataFrame(
        {"customer_id": ["nobody", "u1"], "rank": [1, 1], "product_id": ["p1", "unknown"], "score": [0.0, 0.0]}
    )  # unknown customer / product: no explanation
    recs = pd.concat([recs, extra], ignore_index=True)
    got, want = m.because(recs), _ref_item_because(m, recs)
    assert got.isna().sum() >= 2
    pd.testing.assert_series_equal(got, want)


def test_item_because_by_hand():
    # a bought x and y; x, y and z co-occur for b; a's terms for z: x_ax·S_xz and x_ay·S_yz
    df = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "b"],
            "product_id": ["x", "y", "x", "y", "z"],
            "weight": [1.0, 3.0, 1.0, 1.0, 1.0],
        }
    )
    m = ItemKNNRecommender(shrink=0.0).fit(df)
    recs = pd.DataFrame({"customer_id": ["a", "a"], "product_id": ["z", "y"]})
    # by hand (shrink 0): S_xz = 0.480 / (0.980 · 0.693) = 0.707, S_yz = 0.480 / (1.550 · 0.693) = 0.447, so
    # for z: y's term log1p(3) · 0.447 = 0.620 beats x's log1p(1) · 0.707 = 0.490; for y itself the re-buy
    # term self_weight · log1p(3) = 1.386 beats x's log1p(1) · S_xy = 0.693 · 0.949 = 0.657
    assert m.because(recs).tolist() == ["y", "y"]


# -- life-stage re-ranking --------------------------------------------------------------------------------
@pytest.mark.parametrize("boost", [None, {"new_parent": ["c1", "c3"]}])
@pytest.mark.parametrize("shuffle", [False, True])
def test_rerank_matches_the_previous_code(boost, shuffle):
    rng = np.random.default_rng(11)
    n = 3000
    recs = pd.DataFrame({"customer_id": "C" + pd.Series(np.sort(rng.integers(0, 200, n))).astype(str).str.zfill(4)})
    recs["rank"] = recs.groupby("customer_id").cumcount() + 1
    recs["product_id"] = "p" + pd.Series(rng.integers(0, 30, n)).astype(str)
    recs["category"] = np.where(rng.random(n) < 0.05, None, "c" + pd.Series(rng.integers(0, 6, n)).astype(str))
    recs["score"] = rng.random(n)
    ids = recs["customer_id"].unique()
    stages = pd.DataFrame(
        {
            "customer_id": ids[:-20],  # some customers are not in the customers table
            "life_stage": rng.choice(np.array(["new_parent", "student", None], dtype=object), len(ids) - 20),
        }
    )
    inter = recs[["customer_id", "category"]].dropna()
    if shuffle:
        recs = recs.sample(frac=1.0, random_state=5)
    r = LifeStageReranker(boost=boost, smoothing=5.0).fit(inter, stages)
    got, want = r.rerank(recs, stages, k=4), _ref_rerank(r, recs, stages, k=4)
    pd.testing.assert_frame_equal(got, want)
    assert got.groupby("customer_id")["rank"].max().max() == 4


# -- serving: explanation texts and re-buys -----------------------------------------------------------
def test_because_text_matches_the_previous_code():
    info = pd.DataFrame({"name": ["Kem", "Áo", np.nan]}, index=pd.Index(["P1", "P2", "P3"], name="product_id"))
    recs = pd.DataFrame(
        {
            "product_id": ["P1", "P2", "P2", "P3", "P1", "P1", "P2"],
            # another product, itself, none, itself, none, a product not in the table, one without a name
            "_because": ["P2", "P2", None, "P3", np.nan, "P9", "P3"],
        }
    )
    for lang in ("en", "vi"):
        got = _because(recs, info, lang)
        assert got.tolist() == _ref_because_text(recs, info, lang)
    assert _because(recs, info, "en")[0] == "Because you bought “Áo”"


def test_bought_before_is_membership_in_the_training_pairs():
    df = _random_interactions(4, n_users=50, n_items=10, n_rows=200)
    m = ItemKNNRecommender().fit(df)
    rng = np.random.default_rng(4)
    recs = pd.DataFrame(
        {
            "customer_id": "u" + pd.Series(rng.integers(0, 60, 500)).astype(str),
            "product_id": "p" + pd.Series(rng.integers(0, 12, 500)).astype(str),
        }
    )
    own = set(zip(df["customer_id"], df["product_id"], strict=True))
    want = [(c, p) in own for c, p in zip(recs["customer_id"], recs["product_id"], strict=True)]
    got = _bought_before(m, recs)
    assert got.tolist() == want and 0 < got.sum() < len(got)


# -- data layer: the rewritten queries against a pandas recomputation -----------------------------------
@pytest.fixture
def toy(tmp_path):
    s = fill_toy_store(connect(f"duckdb://{tmp_path}/vec.duckdb"))
    # c6 has P1 on two lines of the same order: one order, and not a re-buy
    s.append(
        "orders",
        pd.DataFrame(
            {
                "order_id": ["o11"],
                "customer_ref": ["c6"],
                "customer_id": ["c6"],
                "ordered_at": [T("2025-01-28", tz="UTC")],
                "status": ["completed"],
                "total_amount": ["1"],
            }
        ),
    )
    s.append(
        "order_items",
        pd.DataFrame(
            {
                "order_id": ["o11", "o11"],
                "line": [1, 2],
                "product_id": ["P1", "P1"],
                "quantity": [1, 1],
                "unit_price": ["1", "1"],
            }
        ),
    )
    yield s
    s.close()


def test_same_product_twice_in_one_order_counts_once(toy):
    df = interactions(toy).set_index(["customer_id", "product_id"])
    assert df.loc[("c6", "P1"), "orders"] == 1 and df.loc[("c1", "P1"), "orders"] == 2
    assert df.loc[("c6", "P1"), "last_at"] == T("2025-01-28", tz="UTC")
    rc = repeat_categories(toy, threshold=0.3, min_customers=1).set_index("category")
    # Skin buyers c1 (P1 on two orders), c2, c4, c6 (P1 twice in one order): 1 of 4 re-buys
    assert rc.loc["Skin", "customers"] == 4 and rc.loc["Skin", "rebuyers"] == 1


def _pandas_pairs(store, end, customers=None):
    o = store.table("orders").execute()
    o = o[((o["status"] == "completed") | o["status"].isna()) & o["customer_id"].notna() & (o["ordered_at"] < end)]
    if customers is not None:
        o = o[o["customer_id"].isin(customers)]
    j = o.merge(store.table("order_items").execute()[["order_id", "product_id"]], on="order_id")
    return j.groupby(["customer_id", "product_id"]).agg(orders=("order_id", "nunique"), last_at=("ordered_at", "max"))


def test_queries_agree_with_pandas_on_the_demo(demo_ws):
    store = connect(f"duckdb://{demo_ws[0]}/centric.duckdb")
    try:
        last = pd.Timestamp(store.table("orders").ordered_at.max().execute())
        cut = last - pd.Timedelta(days=180)
        ok = allowed_customers(store, "analytics")
        got = interactions(store, end=cut, customers=ok).set_index(["customer_id", "product_id"])
        want = _pandas_pairs(store, cut, set(ok.execute()["customer_id"]))
        assert len(got) == len(want) > 100
        assert (got["orders"] == want["orders"].reindex(got.index)).all()
        assert (got["last_at"] == want["last_at"].reindex(got.index)).all()
        rc = repeat_categories(store, end=cut).set_index("category")
        pairs = _pandas_pairs(store, cut).reset_index()
        cats = store.table("products").execute().set_index("product_id")["category"]
        pairs["category"] = cats.reindex(pairs["product_id"]).to_numpy()
        per = pairs.assign(rebuy=pairs["orders"] >= 2).groupby(["customer_id", "category"])["rebuy"].any()
        by_cat = per.groupby("category").agg(["size", "sum"])
        assert rc["customers"].to_dict() == by_cat["size"].to_dict()
        assert rc["rebuyers"].to_dict() == by_cat["sum"].to_dict()
    finally:
        store.close()


# -- next best action texts ------------------------------------------------------------------------------
def test_reasons_match_one_call_per_customer(tmp_path):
    store = fill_toy_store(connect(f"duckdb://{tmp_path}/nba.duckdb"))
    try:
        nba = next_best_actions(store, None, as_of=T("2025-06-30", tz="UTC"))
        assert set(nba["action"]) >= {"win_back", "survey_request", "leave_alone"}
    finally:
        store.close()
    rng = np.random.default_rng(8)
    n = 400
    pol = NBAPolicy()
    act = rng.choice(np.array(["win_back", "cross_sell", "survey_request", "leave_alone"], dtype=object), n)
    ev = rng.random(n) * 1e5
    df = pd.DataFrame(
        {
            "risk": rng.random(n),
            "value": rng.random(n) * 1e6,
            "product_name": rng.choice(np.array(["Kem", "Áo", None], dtype=object), n),
        }
    )
    reachable, tired = rng.random(n) < 0.6, rng.random(n) < 0.2
    n_sent = rng.integers(0, 5, n)
    for lang in ("en", "vi"):
        got = _reasons(lang, act, ev, df, reachable, tired, n_sent, pol)
        rows = df.to_dict("records")
        want = [
            _reason(lang, act[i], float(ev[i]), rows[i], bool(reachable[i]), bool(tired[i]), int(n_sent[i]), pol)
            for i in range(n)
        ]
        assert got.tolist() == want


# -- shared purchases and the background ALS fit --------------------------------------------------------
def test_shared_purchases_give_the_same_tables(toy):
    ends = [T("2025-02-01", tz="UTC"), T("2025-06-30", tz="UTC")]
    ok = allowed_customers(toy, "analytics")
    alone = [interactions(toy, end=e) for e in ends] + [interactions(toy, end=ends[1], customers=ok, view_weight=0.5)]
    rc_alone = [repeat_categories(toy, end=e, threshold=0.3, min_customers=1) for e in ends]
    with shared_purchases(toy, ends=ends):
        inside = [interactions(toy, end=e) for e in ends]
        inside.append(interactions(toy, end=ends[1], customers=ok, view_weight=0.5))
        rc_inside = [repeat_categories(toy, end=e, threshold=0.3, min_customers=1) for e in ends]
        other = interactions(toy, end=T("2025-03-01", tz="UTC"))  # not a shared end: its own query
    for a, b in zip(alone + rc_alone, inside + rc_inside, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert len(inside[0]) < len(inside[1])  # the two ends really differ
    assert inside[1].set_index(["customer_id", "product_id"]).loc[("c1", "P1"), "orders"] == 2
    pd.testing.assert_frame_equal(other, interactions(toy, end=T("2025-03-01", tz="UTC")))


def test_evaluation_matches_fitting_every_model_in_turn(demo_ws):
    store = connect(f"duckdb://{demo_ws[0]}/centric.duckdb")
    try:
        ev = evaluate_time_split(store, k=10)
        # the same protocol by hand, one model after the other (no background fit, no reuse)
        cut = pd.Timestamp(ev["cut"])
        ok = allowed_customers(store, "analytics")
        train = interactions(store, end=cut, customers=ok)
        rel = purchases(store, start=cut, end=pd.Timestamp(ev["test_end"])).semi_join(ok, "customer_id").execute()
        rel = rel.loc[rel["customer_id"].isin(set(train["customer_id"])), ["customer_id", "product_id"]]
        rel = rel.drop_duplicates()
        users = rel["customer_id"].unique().tolist()
        info = product_info(store)
        rc = repeat_categories(store, end=cut)
        repeat = info.loc[info["category"].isin(rc.loc[rc["repeat"], "category"]), "product_id"].tolist()
        available = info.loc[info["available"], "product_id"].tolist()
        for model in default_models():
            recs = model.fit(train).recommend(users, 10, repeat_items=repeat, available_items=available)
            want = ranking_metrics_frame(recs, rel, k=10, catalogue_size=len(available))
            got = ev["models"][model.name]
            assert {kk: got[kk] for kk in want} == want, model.name
        assert list(ev["models"]) == ["popularity", "buy_again", "item_knn", "als", "item_knn+life_stage"]
    finally:
        store.close()


def test_item_because_sparse_lookup_for_large_catalogues(monkeypatch):
    df = _random_interactions(9)
    m = ItemKNNRecommender(neighbours=5).fit(df)
    recs = m.recommend(k=5, exclude_seen=False)
    dense = m.because(recs)
    monkeypatch.setattr("centric.recommend._item_knn.DENSE_ITEMS", 0)  # force the sparse look-up
    pd.testing.assert_series_equal(m.because(recs), dense)
    pd.testing.assert_series_equal(dense, _ref_item_because(m, recs))

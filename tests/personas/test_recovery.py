"""Personas against the demo's generating segments, and the pipeline step end to end (SF 0.05)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from centric.personas import PersonaModel, customer_features, figures, personas_step
from centric.store import connect

from .conftest import AS_OF, truth_segments

#: Measured at SF 0.05, demo seed 42: ARI 0.68 for model seeds 0, 1 and 2 (k = 6: the five
#: generating segments plus one real cluster of heavy e-mail openers drawn from all of them;
#: forcing k = 5 gives 0.62). Segments overlap for customers with one or two orders, so
#: perfect recovery is not expected; 0.55 leaves room for seed-to-seed variation while still
#: failing if the features or scaling stop seeing the segments (the unweighted features give < 0.05).
MIN_ARI = 0.55


@pytest.fixture(scope="module")
def fitted(persona_ws):
    _ws, store, truth_dir = persona_ws
    feats = customer_features(store, as_of=AS_OF)
    model = PersonaModel(random_state=0).fit(feats)
    return feats, model, truth_segments(store, truth_dir)


def test_personas_recover_the_generating_segments(fitted):
    feats, model, truth = fitted
    y = truth.reindex(feats.index)
    ok = y.notna().to_numpy()
    assert ok.mean() > 0.99
    ari = adjusted_rand_score(y[ok], model.labels_[ok])
    print(
        f"persona recovery ARI = {ari:.3f} (k = {model.n_personas_}, stability ARI = {model.stability_ari_:.3f}, "
        f"silhouette by k = { {k: round(v, 3) for k, v in model.k_scores_.items()} })"
    )
    assert ari >= MIN_ARI
    assert 5 <= model.n_personas_ <= 7


def test_stability_across_seeds_is_reported_and_high(fitted):
    _, model, _ = fitted
    assert len(model.stability_aris_) == 4
    assert model.stability_ari_ > 0.9


def test_predict_reassigns_known_customers(fitted):
    feats, model, _ = fitted
    sample = feats.sample(300, random_state=1)
    pos = feats.index.get_indexer(sample.index)
    np.testing.assert_array_equal(model.predict(sample), model.labels_[pos])


def test_personas_step_writes_table_summary_frames(persona_ws):
    _ws, store, _ = persona_ws
    results = SimpleNamespace(summary={"run_id": "run-1"}, frames={})
    personas_step(store, results, AS_OF)
    info = results.summary["personas"]
    json.dumps(info)  # JSON-ready
    assert info["status"] == "ok" and info["k"] == len(info["personas"])
    assert info["criterion"]["criterion"] == "silhouette" and info["stability_ari"] > 0.9
    names_en = [p["name_en"] for p in info["personas"]]
    assert len(set(names_en)) == len(names_en) and len({p["name_vi"] for p in info["personas"]}) == len(
        names_en
    )
    for p in info["personas"]:
        assert p["narrative_en"].startswith(p["name_en"] + " — ")
        assert p["narrative_vi"].startswith(p["name_vi"] + " — ")
        assert p["nps"]["n"] > 0 and len(p["traits"]) == 5
    assert sum(p["share"] for p in info["personas"]) == pytest.approx(1.0)
    assert sum(p["revenue_share"] for p in info["personas"]) == pytest.approx(1.0)
    cp = store.table("customer_personas").execute()
    assert list(cp.columns[:6]) == [
        "customer_id",
        "persona_id",
        "persona_name_en",
        "persona_name_vi",
        "rfm_segment",
        "run_id",
    ]
    assert cp.customer_id.is_unique and len(cp) == info["n_customers"] and (cp.run_id == "run-1").all()
    assert set(results.frames) >= {"persona_sizes", "persona_traits", "rfm_segments"}
    for lang in ("en", "vi"):
        figs = figures(results.frames, lang)
        assert len(figs) == 2
    # the demo's big spenders are found and named as such
    assert any(n.startswith("Loyal big spenders") for n in names_en), names_en


def test_cli_show(persona_ws):
    import typer
    from typer.testing import CliRunner

    from centric.cli._personas import personas_app

    app = typer.Typer()
    app.add_typer(personas_app, name="personas")  # as the lead registers it
    ws, store, _ = persona_ws
    if not store.has_table("persona_profiles"):
        personas_step(store, SimpleNamespace(summary={}, frames={}), AS_OF)
    store.con.raw_sql("CHECKPOINT")
    for lang, word in (("en", "of customers"), ("vi", "khách hàng")):
        result = CliRunner().invoke(app, ["personas", "show", "--lang", lang, "--workspace", str(ws)])
        assert result.exit_code == 0, result.output
        assert word in result.output


def test_not_enough_customers_is_stated_not_faked(tmp_path):
    rng = np.random.default_rng(37)
    n = 37
    store = connect("duckdb://")
    store.append(
        "orders",
        pd.DataFrame(
            {
                "order_id": [f"o{i}" for i in range(n)],
                "customer_ref": [f"pos:c{i}" for i in range(n)],
                "customer_id": [f"c{i}" for i in range(n)],
                "status": "completed",
                "channel": "pos",
                "ordered_at": AS_OF - pd.to_timedelta(rng.integers(1, 300, n), unit="D"),
                "total_amount": rng.integers(100, 900, n) * 1000,
            }
        ),
    )
    results = SimpleNamespace(summary={"run_id": "r"}, frames={})
    personas_step(store, results, AS_OF)
    info = results.summary["personas"]
    assert info["status"] == "not_enough_data"
    assert info["message"] == "not enough customers to find personas: 37, need ≥ 200"
    assert "personas" not in info
    cp = store.table("customer_personas").execute()
    assert len(cp) == 37 and cp.persona_id.isna().all() and cp.rfm_segment.notna().all()
    assert figures(results.frames, "en") == []

"""On the demo, the journeys analysis finds what the simulator planted: app checkout friction first."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from centric.journeys import figures, friction_points, journeys_step
from centric.pipeline import Results


def test_planted_checkout_friction_is_found_first(demo_store):
    store, world, _ = demo_store
    planted = world.params["journeys"]["planted_friction"]
    f = friction_points(store.table("events"), store.table("feedback"), store.table("tickets"))
    top = f.iloc[0]
    assert (top["group"], top["step"]) == (planted["channel"], planted["step"])
    assert top["touchpoint"] == planted["touchpoint"]
    assert top["is_friction"] and top["z"] > 5 and top["ratio"] > 1.3
    # the voice of the customer agrees: more negative CES answers at checkout on app than overall
    assert top["negative_share"] > top["expected_negative_share"]
    assert top["ces_n"] > 50 and top["tickets"] > 0
    assert f["is_friction"].sum() <= 2
    for lang, words in (("en", "did not go on to purchase"), ("vi", "không đi tiếp đến mua hàng")):
        sentence = top[f"sentence_{lang}"]
        assert (
            words in sentence and str(f"{int(top['entered']):,}".replace(",", "." if lang == "vi" else ",")) in sentence
        )
    assert "ứng dụng" in top["sentence_vi"] and "app" in top["sentence_en"]
    assert all(isinstance(s, str) and s for s in f["sentence_vi"]) and all(f["sentence_en"])


def test_journeys_step_summary_and_frames(demo_store):
    store, _, _ = demo_store
    results = Results("t", {"headline": {}})
    journeys_step(store, results, pd.Timestamp("2026-01-01", tz="UTC"))
    j = results.summary["journeys"]
    assert j["status"] == "ok"
    json.dumps(results.summary)  # JSON-ready
    assert {"funnel", "funnel_by_channel", "friction", "paths", "stages", "sessions"} <= set(j)
    assert set(j["funnel_by_channel"]) == {"app", "web"}
    first = j["funnel"][0]
    assert {"step", "n", "conversion", "low", "high", "median_seconds_to_next"} <= set(first)
    assert first["low"] < first["conversion"] < first["high"]
    assert j["friction"][0]["group"] == "app" and j["friction"][0]["step"] == "begin_checkout→purchase"
    assert {"funnel", "funnel_by_channel", "paths", "friction", "stages"} <= set(results.frames)
    for lang in ("vi", "en"):
        figs = figures(results.frames, lang)
        assert len(figs) == 5
        for fig in figs:
            assert fig.to_html(full_html=False, include_plotlyjs=False)


def test_cli_journeys_show(demo_store, monkeypatch):
    import typer

    from centric.cli._journeys import journeys_app

    _, _, ws = demo_store
    monkeypatch.delenv("CENTRIC_STORE", raising=False)
    app = typer.Typer()
    app.add_typer(journeys_app, name="journeys")
    out = CliRunner().invoke(app, ["journeys", "show", "--workspace", str(ws), "--lang", "en", "--top", "3"])
    assert out.exit_code == 0, out.output
    assert "Friction points" in out.output and "did not go on to purchase" in out.output

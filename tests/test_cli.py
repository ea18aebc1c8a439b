"""The CLI end to end through CliRunner: demo, import, analyze, report, and its error paths."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from centric.cli import app
from centric.store import connect

runner = CliRunner()


def _summary(ws: Path) -> dict:
    return json.loads((ws / "report" / "summary.json").read_text("utf-8"))


def test_demo_writes_report_and_summary(demo_ws):
    ws, output = demo_ws
    assert (ws / "report" / "index.html").stat().st_size > 1_000_000  # plotly.js is inlined: offline
    assert "index.html" in output and "NPS" in output
    s = _summary(ws)
    for key in ("nps", "csat", "ces_v2", "ces_v1", "retention", "churn", "clv_hist", "engagement", "life_impact"):
        m = s["headline"][key]
        assert m["n"] > 0, key
        assert m["definition"] and m["definition_vi"], key
        if not m["suppressed"]:
            assert m["low"] <= m["value"] <= m["high"], key
    # every imported row is accounted for
    for r in s["imports"]:
        assert r["rows_read"] == r["rows_stored"] + r["rows_merged"] + r["rows_quarantined"] + r["rows_blank"]
    assert sum(r["rows_quarantined"] for r in s["imports"]) > 0  # the demo injects dirty rows
    assert s["quarantine_reasons"]
    assert {"identity", "surveys", "retention", "value", "clv", "report"} <= set(s["timings"])
    # segments: groups under n = 10 are suppressed (no value leaks), others carry an interval
    seg = {(x["metric"], x["by"]): x["rows"] for x in s["segments"]}
    assert ("nps", "province") in seg and ("csat", "channel") in seg
    for rows in seg.values():
        for r in rows:
            assert (r["value"] is None) == r["suppressed"] == (r["n"] < 10)
            if not r["suppressed"]:
                assert r["low"] <= r["value"] <= r["high"]
    # the CLV model is described and validated on a holdout
    assert set(s["clv_model"]["bg_nbd"]["params"]) == {"r", "alpha", "a", "b"}
    hold = s["clv_validation"]["holdout_repeat_purchases"]
    assert abs(hold["error_pct"]) < 25, hold


def test_demo_metrics_agree_with_ground_truth(demo_ws):
    """The simulator knows the true NPS/CSAT/CES of its process: each lies inside our 95% interval."""
    ws, _ = demo_ws
    truth = json.loads((ws / "truth" / "params.json").read_text("utf-8"))["surveys"]
    h = _summary(ws)["headline"]
    pairs = [
        ("nps", truth["nps"]["true_nps"]),
        ("csat", truth["csat"]["true_top2_pct"]),
        ("ces_v2", truth["ces_2.0"]["true_mean"]),
        ("ces_v1", truth["ces_1.0"]["true_mean"]),
    ]
    for key, true in pairs:
        m = h[key]
        assert m["n"] == truth[{"nps": "nps", "csat": "csat", "ces_v2": "ces_2.0", "ces_v1": "ces_1.0"}[key]]["n"]
        assert m["low"] <= true <= m["high"], (key, true, m["low"], m["high"])


def test_identity_against_ground_truth(demo_ws):
    ws, _ = demo_ws
    records = pd.read_parquet(ws / "truth" / "records.parquet")
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        got = store.table("customer_records").select("customer_ref", "customer_id").execute()
    df = got.merge(records, on="customer_ref", how="inner")
    assert len(df) >= 0.95 * len(got)  # nearly every stored record is in the truth (the rest were bad rows)

    def pairs(frame, col):
        out = set()
        for _, g in frame.groupby(col):
            refs = sorted(g["customer_ref"])
            out |= {(a, b) for i, a in enumerate(refs) for b in refs[i + 1 :]}
        return out

    predicted, actual = pairs(df, "customer_id"), pairs(df, "person_id")
    tp = len(predicted & actual)
    precision = tp / len(predicted)
    recall = tp / len(actual)
    print(f"identity precision={precision:.4f} recall={recall:.4f} pairs={len(predicted)}/{len(actual)}")
    assert precision >= 0.97
    assert recall >= 0.90


def test_reimport_changes_nothing(demo_ws):
    ws, _ = demo_ws
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        before = {t: store.count(t) for t in ("customer_records", "orders", "events", "feedback", "quarantine")}
    result = runner.invoke(app, ["import", "--json", "--workspace", str(ws), str(ws / "exports")])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)
    assert reports and all(r["already_imported"] and r["rows_stored"] == 0 for r in reports)
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        after = {t: store.count(t) for t in before}
    assert before == after


def test_report_again_in_vietnamese(demo_ws):
    ws, _ = demo_ws
    result = runner.invoke(app, ["report", "--lang", "vi", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    html = (ws / "report" / "index.html").read_text("utf-8")
    assert "Báo cáo khách hàng Centric" in html and 'lang="vi"' in html


# --- error paths: one clear line, exit 1 (2 for usage), nothing half-written ------------------


@pytest.fixture
def ws(tmp_path):
    w = tmp_path / "ws"
    assert runner.invoke(app, ["init", "--workspace", str(w)]).exit_code == 0
    return w


def _counts(w: Path) -> dict:
    with connect(f"duckdb://{w}/centric.duckdb") as store:
        return {t: store.count(t) for t in ("orders", "quarantine", "import_batches")}


def test_missing_file(ws):
    r = runner.invoke(app, ["import", "--workspace", str(ws), str(ws / "nope.csv")])
    assert r.exit_code == 1
    assert "nope.csv" in r.output and "not found" in r.output


def test_unknown_table(ws, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("order_id,total\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["import", "--table", "ordrs", "--workspace", str(ws), str(f)])
    assert r.exit_code == 1
    assert "Unknown table 'ordrs'" in r.output
    assert _counts(ws) == {"orders": 0, "quarantine": 0, "import_batches": 0}


def test_unreadable_encoding(ws, tmp_path):
    f = tmp_path / "pos_orders.csv"
    f.write_bytes(bytes(range(256)) * 40)
    r = runner.invoke(app, ["import", "--workspace", str(ws), str(f)])
    assert r.exit_code == 1
    assert "pos_orders.csv" in r.output
    assert _counts(ws) == {"orders": 0, "quarantine": 0, "import_batches": 0}


def test_mapping_to_unknown_column(ws, tmp_path):
    f = tmp_path / "pos_orders.csv"
    f.write_text("Mã ĐH;Mã khách hàng;Ngày đặt hàng;Tổng tiền\nA1;KH1;05/01/2026;100.000 ₫\n", encoding="utf-8")
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"Mã ĐH": "order_number"}), encoding="utf-8")
    r = runner.invoke(app, ["import", "--mapping", str(m), "--workspace", str(ws), str(f)])
    assert r.exit_code == 1
    assert "order_number" in r.output
    assert _counts(ws) == {"orders": 0, "quarantine": 0, "import_batches": 0}
    m.write_text(json.dumps({"Mã ĐH": "order_id"}), encoding="utf-8")
    r = runner.invoke(app, ["import", "--json", "--mapping", str(m), "--workspace", str(ws), str(f)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["rows_stored"] == 1


def test_usage_errors_exit_2(ws):
    assert runner.invoke(app, ["analyze", "--lang", "fr", "--workspace", str(ws)]).exit_code == 2
    assert runner.invoke(app, ["demo", "--scale", "-1"]).exit_code == 2
    assert runner.invoke(app, ["import"]).exit_code == 2


def test_analyze_empty_store_is_a_clear_error(ws):
    r = runner.invoke(app, ["analyze", "--workspace", str(ws)])
    assert r.exit_code == 1
    assert "nothing to analyse" in r.output


def test_demo_refuses_to_overwrite_user_workspace(ws):
    r = runner.invoke(app, ["demo", "--scale", "0.01", "--workspace", str(ws)])
    assert r.exit_code == 1
    assert "will not overwrite" in r.output


def test_clv_fit_and_predict(demo_ws, tmp_path):
    ws, _ = demo_ws
    r = runner.invoke(app, ["clv", "fit", "--json", "--workspace", str(ws)])
    assert r.exit_code == 0, r.output
    fitted = json.loads(r.output)
    assert set(fitted["transaction_model"]["params"]) == {"r", "alpha", "a", "b"}
    assert all(v > 0 for v in fitted["transaction_model"]["params"].values())
    out = tmp_path / "clv.csv"
    r = runner.invoke(app, ["clv", "predict", "--top", "3", "--output", str(out), "--workspace", str(ws)])
    assert r.exit_code == 0, r.output
    scored = pd.read_csv(out)
    assert len(scored) == fitted["n_customers"]
    assert scored["p_alive"].between(0, 1).all() and (scored["clv"] >= 0).all()
    # frequency-0 customers are the least valuable on average
    assert scored.loc[scored.frequency == 0, "clv"].mean() < scored.loc[scored.frequency > 3, "clv"].mean()


def test_clv_predict_needs_a_fit(ws):
    r = runner.invoke(app, ["clv", "predict", "--workspace", str(ws)])
    assert r.exit_code == 1
    assert "centric clv fit" in r.output

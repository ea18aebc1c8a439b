"""``centric churn show`` / ``centric churn evaluate`` on the session's demo store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from centric.cli._churn import churn_app


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    app.add_typer(churn_app, name="churn")

    @app.callback()
    def main() -> None:  # a group, so 'churn' stays a sub-command
        pass

    return app


def test_show_lists_riskiest_with_reasons(cli, churn_store, churn_run):
    ws = Path(churn_store.url[len("duckdb://") :]).parent
    out = CliRunner().invoke(cli, ["churn", "show", "--top", "5", "--lang", "vi", "--workspace", str(ws)])
    assert out.exit_code == 0, out.output
    assert "rủi ro rời bỏ cao nhất" in out.output and "Đã chấm điểm" in out.output
    out = CliRunner().invoke(cli, ["churn", "show", "--top", "3", "--lang", "en", "--workspace", str(ws)])
    assert out.exit_code == 0, out.output
    assert "Top 3 customers by churn risk" in out.output


def test_evaluate_prints_model_and_baseline(cli, churn_store, churn_run, monkeypatch):
    ws = Path(churn_store.url[len("duckdb://") :]).parent
    out = CliRunner().invoke(cli, ["churn", "evaluate", "--json", "--workspace", str(ws)])
    assert out.exit_code == 0, out.output
    bt = json.loads(out.output)
    assert bt["metrics"] == churn_run.summary["churn_model"]["backtest"]["metrics"]  # same seed, same numbers
    cm = churn_run.summary["churn_model"]
    monkeypatch.setattr("centric.churn.backtest", lambda *a, **k: {**cm["backtest"], "label": cm["label"]})
    out = CliRunner().invoke(cli, ["churn", "evaluate", "--lang", "en", "--workspace", str(ws)])
    assert out.exit_code == 0, out.output
    assert "recency baseline" in out.output and "ROC-AUC" in out.output


def test_empty_workspace_exits_1(cli, tmp_path):
    out = CliRunner().invoke(cli, ["churn", "show", "--workspace", str(tmp_path / "empty")])
    assert out.exit_code == 1
    assert "no orders" in out.output.lower()

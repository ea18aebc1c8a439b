"""``centric audiences|automations|email`` through CliRunner on a copy of the demo workspace."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from centric.cli import app

SAMPLE = "Subject: Anh Minh ơi, ưu đãi mới\nChào anh Minh,\n\nAnh Minh xem ngay:\n- Giày\n\nThân mến"


@pytest.fixture
def run(act_ws, monkeypatch):
    monkeypatch.delenv("CENTRIC_STORE", raising=False)
    monkeypatch.setenv("CENTRIC_LANG", "vi")
    runner = CliRunner()

    def _run(*args):
        return runner.invoke(app, [*args, "--workspace", str(act_ws)])

    return _run


def test_email_template_preview_and_refusal(run, tmp_path):
    sample = tmp_path / "sample.txt"
    sample.write_text(SAMPLE, encoding="utf-8")
    r = run("email", "template", "--sample", str(sample), "--name", "Ưu đãi", "--id", "promo")
    assert r.exit_code == 0, r.output
    assert "{{ Addressee }} ơi, ưu đãi mới" in r.output and "{{ greeting }}" in r.output
    r = run("email", "preview", "--template", "promo", "--n", "2")
    assert r.exit_code == 0, r.output
    assert r.output.count("Subject: ") == 2
    bad = tmp_path / "bad.txt"
    bad.write_text("Chào chị Lan, mã của chị: {{ coupon_code }}", encoding="utf-8")
    r = run("email", "template", "--sample", str(bad), "--name", "bad")
    assert r.exit_code == 1
    assert "uses the field 'coupon_code', which does not exist" in " ".join(r.output.split())


@pytest.mark.slow
def test_audiences_automations_and_send(run, tmp_path, act_ws):
    sample = tmp_path / "sample.txt"
    sample.write_text(SAMPLE, encoding="utf-8")
    assert run("email", "template", "--sample", str(sample), "--name", "promo").exit_code == 0
    r = run(
        "audiences",
        "save",
        "Nguy cơ cao",
        "--id",
        "risk",
        "--filters",
        '[{"field": "churn_risk", "op": "ge", "value": 0.8}]',
    )
    assert r.exit_code == 0, r.output
    r = run("audiences", "list", "--json")
    [aud] = json.loads(r.output)
    from centric.store import connect

    with connect(f"duckdb://{act_ws}/centric.duckdb") as store:
        s = store.table("customer_scores").execute()
    assert aud["audience_id"] == "risk" and aud["members"] == int((s.churn_risk >= 0.8).sum())
    out = tmp_path / "meta.csv"
    r = run("audiences", "export", "risk", "--format", "meta", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_text("utf-8").splitlines()[0] == "email,phone"
    r = run("audiences", "export", "risk", "--format", "tiktok", "--out", str(out))
    assert r.exit_code == 1 and "must be one of ['csv', 'meta', 'google']" in r.output

    definition = tmp_path / "cart.json"
    definition.write_text(
        json.dumps(
            {
                "trigger": {"type": "cart_abandoned", "lookback_hours": 336},
                "action": {"type": "email", "template_id": "promo"},
            }
        ),
        encoding="utf-8",
    )
    r = run("automations", "save", "Giỏ hàng", "--id", "cart", "--definition", f"@{definition}")
    assert r.exit_code == 0, r.output
    r = run("automations", "run", "--once", "--dry-run", "--json", "--now", "2026-01-01T10:00")
    assert r.exit_code == 0, r.output
    [res] = json.loads(r.output)
    assert res["automation_id"] == "cart" and res["sent"] == 0 and res["candidates"] >= 1
    r = run(
        "email",
        "send",
        "--template",
        "promo",
        "--audience",
        "risk",
        "--campaign",
        "c1",
        "--dry-run",
        "--json",
        "--now",
        "2026-01-01T10:00",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["candidates"] == aud["members"]
    r = run("automations", "report", "cart", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["messages"] == {}
    r = run("automations", "run", "--once", "--now", "yesterday")
    assert r.exit_code == 2

"""``centric surveys`` through CliRunner: list, link (signed link + e-mail snippet), define, alerts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from centric.cli import app
from centric.config import Settings
from centric.store import connect
from centric.surveys import read_token
from conftest import add_customer

runner = CliRunner()


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    monkeypatch.delenv("CENTRIC_STORE", raising=False)
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    with connect(f"duckdb://{ws.resolve()}/centric.duckdb") as store:
        add_customer(store, "C1", "pos:KH001")
    return ws


def test_list_shows_the_builtin_surveys(ws):
    result = runner.invoke(app, ["surveys", "list", "--json", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert [s["id"] for s in json.loads(result.output)] == ["ces", "csat", "life_impact", "nps"]
    table = runner.invoke(app, ["surveys", "list", "--lang", "en", "--workspace", str(ws)])
    assert table.exit_code == 0 and "life_impact" in table.output and "Instruments" in table.output


def test_link_prints_a_verifiable_signed_link_and_one_click_snippet(ws):
    result = runner.invoke(app, ["surveys", "link", "--survey", "nps", "--customer", "C1", "--lang", "vi",
                                 "--base-url", "https://cx.example.vn/", "--json", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    token = out["link"].split("t=")[1].split("&")[0]
    secret = Settings(workspace=ws, store_url="").secret()
    assert read_token(secret, "nps", token) == "C1"
    assert out["link"] == f"https://cx.example.vn/s/nps?t={token}&lang=vi"
    assert list(out["one_click"]) == [str(i) for i in range(11)]
    assert out["one_click"]["3"] == f"https://cx.example.vn/s/nps/1?score=3&t={token}&lang=vi"
    html = out["email_html"]
    assert html.count("<a href=") == 11
    assert "khả năng Anh/Chị giới thiệu cửa hàng cho bạn bè" in html
    assert "Hoàn toàn không có khả năng … Chắc chắn sẽ giới thiệu" in html
    plain = runner.invoke(app, ["surveys", "link", "-s", "csat", "-c", "C1", "--lang", "en", "--workspace", str(ws)])
    assert plain.exit_code == 0 and plain.output.startswith("Survey link:\nhttp://127.0.0.1:8000/s/csat?t=")
    assert "Very dissatisfied … Very satisfied" in plain.output and "HTML for the e-mail" in plain.output


def test_link_errors_exit_1_with_the_reason(ws):
    r = runner.invoke(app, ["surveys", "link", "-s", "nps", "-c", "C404", "--workspace", str(ws)])
    assert r.exit_code == 1 and "Unknown customer 'C404'" in r.output
    r = runner.invoke(app, ["surveys", "link", "-s", "nope", "-c", "C1", "--workspace", str(ws)])
    assert r.exit_code == 1 and "Unknown survey 'nope'" in r.output


def test_define_a_custom_survey_and_read_alert_stats(ws, tmp_path):
    f = tmp_path / "delivery.json"
    f.write_text(json.dumps({"id": "delivery", "title": {"vi": "Giao hàng", "en": "Delivery"},
                             "questions": [{"id": "q1", "min": 1, "max": 5, "labels": "agree5",
                                            "text": {"vi": "Đúng hẹn", "en": "On time"}}]}), "utf-8")
    r = runner.invoke(app, ["surveys", "define", str(f), "--workspace", str(ws)])
    assert r.exit_code == 0 and "Survey 'delivery' stored (1 questions)." in r.output
    listed = runner.invoke(app, ["surveys", "list", "--json", "--workspace", str(ws)])
    assert [s["id"] for s in json.loads(listed.output)][-1] == "delivery"
    f.write_text("{not json", "utf-8")
    bad = runner.invoke(app, ["surveys", "define", str(f), "--workspace", str(ws)])
    assert bad.exit_code == 1 and "is not valid JSON" in bad.output
    st = runner.invoke(app, ["surveys", "alerts", "--json", "--workspace", str(ws)])
    assert json.loads(st.output) == {"n": 0, "answered": 0, "open": 0, "median_hours": None, "p90_hours": None,
                                     "within_24h": None}

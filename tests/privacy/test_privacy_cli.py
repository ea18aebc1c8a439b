"""The privacy CLI: consent, audit verify (exit 1 on tampering), rights, docs, erase --yes."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
from typer.testing import CliRunner

from centric._tokens import verify
from centric.cli import app
from centric.store import connect

runner = CliRunner()


def _ws(tmp_path):
    ws = tmp_path / "ws"
    r = runner.invoke(app, ["init", "-w", str(ws)])
    assert r.exit_code == 0, r.output
    store = connect(f"duckdb://{ws.resolve()}/centric.duckdb")
    store.append("customers", pd.DataFrame({"customer_id": ["C1"], "display_name": ["Lý Thị Hoa"],
                                            "email": ["hoa@example.vn"], "phone": ["+84912000111"]}))
    store.append("customer_records", pd.DataFrame({"customer_ref": ["pos:K1"], "source": ["pos"], "external_id": ["K1"],
                                                   "display_name": ["Lý Thị Hoa"], "email": ["hoa@example.vn"],
                                                   "phone": ["+84912000111"], "customer_id": ["C1"]}))
    store.close()
    return ws


def test_consent_audit_rights_docs_erase(tmp_path):
    ws = _ws(tmp_path)
    w = ["-w", str(ws)]
    assert runner.invoke(app, ["consent", "grant", "C1", "marketing_email", *w]).exit_code == 0
    r = runner.invoke(app, ["consent", "withdraw", "C1", "marketing_zalo", *w])
    assert r.exit_code == 1 and "never gave consent" in r.output
    r = runner.invoke(app, ["consent", "show", "C1", "--json", *w])
    assert {x["purpose"]: x["status"] for x in json.loads(r.output)}["marketing_email"] == "granted"
    link = runner.invoke(app, ["consent", "link", "C1", *w]).output.strip()
    secret = (ws / ".centric-secret").read_bytes()
    assert verify(secret, "prefs", link.rsplit("/p/", 1)[1]) == {"c": "C1"}

    r = runner.invoke(app, ["rights", "new", "access", "C1", "--json", *w])
    assert r.exit_code == 0, r.output
    rid = json.loads(r.output)["request_id"]
    r = runner.invoke(app, ["rights", "list", "--due", "--json", *w])
    assert [x["request_id"] for x in json.loads(r.output)] == [rid]
    assert runner.invoke(app, ["rights", "new", "access", "C404", *w]).exit_code == 1

    r = runner.invoke(app, ["audit", "verify", "--json", *w])
    assert r.exit_code == 0 and json.loads(r.output)["ok"] and json.loads(r.output)["rows"] == 2
    con = duckdb.connect(str(ws / "centric.duckdb"))
    con.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    con.close()
    r = runner.invoke(app, ["audit", "verify", *w])
    assert r.exit_code == 1 and "seq 1: content was edited" in r.output

    r = runner.invoke(app, ["privacy", "docs", "--out", str(tmp_path / "docs"), *w])
    assert r.exit_code == 0 and len(list((tmp_path / "docs").iterdir())) == 8

    r = runner.invoke(app, ["breach", "new", "--nature", "lost laptop", "--aware-at", "2026-03-02T01:00:00Z", *w])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["breach", "list", "--json", *w])
    row = json.loads(r.output)[0]
    assert row["deadline"].startswith("2026-03-05T01:00:00") and row["late"] is True
    r = runner.invoke(app, ["breach", "notice", row["breach_id"], "--lang", "en", *w])
    assert "Nature of the breach: lost laptop" in r.output

    assert runner.invoke(app, ["privacy", "erase", "C1", *w]).exit_code == 2  # needs --yes
    r = runner.invoke(app, ["rights", "new", "rectification", "C1", "--field", "phone=0987654321", *w])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["privacy", "erase", "C1", "--yes", *w])
    assert r.exit_code == 0, r.output
    blob = b"".join(f.read_bytes() for f in ws.rglob("*") if f.is_file())
    assert b"hoa@example.vn" not in blob and "Lý Thị Hoa".encode() not in blob and b"912000111" not in blob
    assert b"987654321" not in blob  # what a rectification request asked for is redacted too

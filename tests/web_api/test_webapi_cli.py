"""`centric users create`, `centric keys create/list/revoke`, and `centric serve` refusing to start unsafely."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    monkeypatch.delenv("CENTRIC_STORE", raising=False)
    from centric.cli import app

    w = tmp_path / "ws"
    r = CliRunner().invoke(app, ["init", "--workspace", str(w)])
    assert r.exit_code == 0, r.output
    return w


def _run(*args, input=None):
    from centric.cli import app

    return CliRunner().invoke(app, list(args), input=input)


def test_users_create_reads_the_password_and_stores_only_a_hash(ws):
    from centric.store import connect
    from centric.web._accounts import verify_password

    r = _run("users", "create", "--email", "Boss@Example.vn", "--role", "admin", "--password-stdin",
             "--workspace", str(ws), input="a long secret pass\n")
    assert r.exit_code == 0, r.output
    assert "boss@example.vn" in r.output and "admin" in r.output
    # asked interactively (twice, hidden) when --password-stdin is not given
    r = _run("users", "create", "--email", "v@example.vn", "--workspace", str(ws),
             input="viewer password 1\nviewer password 1\n")
    assert r.exit_code == 0, r.output
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        assert verify_password(store, email="boss@example.vn", password="a long secret pass").role == "admin"
        assert verify_password(store, email="v@example.vn", password="viewer password 1").role == "viewer"
        dump = str(store.con.con.execute("SELECT * FROM users").fetchall())
    assert "a long secret pass" not in dump
    r = _run("users", "create", "--email", "x@example.vn", "--password-stdin", "--workspace", str(ws), input="short\n")
    assert r.exit_code == 1 and "at least 10" in r.output


def test_keys_create_prints_the_key_once_and_revoke_works(ws):
    from centric.store import connect
    from centric.web._accounts import find_key

    r = _run("keys", "create", "--scope", "ingest", "--scope", "read", "--workspace", str(ws))
    assert r.exit_code == 0, r.output
    key = next(line for line in r.output.splitlines() if line.startswith("ck_"))
    key_id = r.output.split("key_id=")[1].split()[0]
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        rec = find_key(store, key)
    assert rec.key_id == key_id and rec.scopes == frozenset({"ingest", "read"})
    listed = _run("keys", "list", "--workspace", str(ws)).output
    assert key_id in listed and key not in listed
    assert _run("keys", "revoke", key_id, "--workspace", str(ws)).exit_code == 0
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        assert find_key(store, key) is None
    r = _run("keys", "revoke", key_id, "--workspace", str(ws))
    assert r.exit_code == 1 and "No live API key" in r.output
    r = _run("keys", "create", "--scope", "write", "--workspace", str(ws))
    assert r.exit_code == 1 and "must be one or more of ['ingest', 'read', 'admin']" in r.output


def test_serve_refuses_an_insecure_or_missing_secret(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("CENTRIC_SECRET", "changeme")
    r = _run("serve", "--workspace", str(ws))
    assert r.exit_code == 1 and "CENTRIC_SECRET is insecure" in r.output
    monkeypatch.delenv("CENTRIC_SECRET")
    (ws / ".centric-secret").unlink()
    r = _run("serve", "--workspace", str(ws))
    assert r.exit_code == 1 and "centric init" in r.output
    r = _run("serve", "--workspace", str(tmp_path / "nowhere"))
    assert r.exit_code == 1 and "Không có không gian làm việc" in r.output  # CENTRIC_LANG defaults to vi
    monkeypatch.setenv("CENTRIC_LANG", "en")
    r = _run("serve", "--workspace", str(tmp_path / "nowhere"))
    assert r.exit_code == 1 and "There is no workspace" in r.output

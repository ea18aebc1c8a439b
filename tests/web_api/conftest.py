"""Fixtures for the web-core tests: a private copy of the demo workspace with users and keys."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "admin")
SCOPES = ("ingest", "read", "admin")


@dataclass
class Base:
    """A demo workspace copy with one user per role and one key per scope."""

    ws: Path
    keys: dict[str, str]


def settings_for(ws: Path, lang: str = "en"):
    from centric.config import Settings

    return Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang=lang)


@pytest.fixture(scope="session")
def webapi_base(demo_ws, tmp_path_factory) -> Base:
    """The demo store (analysed, SF 0.01) plus users and API keys; copied per test by ``webapi_ws``."""
    from centric.store import connect
    from centric.web import _accounts as acc

    src, _ = demo_ws
    ws = tmp_path_factory.mktemp("webapi-base") / "ws"
    ws.mkdir()
    for name in ("centric.duckdb", ".centric-secret"):
        shutil.copy2(src / name, ws / name)
    shutil.copytree(src / "report", ws / "report")
    keys = {}
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        for role in ROLES:
            acc.create_user(store, email=f"{role}@example.vn", role=role, password=PASSWORD)
        for scope in SCOPES:
            keys[scope], _ = acc.create_key(store, scopes=[scope], created_by="tests")
        revoked, rec = acc.create_key(store, scopes=["admin"])
        acc.revoke_key(store, rec.key_id)
        keys["revoked"] = revoked
    return Base(ws=ws, keys=keys)


@pytest.fixture
def webapi_ws(webapi_base, tmp_path, monkeypatch) -> Base:
    """A fresh copy of the base workspace for one test (writes do not leak between tests)."""
    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    monkeypatch.delenv("CENTRIC_STORE", raising=False)
    ws = tmp_path / "ws"
    shutil.copytree(webapi_base.ws, ws)
    return Base(ws=ws, keys=dict(webapi_base.keys))


@pytest.fixture
def api(webapi_ws):
    """``(client, app, keys)``: the full app (create_app) over a fresh workspace copy, lifespan running."""
    from fastapi.testclient import TestClient

    from centric.web import create_app

    app = create_app(settings_for(webapi_ws.ws))
    with TestClient(app) as client:
        yield client, app, webapi_ws.keys


def _login(client, email: str, password: str = PASSWORD):
    client.get("/login")
    token = client.cookies.get("centric_csrf")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"},
                       follow_redirects=False)


@pytest.fixture
def login():
    """``login(client, email, password=PASSWORD)``: log in through the real form (CSRF cookie + field)."""
    return _login


HTTPX_WARNING = "ignore:Using `httpx` with `starlette.testclient`"


def pytest_collection_modifyitems(config, items):
    """Starlette 1.x warns (a UserWarning) that TestClient prefers httpx2; httpx is what ci pins."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings(HTTPX_WARNING))

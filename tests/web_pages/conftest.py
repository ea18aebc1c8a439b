"""Fixtures for the page tests: a copy of the demo workspace, a bare app with the pages, logged-in clients."""

from __future__ import annotations

import shutil
import threading

import pytest

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "admin")


def build_app(ws):
    """A bare FastAPI app set up as the web contract says, with auth's login routes and the pages router."""
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    from centric.config import Settings
    from centric.store import connect
    from centric.web import auth, pages_routes
    from centric.web._http import RequestContextMiddleware
    from centric.web._pages_support import HERE
    from centric.web.errors import install_error_handlers

    settings = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang="vi")
    app = FastAPI()
    app.state.store = connect(settings.store_url)
    app.state.store_lock = threading.RLock()
    app.state.settings = settings
    app.state.secret = settings.secret()
    app.state.scheduled = []
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, default_lang=settings.lang)
    app.include_router(auth.router)
    app.include_router(pages_routes.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real /login form (CSRF cookie + field)."""
    client.get("/login")
    token = client.cookies.get("centric_csrf")
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


@pytest.fixture(scope="module")
def pages_ws(demo_ws, tmp_path_factory):
    """A private copy of the demo workspace (tests write alerts and fix quarantined rows)."""
    src, _ = demo_ws
    ws = tmp_path_factory.mktemp("pages") / "ws"
    shutil.copytree(src, ws, ignore=shutil.ignore_patterns("exports", "report"))
    shutil.copytree(src / "report", ws / "report")
    return ws


@pytest.fixture(scope="module")
def pages_app(pages_ws):
    from centric.web import _accounts as acc

    app = build_app(pages_ws)
    for role in ROLES:
        acc.create_user(app.state.store, email=f"{role}@example.vn", role=role, password=PASSWORD)
    yield app
    app.state.store.close()


@pytest.fixture(scope="module")
def client_as(pages_app):
    """``client_as(role, fresh=False)`` → a TestClient logged in with that role (``None``: anonymous).

    Logged-in clients are reused within a module (argon2 makes each login cost ~0.3 s); ask for
    ``fresh=True`` when a test changes cookies (the language).
    """
    from fastapi.testclient import TestClient

    made: dict[object, TestClient] = {}

    def make(role: str | None, *, fresh: bool = False):
        key = object() if fresh else role
        if key not in made:
            c = TestClient(pages_app)
            made[key] = login(c, f"{role}@example.vn") if role else c
        return made[key]

    yield make
    for c in made.values():
        c.close()

HTTPX_WARNING = "ignore:Using `httpx` with `starlette.testclient`"


def pytest_collection_modifyitems(config, items):
    """Starlette warns that its TestClient prefers httpx2; httpx is what ci pins (only this folder's tests)."""
    from pathlib import Path

    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings(HTTPX_WARNING))

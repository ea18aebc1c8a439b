"""Fixtures for the survey tests: a DuckDB file store, a bare app with the survey router, customers."""

from __future__ import annotations

import threading
import warnings
from types import SimpleNamespace

import pandas as pd
import pytest

from centric.store import connect

with warnings.catch_warnings():
    # starlette warns (a UserWarning) that its TestClient prefers httpx2 over the pinned httpx
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

SECRET = b"survey-tests-secret-0123456789abcdef"


@pytest.fixture
def store(tmp_path):
    """A fresh DuckDB file store."""
    s = connect(f"duckdb://{tmp_path}/centric.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One DuckDB file store for a module's tests that only read it or write rows of their own."""
    s = connect(f"duckdb://{tmp_path_factory.mktemp('shared')}/centric.duckdb")
    yield s
    s.close()


def add_customer(store, customer_id: str, ref: str) -> None:
    """One customer with one source record (as identity resolution leaves them)."""
    store.append("customer_records", pd.DataFrame([{"customer_ref": ref, "source": ref.split(":")[0],
                                                      "external_id": ref.split(":")[1], "customer_id": customer_id}]))
    store.append("customers", pd.DataFrame([{"customer_id": customer_id, "n_records": 1}]))


def add_consent(store, customer_id: str, ref: str, purpose: str, status: str, at: str) -> None:
    """One consent record."""
    store.append("consents", pd.DataFrame([{
        "consent_id": f"{customer_id}-{purpose}-{at}", "customer_ref": ref, "customer_id": customer_id,
        "purpose": purpose, "status": status, "recorded_at": pd.Timestamp(at), "method": "import",
    }]))


def bare_app(store, *, lang: str = "vi"):
    """A FastAPI app with only the survey router and the state the web contract names."""
    from fastapi import FastAPI

    from centric.web._http import RequestContextMiddleware
    from centric.web.surveys_routes import router

    app = FastAPI()
    app.state.store = store
    app.state.store_lock = threading.RLock()
    app.state.settings = SimpleNamespace(lang=lang)
    app.state.secret = SECRET
    app.state.scheduled = []
    app.add_middleware(RequestContextMiddleware, default_lang=lang)
    app.include_router(router)
    return app


@pytest.fixture
def client(store):
    """A TestClient over the bare survey app."""
    with TestClient(bare_app(store)) as c:
        yield c

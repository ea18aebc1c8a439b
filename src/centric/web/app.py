"""The app factory: one FastAPI app over one workspace (pages, JSON API, public survey/preference pages).

``create_app(settings, store=None)`` opens the store (or takes the one given) and sets on
``app.state``:

* ``store`` — the :class:`centric.store.Store`; the server is its only writer.
* ``store_lock`` — a :class:`threading.RLock`; hold it around every store access in a route.
* ``settings`` — the :class:`centric.config.Settings`.
* ``secret`` — bytes for ``centric._tokens.sign/verify`` (signed links, sessions).
* ``scheduled`` — callables ``fn(store, settings)`` that ``centric serve`` runs every 60 s under the lock.
* ``writer`` — the :class:`centric.web._writer.Writer` (group commit of API writes).
* ``jobs`` — the :class:`centric.web._jobs.JobRunner` (background analysis).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from centric._version import __version__
from centric.config import Settings
from centric.web._http import RequestContextMiddleware
from centric.web._jobs import JobRunner
from centric.web._writer import Writer
from centric.web.errors import install_error_handlers

__all__ = ["AREA_ROUTERS", "Scheduler", "create_app"]

log = logging.getLogger("centric.web")

#: the routers of the other areas (pages, surveys, preference centre, tracking)
AREA_ROUTERS = (
    "centric.web.pages_routes",
    "centric.web.surveys_routes",
    "centric.web.preferences_routes",
    "centric.web.tracking_routes",
)

STATIC = Path(__file__).resolve().parent / "static"


class Scheduler:
    """Runs ``app.state.scheduled`` every ``interval`` seconds under the store lock (``centric serve``)."""

    def __init__(self, state: Any, interval: float = 60.0) -> None:
        self.state, self.interval = state, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the timer thread."""
        self._thread = threading.Thread(target=self._loop, name="centric-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def run_once(self) -> None:
        """Run each scheduled callable once; a failure is logged and does not stop the others."""
        for fn in list(self.state.scheduled):
            try:
                with self.state.store_lock:
                    fn(self.state.store, self.state.settings)
            except Exception:
                log.exception("Scheduled job %r failed", getattr(fn, "__name__", fn))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()


def create_app(settings: Settings, *, store: Any = None, schedule_every: float | None = None) -> FastAPI:
    """Build the web app over ``settings.workspace``.

    Parameters
    ----------
    settings
        The workspace settings; ``settings.secret()`` must give a secure secret (else ConfigError).
    store
        An open store to use (tests); by default the store at ``settings.store_url`` is opened
        and closed with the app.
    schedule_every
        Seconds between runs of ``app.state.scheduled`` (``centric serve`` passes 60; None: never).
    """
    secret = settings.secret()  # refuses a missing or weak secret before anything opens
    owns_store = store is None
    if store is None:
        from centric.store import connect

        store = connect(settings.store_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.writer.start()
        scheduler = Scheduler(app.state, schedule_every) if schedule_every else None
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            app.state.writer.stop()
            if owns_store:
                with app.state.store_lock:
                    app.state.store.close()

    app = FastAPI(
        title="Centric",
        version=__version__,
        description="Customer-centric intelligence: ingestion, customers, metrics and personas. "
                    "Authenticate with 'Authorization: Bearer <API key>' (create one with 'centric keys create').",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    lock = threading.RLock()
    app.state.store = store
    app.state.store_lock = lock
    app.state.settings = settings
    app.state.secret = secret
    app.state.scheduled = []
    app.state.writer = Writer(store, lock, secret=secret)
    app.state.jobs = JobRunner()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, default_lang=settings.lang)

    from centric.web import api_routes, auth

    app.include_router(auth.router)
    app.include_router(api_routes.router)
    for name in AREA_ROUTERS:
        app.include_router(importlib.import_module(name).router)
    from centric.activation import run_automations

    app.state.scheduled.append(run_automations)  # automations run inside `centric serve`
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _document_security(app)
    return app


def _document_security(app: FastAPI) -> None:
    """Declare the API-key scheme in the OpenAPI document (routes check it in ``require_key``)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        schema = plain()  # cached by FastAPI; the additions below are idempotent
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["apiKey"] = {
            "type": "http", "scheme": "bearer",
            "description": "An API key from 'centric keys create' (scopes: ingest, read, admin).",
        }
        for path, item in schema.get("paths", {}).items():
            if path.startswith("/api/v1/") and path != "/api/v1/health":
                for op in item.values():
                    op.setdefault("security", [{"apiKey": []}])
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

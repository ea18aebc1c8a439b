"""One error shape for the whole web app, and the handlers that produce it.

Every error a JSON client sees is ``{"error": {"code": ..., "message": ..., "field": ...}}``
(``field`` only when one input field is at fault). Browsers asking for HTML get a small page
instead, and a page that needs a login redirects to ``/login``.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from centric.exceptions import CentricError, ConfigError, InputError, StoreError

__all__ = ["ApiError", "error_body", "install_error_handlers"]

log = logging.getLogger("centric.web")

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "internal", 503: "unavailable",
}


class ApiError(CentricError):
    """An error with an HTTP status, a stable code and (optionally) the field at fault."""

    def __init__(self, status: int, message: str, *, code: str | None = None, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.field = field
        self.headers = headers


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The canonical error body."""
    err: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    return {"error": err}


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _respond(request: Request, status: int, code: str, message: str, field: str | None = None,
             headers: dict[str, str] | None = None) -> Response:
    if _wants_html(request):
        if status == 401:
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(nxt, safe='')}", status_code=303)
        page = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{status}</title></head><body><main><h1>{status}</h1>"
            f"<p>{html.escape(message)}</p><p><a href='/'>Centric</a></p></main></body></html>"
        )
        return HTMLResponse(page, status_code=status, headers=headers)
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) if parts else None


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the canonical shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc.status, exc.code or "error", exc.message, exc.field, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No such resource: {request.method} {request.url.path}."
        elif exc.status_code == 405:
            detail = f"Method {request.method} is not allowed on {request.url.path}."
        return _respond(request, exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errs = exc.errors()
        msgs = []
        for e in errs[:10]:
            where = _field(e.get("loc", ())) or "request"
            msgs.append(f"{where}: {e.get('msg', 'invalid')}")
        first = _field(errs[0].get("loc", ())) if errs else None
        message = "; ".join(msgs) + (f" (and {len(errs) - 10} more)" if len(errs) > 10 else "")
        return _respond(request, 422, "invalid", message or "The request is not valid.", first)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> Response:
        return _respond(request, 422, "invalid_input", str(exc))

    @app.exception_handler(CentricError)
    async def _centric_error(request: Request, exc: CentricError) -> Response:
        status = 503 if isinstance(exc, StoreError) else 500 if isinstance(exc, ConfigError) else 400
        return _respond(request, status, CODES.get(status, "error"), str(exc))

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "internal",
                        "The server failed to answer this request; it has been logged. / Máy chủ gặp lỗi.")

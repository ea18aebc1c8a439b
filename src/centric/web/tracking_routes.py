"""Public open/click tracking for e-mails: ``/t/o/{message_id}.gif`` and ``/t/c/{message_id}?u=TOKEN``.

The click route redirects only to the URL inside a valid signed ``click`` token made for this very
message (see :mod:`centric.activation._channels`), so it cannot be used as an open redirect. The
first open / click sets ``messages.opened_at`` / ``clicked_at`` (a click also counts as an open).
"""

from __future__ import annotations

import base64
import datetime as _dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from centric._tokens import InvalidTokenError, verify
from centric.activation._rows import mark_first

__all__ = ["PIXEL", "router"]

router = APIRouter(include_in_schema=False)

#: a 1×1 transparent GIF
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_NO_STORE = {"Cache-Control": "no-store, max-age=0"}
_BAD = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Liên kết không hợp lệ</title></head>'
    '<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem">'
    "<h1>Liên kết không hợp lệ</h1><p>Liên kết này đã bị thay đổi hoặc đã hết hạn.</p>"
    '<p lang="en">This link is not valid: it was changed or has expired.</p></body></html>'
)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


@router.get("/t/o/{message_id}.gif")
def open_pixel(message_id: str, request: Request) -> Response:
    """Record the first open of a message; always answer with the pixel (nothing is revealed)."""
    state = request.app.state
    with state.store_lock:
        mark_first(state.store, message_id, "opened_at", _now())
    return Response(PIXEL, media_type="image/gif", headers=_NO_STORE)


@router.get("/t/c/{message_id}")
def click(message_id: str, request: Request, u: str = "") -> Response:
    """Record the first click and redirect to the signed URL; refuse anything else with 400."""
    state = request.app.state
    try:
        data = verify(state.secret, "click", u)
    except InvalidTokenError:
        return HTMLResponse(_BAD, status_code=400, headers=_NO_STORE)
    url = str(data.get("u", ""))
    if data.get("m") != message_id or not url.startswith(("http://", "https://")):
        return HTMLResponse(_BAD, status_code=400, headers=_NO_STORE)
    with state.store_lock:
        at = _now()
        if mark_first(state.store, message_id, "clicked_at", at):
            mark_first(state.store, message_id, "opened_at", at)
    return RedirectResponse(url, status_code=302, headers=_NO_STORE)

"""Open/click tracking routes: first open/click recorded, signed redirects only (no open redirect)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from urllib.parse import unquote

import pandas as pd
import pytest
from fastapi import FastAPI

from centric._tokens import sign
from centric.activation import track_html
from centric.store import connect
from centric.web.tracking_routes import PIXEL, router

# Starlette 1.x warns at import that its TestClient prefers httpx2; ci pins httpx
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
SECRET = b"s" * 32
BASE = "https://shop.example"


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    store = connect("duckdb://")
    store.append(
        "messages",
        pd.DataFrame(
            [
                {
                    "message_id": "M1",
                    "customer_id": "C1",
                    "channel": "email",
                    "status": "sent",
                    "sent_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                }
            ]
        ),
    )
    app = FastAPI()
    app.state.store, app.state.store_lock, app.state.secret = store, threading.RLock(), SECRET
    app.include_router(router)
    with TestClient(app, follow_redirects=False) as c:
        yield c, store
    store.close()


def _row(store):
    return store.table("messages").execute().set_index("message_id").loc["M1"]


def test_open_pixel_records_the_first_open_only(client):
    c, store = client
    r = c.get("/t/o/M1.gif")
    assert r.status_code == 200 and r.headers["content-type"] == "image/gif" and r.content == PIXEL
    first = _row(store).opened_at
    assert pd.notna(first)
    c.get("/t/o/M1.gif")
    assert _row(store).opened_at == first
    assert c.get("/t/o/UNKNOWN.gif").status_code == 200  # reveals nothing


def test_click_redirects_to_the_signed_url_and_records_it(client):
    c, store = client
    html = '<p><a href="https://shop.example/sp/ao-dai?x=1&amp;y=2">Xem</a> <a href="https://shop.example/p/TOKEN">Huỷ</a></p>'
    out = track_html(html, secret=SECRET, base_url=BASE, mid="M1", skip="https://shop.example/p/TOKEN")
    assert 'href="https://shop.example/p/TOKEN"' in out  # the preference link is left alone
    assert '<img src="https://shop.example/t/o/M1.gif"' in out
    link = re.search(r'href="https://shop\.example(/t/c/M1\?u=[^"]+)"', out).group(1)
    r = c.get(link)
    assert r.status_code == 302 and r.headers["location"] == "https://shop.example/sp/ao-dai?x=1&y=2"
    row = _row(store)
    assert pd.notna(row.clicked_at) and pd.notna(row.opened_at)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sign(SECRET, "click", {"m": "M1", "u": "https://evil.example"})[:-3] + "abc",  # tampered
        lambda: sign(SECRET, "click", {"m": "M2", "u": "https://evil.example"}),  # made for another message
        lambda: sign(SECRET, "prefs", {"m": "M1", "u": "https://evil.example"}),  # made for another use
        lambda: sign(b"x" * 32, "click", {"m": "M1", "u": "https://evil.example"}),  # another key
        lambda: sign(SECRET, "click", {"m": "M1", "u": "javascript:alert(1)"}),  # not http(s)
        lambda: "",
    ],
)
def test_anything_but_a_valid_token_is_refused(client, make):
    c, store = client
    r = c.get("/t/c/M1", params={"u": unquote(make())})
    assert r.status_code == 400 and "location" not in r.headers
    assert "Liên kết không hợp lệ" in r.text and "This link is not valid" in r.text
    assert pd.isna(_row(store).clicked_at)

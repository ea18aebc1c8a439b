"""Logout ends the session on the server: a copied session cookie is refused afterwards."""

from __future__ import annotations

import pytest

HTML = {"Accept": "text/html"}
PASSWORD = "correct horse battery staple"  # the page fixtures' users (conftest)


@pytest.fixture(scope="module")
def app(pages_app):
    from centric.web import api_routes

    pages_app.include_router(api_routes.router)  # the JSON API takes the same session cookie
    return pages_app


def login(client, email: str):
    client.get("/login")
    r = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": client.cookies.get("centric_csrf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def _client(app, cookie=None):
    from fastapi.testclient import TestClient

    c = TestClient(app)
    if cookie is not None:
        c.cookies.set("centric_session", cookie)
    return c


def _sessions(app):
    with app.state.store_lock:
        return app.state.store.con.con.execute(
            "select session_id, user_id, revoked_at is not null from web_sessions order by created_at"
        ).fetchall()


def test_copied_cookie_is_refused_after_logout(app):
    from centric._tokens import verify

    c = login(_client(app), "analyst@example.vn")
    other = login(_client(app), "analyst@example.vn")  # the same person on a second device
    stolen = c.cookies.get("centric_session")
    copy = _client(app, stolen)
    # before logout the copy works, on pages and on the API
    assert copy.get("/audiences", headers=HTML, follow_redirects=False).status_code == 200
    assert copy.get("/api/v1/personas").status_code == 200
    sid = verify(app.state.secret, "session", stolen)["sid"]
    assert (sid, False) in {(s, r) for s, _, r in _sessions(app)}
    r = c.post("/logout", data={"csrf_token": c.cookies.get("centric_csrf")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "centric_session" not in c.cookies
    # the copied cookie is now nobody: pages redirect to /login, the API answers 401
    r = copy.get("/audiences", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    r = copy.get("/api/v1/personas")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert (sid, True) in {(s, r) for s, _, r in _sessions(app)}
    # the other session of the same user is untouched
    assert other.get("/audiences", headers=HTML, follow_redirects=False).status_code == 200
    assert sum(1 for *_, revoked in _sessions(app) if not revoked) == 1
    for x in (c, other, copy):
        x.close()


def test_a_signed_token_without_a_live_session_is_nobody(app):
    from centric._tokens import sign

    with app.state.store_lock:
        ((uid,),) = app.state.store.con.con.execute("select user_id from users where role = 'admin'").fetchall()
    # correctly signed, but made before sessions existed (no sid), or naming a session that was never started
    for payload in ({"uid": uid}, {"uid": uid, "sid": "never-started"}):
        c = _client(app, sign(app.state.secret, "session", payload, ttl_days=0.5))
        assert c.get("/api/v1/personas").status_code == 401
        r = c.get("/audiences", headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        c.close()
    # a live session id of another user does not lend its rights either
    a = login(_client(app), "analyst@example.vn")
    from centric._tokens import verify

    sid = verify(app.state.secret, "session", a.cookies.get("centric_session"))["sid"]
    forged = _client(app, sign(app.state.secret, "session", {"uid": uid, "sid": sid}, ttl_days=0.5))
    assert forged.get("/api/v1/personas").status_code == 401
    for x in (a, forged):
        x.close()


def test_old_sessions_are_purged_when_someone_logs_in(tmp_path):
    """Rows of sessions started more than a week ago go; recent ones (revoked or not) stay."""
    import datetime as dt

    import pandas as pd

    from centric.store import connect
    from centric.web._accounts import create_session

    store = connect(f"duckdb://{tmp_path}/s.duckdb")
    now = dt.datetime.now(dt.UTC)
    store.append("web_sessions", pd.DataFrame([
        {"session_id": "old", "user_id": "u", "created_at": now - dt.timedelta(days=8), "revoked_at": None},
        {"session_id": "old-revoked", "user_id": "u", "created_at": now - dt.timedelta(days=30), "revoked_at": now},
        {"session_id": "recent", "user_id": "u", "created_at": now - dt.timedelta(days=6), "revoked_at": now},
    ]))
    sid = create_session(store, "u")
    assert sorted(store.table("web_sessions").session_id.execute()) == sorted(["recent", sid])
    store.close()

"""Login/logout: argon2 passwords, signed HttpOnly session cookie, CSRF, rate limiting, audit, language."""

from __future__ import annotations


def _audit(app):
    with app.state.store_lock:
        return app.state.store.con.con.execute("SELECT actor, action, subject FROM audit_log ORDER BY seq").fetchall()


def test_login_sets_a_signed_httponly_lax_cookie_and_is_audited(api, login):
    client, app, _ = api
    r = login(client, "analyst@example.vn")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("centric_session="))
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= attrs and "samesite=lax" in cookie.lower()
    # the session opens read routes; the user id in the cookie is signed, so it cannot be swapped
    assert client.get("/api/v1/customers", params={"limit": 1}).status_code == 200
    from centric._tokens import verify

    uid = verify(app.state.secret, "session", client.cookies.get("centric_session"))["uid"]
    actor, action, subject = _audit(app)[-1]
    assert (actor, action, subject) == ("analyst@example.vn", "login", uid)
    client.cookies.set("centric_session", client.cookies.get("centric_session")[:-2] + "xx")
    assert client.get("/api/v1/customers").status_code == 401


def test_wrong_password_missing_csrf_and_rate_limit(api, login):
    client, app, _ = api
    r = login(client, "viewer@example.vn", "wrong password!!")
    assert r.status_code == 401 and "Wrong e-mail or password." in r.text
    assert "centric_session" not in client.cookies
    assert _audit(app)[-1][:2] == ("viewer@example.vn", "login.failed")
    # no CSRF token: refused before the password is even checked
    r = client.post("/login", data={"email": "viewer@example.vn", "password": "correct horse battery staple"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert r.json() == {"error": {"code": "csrf", "message": "The form expired or came from another site; reload "
                                  "the page and try again. / Biểu mẫu đã hết hạn, vui lòng tải lại trang."}}
    for _ in range(4):
        assert login(client, "viewer@example.vn", "still wrong!!").status_code == 401
    # five failures in five minutes: even the right password waits
    r = login(client, "viewer@example.vn")
    assert r.status_code == 429 and "Too many failed logins" in r.text
    assert login(client, "admin@example.vn").status_code == 429  # same client address
    assert sum(1 for a in _audit(app) if a[1] == "login.failed") == 5


def test_logout_forgets_the_session(api, login):
    client, app, _ = api
    login(client, "admin@example.vn")
    assert client.get("/api/v1/metrics").status_code == 200
    r = client.post("/logout", data={"csrf_token": client.cookies.get("centric_csrf")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/api/v1/metrics").status_code == 401
    assert _audit(app)[-1][:2] == ("admin@example.vn", "logout")


def test_login_page_speaks_both_languages_and_keeps_next_local(api):
    client, _, _ = api
    r = client.get("/login?lang=vi&next=/customers")
    assert r.status_code == 200 and "Đăng nhập" in r.text and 'value="/customers"' in r.text
    assert client.cookies.get("lang") == "vi"
    assert "Mật khẩu" in client.get("/login").text  # the cookie remembers
    r = client.get("/login?lang=en&next=//evil.example/")
    assert "Password" in r.text and 'name="next" value="/"' in r.text  # no open redirect


def test_session_posts_to_the_api_need_the_csrf_header(api, login):
    client, _, _ = api
    login(client, "analyst@example.vn")
    r = client.post("/api/v1/jobs/analyze", json={"lang": "xx"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = client.post("/api/v1/jobs/analyze", json={"lang": "xx"},
                    headers={"X-CSRF-Token": client.cookies.get("centric_csrf")})
    assert r.status_code == 422  # past auth and CSRF; the body is what is wrong


def test_passwords_are_argon2_and_users_are_unique(webapi_ws):
    import pytest

    from centric.exceptions import InputError
    from centric.store import connect
    from centric.web import _accounts as acc

    with connect(f"duckdb://{webapi_ws.ws}/centric.duckdb") as store:
        h = store.con.con.execute("SELECT password_hash FROM users WHERE email = 'admin@example.vn'").fetchone()[0]
        assert h.startswith("$argon2id$")
        assert acc.verify_password(store, email="ADMIN@example.vn ", password="correct horse battery staple")
        assert acc.verify_password(store, email="admin@example.vn", password="nope") is None
        with pytest.raises(InputError, match="exists already"):
            acc.create_user(store, email="admin@example.vn", role="admin", password="another long one")
        with pytest.raises(InputError, match="at least 10 are needed"):
            acc.create_user(store, email="new@example.vn", role="admin", password="short")
        with pytest.raises(InputError, match=r"The 'role' must be one of \['viewer', 'analyst', 'admin'\]"):
            acc.create_user(store, email="new@example.vn", role="owner", password="long enough pw")
        key, rec = acc.create_key(store, scopes=["read"])
        stored = store.con.con.execute("SELECT key_hash, prefix FROM api_keys WHERE key_id = ?",
                                       [rec.key_id]).fetchone()
        assert stored == (acc.hash_key(key), key[:10]) and key not in stored
